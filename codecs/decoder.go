package codecs

import (
	"fmt"
	"reflect"
	"time"
	"unsafe"
)

// readFn reads one value written with its writer schema from r into the Go
// value at p, of the type the function was compiled for (compileReader):
// fields, elements and pointed-to values are reached through their offsets,
// as the encoder does (appendFn).
type readFn func(r *reader, p unsafe.Pointer) error

// compileReader builds the binary decoder from data written with schema w
// into Go type t: the same schema resolution as compileDecoder (the goavro
// path), reading the bytes directly. Writer fields unknown to t are read and
// skipped, Go fields unknown to the writer keep their zero value (our
// schemas' defaults), numbers widen, a non-null writer value fills a pointer
// field, arrays and maps decode to non-nil (possibly empty) values, and a
// timestamp of 0 decodes to the zero time.Time (millisToTime).
func compileReader(w *node, t reflect.Type) (readFn, error) {
	if t.Kind() == reflect.Pointer && w.kind != "union" {
		elem, err := compileReader(w, t.Elem())
		if err != nil {
			return nil, err
		}
		return func(r *reader, p unsafe.Pointer) error {
			v := reflect.New(t.Elem()).UnsafePointer()
			if err := elem(r, v); err != nil {
				return err
			}
			*(*unsafe.Pointer)(p) = v
			return nil
		}, nil
	}
	switch w.kind {
	case "union":
		return compileUnionReader(w, t)
	case "record":
		return compileRecordReader(w, t)
	case "array":
		return compileArrayReader(w, t)
	case "map":
		return compileMapReader(w, t)
	}
	return compilePrimitiveReader(w, t)
}

func compileUnionReader(w *node, t reflect.Type) (readFn, error) {
	branches := make([]readFn, len(w.branches)) // nil for the null branch
	for i, b := range w.branches {
		if b.kind == "null" {
			continue
		}
		d, err := compileReader(b, t)
		if err != nil {
			return nil, err
		}
		branches[i] = d
	}
	zero := func(p unsafe.Pointer) { reflect.NewAt(t, p).Elem().SetZero() }
	if t.Kind() == reflect.Pointer {
		zero = func(p unsafe.Pointer) { *(*unsafe.Pointer)(p) = nil }
	}
	return func(r *reader, p unsafe.Pointer) error {
		i, err := r.long()
		if err != nil {
			return err
		}
		if i < 0 || i >= int64(len(branches)) {
			return fmt.Errorf("%w: union branch %d of %d", ErrCorrupt, i, len(branches))
		}
		if branches[i] == nil {
			zero(p)
			return nil
		}
		return branches[i](r, p)
	}, nil
}

func compileRecordReader(w *node, t reflect.Type) (readFn, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%w: record %s into %s", ErrSchemaMismatch, w.name, t)
	}
	idx := goFields(t)
	type fdec struct {
		off  uintptr
		read readFn // nil to skip the writer's field
		skip skipFn
	}
	fs := make([]fdec, 0, len(w.fields))
	for _, f := range w.fields {
		i, ok := idx[f.name]
		if !ok {
			fs = append(fs, fdec{skip: compileSkipper(f.typ, map[*node]*skipFn{})})
			continue
		}
		d, err := compileReader(f.typ, t.Field(i).Type)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", w.name, f.name, err)
		}
		fs = append(fs, fdec{off: t.Field(i).Offset, read: d})
	}
	return func(r *reader, p unsafe.Pointer) error {
		for _, f := range fs {
			var err error
			if f.read == nil {
				err = f.skip(r)
			} else {
				err = f.read(r, unsafe.Add(p, f.off))
			}
			if err != nil {
				return err
			}
		}
		return nil
	}, nil
}

func compileArrayReader(w *node, t reflect.Type) (readFn, error) {
	if t.Kind() != reflect.Slice {
		return nil, fmt.Errorf("%w: array into %s", ErrSchemaMismatch, t)
	}
	item, err := compileReader(w.items, t.Elem())
	if err != nil {
		return nil, err
	}
	size := t.Elem().Size()
	sized := takesBytes(w.items, map[*node]bool{})
	return func(r *reader, p unsafe.Pointer) error {
		s := reflect.MakeSlice(t, 0, 0)
		for {
			n, err := r.blockCount(sized)
			if err != nil {
				return err
			}
			if n == 0 {
				break
			}
			l := s.Len()
			if l+n > maxEmptyItems && !sized {
				return fmt.Errorf("%w: more than %d empty items", ErrCorrupt, maxEmptyItems)
			}
			if s.Cap() < l+n {
				grown := reflect.MakeSlice(t, l+n, l+n)
				reflect.Copy(grown, s)
				s = grown
			} else {
				s = s.Slice(0, l+n)
			}
			data := s.UnsafePointer()
			for i := l; i < l+n; i++ {
				if err := item(r, unsafe.Add(data, uintptr(i)*size)); err != nil {
					return err
				}
			}
		}
		reflect.NewAt(t, p).Elem().Set(s)
		return nil
	}, nil
}

