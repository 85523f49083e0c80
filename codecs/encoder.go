package codecs

import (
	"fmt"
	"reflect"
	"slices"
	"time"
	"unsafe"
)

// appendFn appends the Avro binary of the Go value at p to dst. p points to
// a value of the Go type the function was compiled for (compileAppender):
// the encoder reads fields, elements and pointed-to values through their
// offsets, with no reflect.Value per field (a reflect.Value.Field was a
// tenth of the tracking join's CPU; BENCHMARKS.md, "The join's own cost").
type appendFn func(dst []byte, p unsafe.Pointer) ([]byte, error)

// sliceHeader is the layout of a Go slice.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

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
		return func(dst []byte, p unsafe.Pointer) ([]byte, error) {
			v := *(*unsafe.Pointer)(p)
			if v == nil {
				return append(dst, 0), nil // branch 0: null
			}
			return elem(append(dst, 2), v) // branch 1, zig-zag encoded
		}, nil
	case "record":
		return compileRecordAppender(t, n)
	case "array":
		return compileArrayAppender(t, n)
	case "map":
		return compileMapAppender(t, n)
	}
	return compilePrimitiveAppender(t, n)
}

func compileArrayAppender(t reflect.Type, n *node) (appendFn, error) {
	if t.Kind() != reflect.Slice {
		return nil, fmt.Errorf("array needs a slice, have %s", t)
	}
	item, err := compileAppender(t.Elem(), n.items)
	if err != nil {
		return nil, err
	}
	size := t.Elem().Size()
	return func(dst []byte, p unsafe.Pointer) ([]byte, error) {
		s := (*sliceHeader)(p)
		if s.len == 0 {
			return append(dst, 0), nil
		}
		dst = appendLong(dst, int64(s.len))
		var err error
		for i := range s.len {
			if dst, err = item(dst, unsafe.Add(s.data, uintptr(i)*size)); err != nil {
				return nil, err
			}
		}
		return append(dst, 0), nil
	}, nil
}

func compileMapAppender(t reflect.Type, n *node) (appendFn, error) {
	if t.Kind() != reflect.Map || t.Key().Kind() != reflect.String {
		return nil, fmt.Errorf("map needs map[string]T, have %s", t)
	}
	val, err := compileAppender(t.Elem(), n.values)
	if err != nil {
		return nil, err
	}
	return func(dst []byte, p unsafe.Pointer) ([]byte, error) {
		v := reflect.NewAt(t, p).Elem()
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
		e := reflect.New(t.Elem()) // map values are not addressable: each is copied here
		var err error
		for _, k := range keys {
			dst = appendString(dst, k.String())
			e.Elem().Set(v.MapIndex(k))
			if dst, err = val(dst, e.UnsafePointer()); err != nil {
				return nil, err
			}
		}
		return append(dst, 0), nil
	}, nil
}

func compileRecordAppender(t reflect.Type, n *node) (appendFn, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("record %s needs a struct, have %s", n.name, t)
	}
	idx := goFields(t)
	type fenc struct {
		off uintptr
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
		fs = append(fs, fenc{t.Field(i).Offset, enc})
	}
	return func(dst []byte, p unsafe.Pointer) ([]byte, error) {
		var err error
		for _, f := range fs {
			if dst, err = f.enc(dst, unsafe.Add(p, f.off)); err != nil {
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
		return func(dst []byte, p unsafe.Pointer) ([]byte, error) {
			return appendLong(dst, timeToMillis(*(*time.Time)(p))), nil
		}, nil
	}
	switch n.kind {
	case "string":
		return func(dst []byte, p unsafe.Pointer) ([]byte, error) { return appendString(dst, *(*string)(p)), nil }, nil
	case "enum":
		index := make(map[string]int64, len(n.symbols))
		for i, s := range n.symbols {
			index[s] = int64(i)
		}
		return func(dst []byte, p unsafe.Pointer) ([]byte, error) {
			s := *(*string)(p)
			i, ok := index[s]
			if !ok {
				return nil, fmt.Errorf("%q is not a symbol of enum %s", s, n.name)
			}
			return appendLong(dst, i), nil
		}, nil
	case "boolean":
		return func(dst []byte, p unsafe.Pointer) ([]byte, error) { return appendBool(dst, *(*bool)(p)), nil }, nil
	case "int", "long":
		switch {
		case n.kind == "long" && t.Kind() == reflect.Int64:
			return func(dst []byte, p unsafe.Pointer) ([]byte, error) { return appendLong(dst, *(*int64)(p)), nil }, nil
		case n.kind == "int" && t.Kind() == reflect.Int32:
			return func(dst []byte, p unsafe.Pointer) ([]byte, error) { return appendLong(dst, int64(*(*int32)(p))), nil }, nil
		}
		get := intReader(t.Kind())
		if n.kind == "int" {
			return func(dst []byte, p unsafe.Pointer) ([]byte, error) { return appendLong(dst, int64(int32(get(p)))), nil }, nil
		}
		return func(dst []byte, p unsafe.Pointer) ([]byte, error) { return appendLong(dst, get(p)), nil }, nil
	case "float", "double":
		if n.kind == "double" && t.Kind() == reflect.Float64 {
			return func(dst []byte, p unsafe.Pointer) ([]byte, error) { return appendDouble(dst, *(*float64)(p)), nil }, nil
		}
		get := func(p unsafe.Pointer) float64 { return *(*float64)(p) }
		if t.Kind() == reflect.Float32 {
			get = func(p unsafe.Pointer) float64 { return float64(*(*float32)(p)) }
		}
		if n.kind == "float" {
			return func(dst []byte, p unsafe.Pointer) ([]byte, error) { return appendFloat(dst, float32(get(p))), nil }, nil
		}
		return func(dst []byte, p unsafe.Pointer) ([]byte, error) { return appendDouble(dst, get(p)), nil }, nil
	case "fixed":
		return func(dst []byte, p unsafe.Pointer) ([]byte, error) {
			b := *(*[]byte)(p)
			if len(b) != n.size {
				return nil, fmt.Errorf("fixed %s needs %d bytes, have %d", n.name, n.size, len(b))
			}
			return append(dst, b...), nil
		}, nil
	}
	return func(dst []byte, p unsafe.Pointer) ([]byte, error) { return appendBytes(dst, *(*[]byte)(p)), nil }, nil
}
