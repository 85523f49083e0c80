package codecs

import (
	"fmt"
	"reflect"
	"time"
)

// compileDecoder builds the decoder from data written with schema w into Go
// type t. It is Avro schema resolution by field name: writer fields unknown to
// t are skipped, Go fields unknown to the writer keep their zero value (our
// schemas' defaults), numbers widen, and a non-null writer value fills a
// pointer field.
func compileDecoder(w *node, t reflect.Type) (decFn, error) {
	if t.Kind() == reflect.Pointer {
		return compilePointerDecoder(w, t)
	}
	switch w.kind {
	case "union":
		return compileUnionDecoder(w, t)
	case "record":
		return compileRecordDecoder(w, t)
	case "array":
		if t.Kind() != reflect.Slice {
			return nil, fmt.Errorf("%w: array into %s", ErrSchemaMismatch, t)
		}
		item, err := compileDecoder(w.items, t.Elem())
		if err != nil {
			return nil, err
		}
		return func(native any, v reflect.Value) error {
			xs, ok := native.([]any)
			if !ok {
				return fmt.Errorf("%w: array is %T", ErrCorrupt, native)
			}
			s := reflect.MakeSlice(t, len(xs), len(xs))
			for i, x := range xs {
				if err := item(x, s.Index(i)); err != nil {
					return err
				}
			}
			v.Set(s)
			return nil
		}, nil
	case "map":
		if t.Kind() != reflect.Map || t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("%w: map into %s", ErrSchemaMismatch, t)
		}
		val, err := compileDecoder(w.values, t.Elem())
		if err != nil {
			return nil, err
		}
		return func(native any, v reflect.Value) error {
			xs, ok := native.(map[string]any)
			if !ok {
				return fmt.Errorf("%w: map is %T", ErrCorrupt, native)
			}
			m := reflect.MakeMapWithSize(t, len(xs))
			for k, x := range xs {
				e := reflect.New(t.Elem()).Elem()
				if err := val(x, e); err != nil {
					return err
				}
				m.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), e)
			}
			v.Set(m)
			return nil
		}, nil
	}
	return compilePrimitiveDecoder(w, t)
}

func compilePointerDecoder(w *node, t reflect.Type) (decFn, error) {
	if w.kind == "union" {
		return compileUnionDecoder(w, t)
	}
	elem, err := compileDecoder(w, t.Elem())
	if err != nil {
		return nil, err
	}
	return func(native any, v reflect.Value) error {
		p := reflect.New(t.Elem())
		if err := elem(native, p.Elem()); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}, nil
}

func compileUnionDecoder(w *node, t reflect.Type) (decFn, error) {
	decs := map[string]decFn{}
	for _, b := range w.branches {
		if b.kind == "null" {
			continue
		}
		d, err := compileDecoder(b, t)
		if err != nil {
			return nil, err
		}
		decs[b.name] = d
	}
	return func(native any, v reflect.Value) error {
		if native == nil {
			v.Set(reflect.Zero(t))
			return nil
		}
		m, ok := native.(map[string]any)
		if !ok || len(m) != 1 {
			return fmt.Errorf("%w: union value is %T", ErrCorrupt, native)
		}
		for name, x := range m {
			d, ok := decs[name]
			if !ok {
				return fmt.Errorf("%w: union branch %s", ErrCorrupt, name)
			}
			return d(x, v)
		}
		return nil
	}, nil
}

func compileRecordDecoder(w *node, t reflect.Type) (decFn, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%w: record %s into %s", ErrSchemaMismatch, w.name, t)
	}
	idx := goFields(t)
	type fdec struct {
		name string
		i    int
		dec  decFn
	}
	var fs []fdec
	for _, f := range w.fields {
		i, ok := idx[f.name]
		if !ok {
			continue // a field this reader does not know: skipped
		}
		d, err := compileDecoder(f.typ, t.Field(i).Type)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", w.name, f.name, err)
		}
		fs = append(fs, fdec{f.name, i, d})
	}
	return func(native any, v reflect.Value) error {
		m, ok := native.(map[string]any)
		if !ok {
			return fmt.Errorf("%w: record %s is %T", ErrCorrupt, w.name, native)
		}
		for _, f := range fs {
			if err := f.dec(m[f.name], v.Field(f.i)); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

func compilePrimitiveDecoder(w *node, t reflect.Type) (decFn, error) {
	k := t.Kind()
	switch {
	case t == timeType && w.kind == "long":
		return func(native any, v reflect.Value) error {
			switch x := native.(type) {
			case time.Time:
				v.Set(reflect.ValueOf(millisToTime(x.UnixMilli())))
			case int64:
				v.Set(reflect.ValueOf(millisToTime(x)))
			default:
				return fmt.Errorf("%w: timestamp is %T", ErrCorrupt, native)
			}
			return nil
		}, nil
	case (w.kind == "string" || w.kind == "enum") && k == reflect.String:
		return func(native any, v reflect.Value) error {
			s, ok := native.(string)
			if !ok {
				return fmt.Errorf("%w: string is %T", ErrCorrupt, native)
			}
			v.SetString(s)
			return nil
		}, nil
	case w.kind == "boolean" && k == reflect.Bool:
		return func(native any, v reflect.Value) error {
			b, ok := native.(bool)
			if !ok {
				return fmt.Errorf("%w: boolean is %T", ErrCorrupt, native)
			}
			v.SetBool(b)
			return nil
		}, nil
	case (w.kind == "int" || w.kind == "long") && k >= reflect.Int && k <= reflect.Int64:
		return func(native any, v reflect.Value) error {
			var n int64
			switch x := native.(type) {
			case int32:
				n = int64(x)
			case int64:
				n = x
			default:
				return fmt.Errorf("%w: integer is %T", ErrCorrupt, native)
			}
			if v.OverflowInt(n) {
				return fmt.Errorf("%w: %d overflows %s", ErrSchemaMismatch, n, t)
			}
			v.SetInt(n)
			return nil
		}, nil
	case (w.kind == "int" || w.kind == "long" || w.kind == "float" || w.kind == "double") && (k == reflect.Float64 || k == reflect.Float32):
		return func(native any, v reflect.Value) error {
			switch x := native.(type) {
			case int32:
				v.SetFloat(float64(x))
			case int64:
				v.SetFloat(float64(x))
			case float32:
				v.SetFloat(float64(x))
			case float64:
				v.SetFloat(x)
			default:
				return fmt.Errorf("%w: number is %T", ErrCorrupt, native)
			}
			return nil
		}, nil
	case (w.kind == "bytes" || w.kind == "fixed") && k == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return func(native any, v reflect.Value) error {
			b, ok := native.([]byte)
			if !ok {
				return fmt.Errorf("%w: bytes is %T", ErrCorrupt, native)
			}
			v.SetBytes(append([]byte(nil), b...))
			return nil
		}, nil
	}
	return nil, fmt.Errorf("%w: avro %s into %s", ErrSchemaMismatch, w.name, t)
}
