package codecs

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/linkedin/goavro/v2"
)

// encFn turns a Go value into goavro's native form.
type encFn func(v reflect.Value) (any, error)

// decFn stores goavro's native form into the settable Go value v.
type decFn func(native any, v reflect.Value) error

var timeType = reflect.TypeOf(time.Time{})

// goFields maps avro field names to Go struct field indices (tag `avro:"name"`).
func goFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("avro"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
}

// compileEncoder builds the encoder of Go type t for schema n, checking that
// every schema field has a Go field of a compatible kind.
func compileEncoder(t reflect.Type, n *node) (encFn, error) {
	switch n.kind {
	case "union":
		return compileUnionEncoder(t, n)
	case "record":
		if t.Kind() != reflect.Struct {
			return nil, fmt.Errorf("record %s needs a struct, have %s", n.name, t)
		}
		idx := goFields(t)
		type fenc struct {
			name string
			i    int
			enc  encFn
		}
		var fs []fenc
		for _, f := range n.fields {
			i, ok := idx[f.name]
			if !ok {
				return nil, fmt.Errorf("record %s: no Go field tagged avro:%q in %s", n.name, f.name, t)
			}
			enc, err := compileEncoder(t.Field(i).Type, f.typ)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", n.name, f.name, err)
			}
			fs = append(fs, fenc{f.name, i, enc})
		}
		return func(v reflect.Value) (any, error) {
			m := make(map[string]any, len(fs))
			for _, f := range fs {
				x, err := f.enc(v.Field(f.i))
				if err != nil {
					return nil, err
				}
				m[f.name] = x
			}
			return m, nil
		}, nil
	case "array":
		if t.Kind() != reflect.Slice {
			return nil, fmt.Errorf("array needs a slice, have %s", t)
		}
		item, err := compileEncoder(t.Elem(), n.items)
		if err != nil {
			return nil, err
		}
		return func(v reflect.Value) (any, error) {
			out := make([]any, v.Len())
			for i := range out {
				x, err := item(v.Index(i))
				if err != nil {
					return nil, err
				}
				out[i] = x
			}
			return out, nil
		}, nil
	case "map":
		if t.Kind() != reflect.Map || t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("map needs map[string]T, have %s", t)
		}
		val, err := compileEncoder(t.Elem(), n.values)
		if err != nil {
			return nil, err
		}
		return func(v reflect.Value) (any, error) {
			out := make(map[string]any, v.Len())
			it := v.MapRange()
			for it.Next() {
				x, err := val(it.Value())
				if err != nil {
					return nil, err
				}
				out[it.Key().String()] = x
			}
			return out, nil
		}, nil
	}
	return compilePrimitiveEncoder(t, n)
}

func compileUnionEncoder(t reflect.Type, n *node) (encFn, error) {
	if len(n.branches) != 2 || n.branches[0].kind != "null" || t.Kind() != reflect.Pointer {
		return nil, fmt.Errorf("only [\"null\", T] unions mapped to pointers are supported, have %s", t)
	}
	branch := n.branches[1]
	enc, err := compileEncoder(t.Elem(), branch)
	if err != nil {
		return nil, err
	}
	return func(v reflect.Value) (any, error) {
		if v.IsNil() {
			return nil, nil
		}
		x, err := enc(v.Elem())
		if err != nil {
			return nil, err
		}
		return goavro.Union(branch.name, x), nil
	}, nil
}

func compilePrimitiveEncoder(t reflect.Type, n *node) (encFn, error) {
	if t == timeType {
		if n.kind != "long" {
			return nil, fmt.Errorf("time.Time needs a long timestamp-millis, have %s", n.name)
		}
		return func(v reflect.Value) (any, error) { return timeToMillis(v.Interface().(time.Time)), nil }, nil
	}
	ok := false
	switch n.kind {
	case "string", "enum":
		ok = t.Kind() == reflect.String
	case "boolean":
		ok = t.Kind() == reflect.Bool
	case "int", "long":
		ok = t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64
	case "float", "double":
		ok = t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64
	case "bytes", "fixed":
		ok = t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8
	}
	if !ok {
		return nil, fmt.Errorf("cannot map %s to avro %s", t, n.name)
	}
	switch n.kind {
	case "string", "enum":
		return func(v reflect.Value) (any, error) { return v.String(), nil }, nil
	case "boolean":
		return func(v reflect.Value) (any, error) { return v.Bool(), nil }, nil
	case "int":
		return func(v reflect.Value) (any, error) { return int32(v.Int()), nil }, nil
	case "long":
		return func(v reflect.Value) (any, error) { return v.Int(), nil }, nil
	case "float":
		return func(v reflect.Value) (any, error) { return float32(v.Float()), nil }, nil
	case "double":
		return func(v reflect.Value) (any, error) { return v.Float(), nil }, nil
	}
	return func(v reflect.Value) (any, error) { return v.Bytes(), nil }, nil
}

// timeToMillis encodes the zero time as 0 so that it survives a round trip.
func timeToMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func millisToTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