func compileMapReader(w *node, t reflect.Type) (readFn, error) {
	if t.Kind() != reflect.Map || t.Key().Kind() != reflect.String {
		return nil, fmt.Errorf("%w: map into %s", ErrSchemaMismatch, t)
	}
	val, err := compileReader(w.values, t.Elem())
	if err != nil {
		return nil, err
	}
	return func(r *reader, p unsafe.Pointer) error {
		m := reflect.MakeMap(t)
		for {
			n, err := r.blockCount(true) // a key takes at least its length byte
			if err != nil {
				return err
			}
			if n == 0 {
				break
			}
			for range n {
				k, err := r.bytes()
				if err != nil {
					return err
				}
				e := reflect.New(t.Elem())
				if err := val(r, e.UnsafePointer()); err != nil {
					return err
				}
				m.SetMapIndex(reflect.ValueOf(string(k)).Convert(t.Key()), e.Elem())
			}
		}
		reflect.NewAt(t, p).Elem().Set(m)
		return nil
	}, nil
}

func compilePrimitiveReader(w *node, t reflect.Type) (readFn, error) {
	k := t.Kind()
	isInt := k >= reflect.Int && k <= reflect.Int64
	isFloat := k == reflect.Float64 || k == reflect.Float32
	switch {
	case t == timeType && w.kind == "long":
		return func(r *reader, p unsafe.Pointer) error {
			n, err := r.long()
			if err != nil {
				return err
			}
			*(*time.Time)(p) = millisToTime(n)
			return nil
		}, nil
	case w.kind == "string" && k == reflect.String:
		return func(r *reader, p unsafe.Pointer) error {
			b, err := r.bytes()
			if err != nil {
				return err
			}
			*(*string)(p) = string(b)
			return nil
		}, nil
	case w.kind == "enum" && k == reflect.String:
		return func(r *reader, p unsafe.Pointer) error {
			i, err := r.long()
			if err != nil {
				return err
			}
			if i < 0 || i >= int64(len(w.symbols)) {
				return fmt.Errorf("%w: enum %s index %d", ErrCorrupt, w.name, i)
			}
			*(*string)(p) = w.symbols[i]
			return nil
		}, nil
	case w.kind == "boolean" && k == reflect.Bool:
		return func(r *reader, p unsafe.Pointer) error {
			b, err := r.boolean()
			*(*bool)(p) = b
			return err
		}, nil
	case (w.kind == "int" || w.kind == "long") && isInt:
		set := intWriter(t)
		return func(r *reader, p unsafe.Pointer) error {
			n, err := readNumber(r, w.kind)
			if err != nil {
				return err
			}
			return set(p, n)
		}, nil
	case (w.kind == "int" || w.kind == "long") && isFloat:
		set := floatWriter(k)
		return func(r *reader, p unsafe.Pointer) error {
			n, err := readNumber(r, w.kind)
			set(p, float64(n))
			return err
		}, nil
	case w.kind == "float" && isFloat:
		set := floatWriter(k)
		return func(r *reader, p unsafe.Pointer) error {
			f, err := r.float()
			set(p, float64(f))
			return err
		}, nil
	case w.kind == "double" && isFloat:
		if k == reflect.Float64 {
			return func(r *reader, p unsafe.Pointer) error {
				f, err := r.double()
				*(*float64)(p) = f
				return err
			}, nil
		}
		return func(r *reader, p unsafe.Pointer) error {
			f, err := r.double()
			*(*float32)(p) = float32(f)
			return err
		}, nil
	case (w.kind == "bytes" || w.kind == "fixed") && k == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return func(r *reader, p unsafe.Pointer) error {
			var b []byte
			var err error
			if w.kind == "fixed" {
				b, err = r.fixed(w.size)
			} else {
				b, err = r.bytes()
			}
			if err != nil {
				return err
			}
			*(*[]byte)(p) = append([]byte(nil), b...)
			return nil
		}, nil
	}
	return nil, fmt.Errorf("%w: avro %s into %s", ErrSchemaMismatch, w.name, t)
}

// readNumber reads an Avro int or long.
func readNumber(r *reader, kind string) (int64, error) {
	if kind == "int" {
		n, err := r.int()
		return int64(n), err
	}
	return r.long()
}
