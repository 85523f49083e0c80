package codecs

import (
	"fmt"
	"reflect"
	"slices"
	"time"
)

// appendFn appends the Avro binary of the Go value v to dst.
type appendFn func(dst []byte, v reflect.Value) ([]byte, error)

// compileAppender builds the binary encoder of Go type t for schema n. It
// accepts the same Go types as compileEncoder (the goavro path) and writes
// the same bytes goavro writes for them: fields in schema order, an array as
// one block then 0, a ["null", T] union as branch 0 for nil and 1 otherwise,
// a zero time.Time as 0 (timeToMillis). Map entries are written in key order
// (goavro writes them in Go's random map order; both are valid Avro).
func compileAppender(t reflect.Type, n *node) (appendFn, error) {
	switch n.kind {
	case "union":
		if len(n.branches) != 2 || n.branches[0].kind != "null" || t.Kind() != reflect.Pointer {
			return nil, fmt.Errorf("only [\"null\", T] unions mapped to pointers are supported, have %s", t)
		}
		elem, err := compileAppender(t.Elem(), n.branches[1])
		if err != nil {
			return nil, err
		}
		return func(dst []byte, v reflect.Value) ([]byte, error) {
			if v.IsNil() {
				return append(dst, 0), nil // branch 0: null
			}
			return elem(append(dst, 2), v.Elem()) // branch 1, zig-zag encoded
		}, nil
	case "record":
		return compileRecordAppender(t, n)
	case "array":
		if t.Kind() != reflect.Slice {
			return nil, fmt.Errorf("array needs a slice, have %s", t)
		}
		item, err := compileAppender(t.Elem(), n.items)
		if err != nil {
			return nil, err
		}
		return func(dst []byte, v reflect.Value) ([]byte, error) {
			l := v.Len()
			if l == 0 {
				return append(dst, 0), nil
			}
			dst = appendLong(dst, int64(l))
			var err error
			for i := range l {
				if dst, err = item(dst, v.Index(i)); err != nil {
					return nil, err
				}
			}
			return append(dst, 0), nil
		}, nil
	case "map":
		if t.Kind() != reflect.Map || t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("map needs map[string]T, have %s", t)
		}
		val, err := compileAppender(t.Elem(), n.values)
		if err != nil {
			return nil, err
		}
		return func(dst []byte, v reflect.Value) ([]byte, error) {
			if v.Len() == 0 {
				return append(dst, 0), nil
			}
			keys := v.MapKeys()
			slices.SortFunc(keys, func(a, b reflect.Value) int {
				switch {
				case a.String() < b.String():
					return -1
				case a.String() > b.String():
					return 1
				}
				return 0
			})
			dst = appendLong(dst, int64(len(keys)))
			var err error
			for _, k := range keys {
				dst = appendString(dst, k.String())
				if dst, err = val(dst, v.MapIndex(k)); err != nil {
					return nil, err
				}
			}
			return append(dst, 0), nil
		}, nil
	}
	return compilePrimitiveAppender(t, n)
}

func compileRecordAppender(t reflect.Type, n *node) (appendFn, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("record %s needs a struct, have %s", n.name, t)
	}
	idx := goFields(t)
	type fenc struct {
		i   int
		enc appendFn
	}
	fs := make([]fenc, 0, len(n.fields))
	for _, f := range n.fields {
		i, ok := idx[f.name]
		if !ok {
			return nil, fmt.Errorf("record %s: no Go field tagged avro:%q in %s", n.name, f.name, t)
		}
		enc, err := compileAppender(t.Field(i).Type, f.typ)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", n.name, f.name, err)
		}
		fs = append(fs, fenc{i, enc})
	}
	return func(dst []byte, v reflect.Value) ([]byte, error) {
		var err error
		for _, f := range fs {
			if dst, err = f.enc(dst, v.Field(f.i)); err != nil {
				return nil, err
			}
		}
		return dst, nil
	}, nil
}

func compilePrimitiveAppender(t reflect.Type, n *node) (appendFn, error) {
	if _, err := compilePrimitiveEncoder(t, n); err != nil {
		return nil, err // the same type checks as the goavro path
	}
	if t == timeType {
		return func(dst []byte, v reflect.Value) ([]byte, error) {
			if v.CanAddr() { // no boxing of the time.Time
				return appendLong(dst, timeToMillis(*(v.Addr().Interface().(*time.Time)))), nil
			}
			return appendLong(dst, timeToMillis(v.Interface().(time.Time))), nil
		}, nil
	}
	switch n.kind {
	case "string":
		return func(dst []byte, v reflect.Value) ([]byte, error) { return appendString(dst, v.String()), nil }, nil
	case "enum":
		index := make(map[string]int64, len(n.symbols))
		for i, s := range n.symbols {
			index[s] = int64(i)
		}
		return func(dst []byte, v reflect.Value) ([]byte, error) {
			i, ok := index[v.String()]
			if !ok {
				return nil, fmt.Errorf("%q is not a symbol of enum %s", v.String(), n.name)
			}
			return appendLong(dst, i), nil
		}, nil
	case "boolean":
		return func(dst []byte, v reflect.Value) ([]byte, error) { return appendBool(dst, v.Bool()), nil }, nil
	case "int":
		return func(dst []byte, v reflect.Value) ([]byte, error) { return appendLong(dst, int64(int32(v.Int()))), nil }, nil
	case "long":
		return func(dst []byte, v reflect.Value) ([]byte, error) { return appendLong(dst, v.Int()), nil }, nil
	case "float":
		return func(dst []byte, v reflect.Value) ([]byte, error) { return appendFloat(dst, float32(v.Float())), nil }, nil
	case "double":
		return func(dst []byte, v reflect.Value) ([]byte, error) { return appendDouble(dst, v.Float()), nil }, nil
	case "fixed":
		return func(dst []byte, v reflect.Value) ([]byte, error) {
			if v.Len() != n.size {
				return nil, fmt.Errorf("fixed %s needs %d bytes, have %d", n.name, n.size, v.Len())
			}
			return append(dst, v.Bytes()...), nil
		}, nil
	}
	return func(dst []byte, v reflect.Value) ([]byte, error) { return appendBytes(dst, v.Bytes()), nil }, nil
}
