package cdc

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// The mapping names command fields as command.avsc does; a compiled rule
// sets them through reflection paths resolved once, at load time.

var (
	commandType = reflect.TypeOf(codecs.Command{})
	timeType    = reflect.TypeOf(time.Time{})
)

// avroField finds the field of struct t tagged avro:name.
func avroField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("avro"), ",")
		if tag == name {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// payloadType is a command kind's payload record: the Command field whose
// avro name is the kind (post_job → Command.PostJob), a *struct.
type payloadType struct {
	index []int
	typ   reflect.Type
}

func payloadOf(kind string) (*payloadType, error) {
	f, ok := avroField(commandType, kind)
	if !ok || f.Type.Kind() != reflect.Pointer || f.Type.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("unknown command kind %q", kind)
	}
	return &payloadType{index: f.Index, typ: f.Type.Elem()}, nil
}

// alloc sets a new payload on cmd and returns it, addressable.
func (p *payloadType) alloc(cmd *codecs.Command) reflect.Value {
	v := reflect.New(p.typ)
	reflect.ValueOf(cmd).Elem().FieldByIndex(p.index).Set(v)
	return v.Elem()
}

// field resolves a dotted path ("window.earliest_start") in the payload.
func (p *payloadType) field(path string) ([]int, reflect.Type, error) {
	t := p.typ
	var index []int
	for _, name := range strings.Split(path, ".") {
		if t.Kind() != reflect.Struct {
			return nil, nil, fmt.Errorf("%s is not a record", path)
		}
		f, ok := avroField(t, name)
		if !ok {
			return nil, nil, fmt.Errorf("no field %q in %s", name, t.Name())
		}
		index = append(index, f.Index...)
		t = f.Type
	}
	return index, t, nil
}

// setFn stores a converted column value (nil: NULL, the field stays zero).
type setFn func(payload reflect.Value, v any) error

// accepts lists the Go field types each column type can set.
var accepts = map[string][]reflect.Type{
	TypeString:    {reflect.TypeOf(""), reflect.TypeOf((*string)(nil))},
	TypeInt:       {reflect.TypeOf(int32(0)), reflect.TypeOf(int64(0)), reflect.TypeOf((*int64)(nil)), reflect.TypeOf((*int32)(nil)), reflect.TypeOf(0.0)},
	TypeMinor:     {reflect.TypeOf(int64(0)), reflect.TypeOf((*int64)(nil))},
	TypeDouble:    {reflect.TypeOf(0.0)},
	TypeDecimal:   {reflect.TypeOf(0.0)},
	TypeBoolean:   {reflect.TypeOf(false)},
	TypeTimestamp: {timeType},
	TypeList:      {reflect.TypeOf([]string(nil))},
}

func (p *payloadType) setter(path, colType string) (setFn, error) {
	index, t, err := p.field(path)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(accepts[colType], t) {
		return nil, fmt.Errorf("a %s column cannot set a %s field", colType, t)
	}
	return func(payload reflect.Value, v any) error {
		if v == nil {
			return nil
		}
		return store(payload.FieldByIndex(index), v)
	}, nil
}

// store sets dst from a converted value (string, int64, float64, bool,
// time.Time, []string), checking int32 range.
func store(dst reflect.Value, v any) error {
	if dst.Kind() == reflect.Pointer {
		p := reflect.New(dst.Type().Elem())
		if err := store(p.Elem(), v); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	}
	switch x := v.(type) {
	case int64:
		switch dst.Kind() {
		case reflect.Int32:
			if x < math.MinInt32 || x > math.MaxInt32 {
				return fmt.Errorf("%w: %d out of range", ErrBadValue, x)
			}
			dst.SetInt(x)
		case reflect.Float64:
			dst.SetFloat(float64(x))
		default:
			dst.SetInt(x)
		}
		return nil
	case []string:
		dst.Set(reflect.ValueOf(slices.Clone(x)))
		return nil
	}
	rv := reflect.ValueOf(v)
	if !rv.Type().AssignableTo(dst.Type()) {
		return fmt.Errorf("%w: %T into %s", ErrBadValue, v, dst.Type())
	}
	dst.Set(rv)
	return nil
}

// constant compiles a constant from the YAML into a setter.
func (p *payloadType) constant(path string, v any) (func(reflect.Value), error) {
	index, t, err := p.field(path)
	if err != nil {
		return nil, err
	}
	var conv any
	base := t
	if base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	switch x := v.(type) {
	case string:
		if base.Kind() == reflect.String {
			conv = x
		}
	case bool:
		if base.Kind() == reflect.Bool {
			conv = x
		}
	case int:
		if base.Kind() == reflect.Int32 || base.Kind() == reflect.Int64 || base.Kind() == reflect.Float64 {
			conv = int64(x)
		}
	case float64:
		if base.Kind() == reflect.Float64 {
			conv = x
		}
	}
	if conv == nil {
		return nil, fmt.Errorf("a %T constant cannot set a %s field", v, t)
	}
	probe := reflect.New(t).Elem()
	if err := store(probe, conv); err != nil {
		return nil, err
	}
	return func(payload reflect.Value) { _ = store(payload.FieldByIndex(index), conv) }, nil
}

// entitySetter returns the setter of the command's entity id field
// (job_id, tradesperson_id, promo_code, payment_id).
func entitySetter(field string) (func(*codecs.Command, string), error) {
	f, ok := avroField(commandType, field)
	id := strings.HasSuffix(field, "_id") && field != "tenant_id" && field != "command_id"
	if !ok || f.Type.Kind() != reflect.String || !id && field != "promo_code" {
		return nil, fmt.Errorf("entity: %q is not an id field of a command", field)
	}
	return func(c *codecs.Command, id string) { reflect.ValueOf(c).Elem().FieldByIndex(f.Index).SetString(id) }, nil
}
