package cdctest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"

	"github.com/linkedin/goavro/v2"

	"github.com/tradestream/tradestream/codecs"
)

// Avro writes a schema-less fixture's key and value as the Avro converter
// would: the schemas of testdata/avro registered under "<topic>-key" and
// "<topic>-value" on reg, then the Confluent wire format. A nil key or
// value stays nil.
func (f Fixture) Avro(ctx context.Context, reg codecs.Registry, dir, topic string) (key, value []byte, err error) {
	if key, err = encode(ctx, reg, filepath.Join(dir, "avro", f.Connector()+".key.avsc"), topic+"-key", f.Key); err != nil {
		return nil, nil, err
	}
	value, err = encode(ctx, reg, filepath.Join(dir, "avro", f.Connector()+".value.avsc"), topic+"-value", f.Value)
	return key, value, err
}

func encode(ctx context.Context, reg codecs.Registry, schemaPath, subject string, doc json.RawMessage) ([]byte, error) {
	if compact(doc) == nil {
		return nil, nil
	}
	schema, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	var root any
	if err := json.Unmarshal(schema, &root); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	w := &wrapper{names: map[string]map[string]any{}}
	w.register(root, "")
	native, err := w.native(v, root, "")
	if err != nil {
		return nil, fmt.Errorf("cdctest: %s: %w", subject, err)
	}
	codec, err := goavro.NewCodec(string(schema))
	if err != nil {
		return nil, err
	}
	id, err := reg.Register(ctx, subject, string(schema))
	if err != nil {
		return nil, err
	}
	return codec.BinaryFromNative(codecs.AppendHeader(nil, id), native)
}

// wrapper turns a JSON value into goavro's native form for a schema:
// unions wrapped with goavro.Union, decimals as *big.Rat.
type wrapper struct {
	names map[string]map[string]any
}

// register records every named record of the schema by full name.
func (w *wrapper) register(schema any, ns string) {
	switch s := schema.(type) {
	case []any:
		for _, b := range s {
			w.register(b, ns)
		}
	case map[string]any:
		if s["type"] != "record" {
			w.register(s["type"], ns)
			return
		}
		if space, ok := s["namespace"].(string); ok {
			ns = space
		}
		w.names[ns+"."+s["name"].(string)] = s
		for _, f := range s["fields"].([]any) {
			w.register(f.(map[string]any)["type"], ns)
		}
	}
}

func (w *wrapper) native(v any, schema any, ns string) (any, error) {
	switch s := schema.(type) {
	case string:
		if def, ok := w.names[s]; ok {
			return w.native(v, def, ns)
		}
		if def, ok := w.names[ns+"."+s]; ok {
			return w.native(v, def, ns)
		}
		return scalar(v, s)
	case []any:
		if v == nil {
			return goavro.Union("null", nil), nil
		}
		for _, b := range s {
			if b == "null" {
				continue
			}
			x, err := w.native(v, b, ns)
			if err != nil {
				return nil, err
			}
			return goavro.Union(w.branchName(b, ns), x), nil
		}
		return nil, fmt.Errorf("union without a non-null branch")
	case map[string]any:
		return w.complex(v, s, ns)
	}
	return nil, fmt.Errorf("schema %T", schema)
}

func (w *wrapper) complex(v any, s map[string]any, ns string) (any, error) {
	typ, _ := s["type"].(string)
	if typ != "record" {
		if s["logicalType"] == "decimal" {
			b, err := base64.StdEncoding.DecodeString(fmt.Sprint(v))
			if err != nil {
				return nil, err
			}
			n := new(big.Int).SetBytes(b)
			if len(b) > 0 && b[0]&0x80 != 0 {
				n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
			}
			scale := int64(s["scale"].(float64))
			return new(big.Rat).SetFrac(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(scale), nil)), nil
		}
		return scalar(v, typ)
	}
	if space, ok := s["namespace"].(string); ok {
		ns = space
	}
	m, _ := v.(map[string]any)
	out := map[string]any{}
	for _, f := range s["fields"].([]any) {
		fm := f.(map[string]any)
		name := fm["name"].(string)
		x, err := w.native(m[name], fm["type"], ns)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = x
	}
	return out, nil
}

// branchName is goavro's name of a union branch.
func (w *wrapper) branchName(b any, ns string) string {
	switch s := b.(type) {
	case string:
		if _, ok := w.names[ns+"."+s]; ok {
			return ns + "." + s
		}
		return s
	case map[string]any:
		typ, _ := s["type"].(string)
		if typ == "record" {
			if space, ok := s["namespace"].(string); ok {
				ns = space
			}
			return ns + "." + s["name"].(string)
		}
		if lt, ok := s["logicalType"].(string); ok {
			return typ + "." + lt
		}
		return typ
	}
	return ""
}

// scalar converts a JSON scalar; a missing value of a required field takes
// the type's default, as Debezium fills columns absent from an old tuple.
func scalar(v any, typ string) (any, error) {
	if v == nil {
		switch typ {
		case "string":
			return "", nil
		case "boolean":
			return false, nil
		case "int":
			return int32(0), nil
		case "long":
			return int64(0), nil
		case "double":
			return 0.0, nil
		}
	}
	switch typ {
	case "string":
		return fmt.Sprint(v), nil
	case "boolean":
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("%v is not a boolean", v)
		}
		return b, nil
	case "long", "int":
		n, ok := v.(json.Number)
		if !ok {
			var s string
			if s, ok = v.(string); ok {
				n = json.Number(s)
			}
		}
		i, err := n.Int64()
		if err != nil {
			return nil, fmt.Errorf("%v is not an integer", v)
		}
		if typ == "int" {
			return int32(i), nil
		}
		return i, nil
	case "double":
		n, _ := v.(json.Number)
		return n.Float64()
	}
	return nil, fmt.Errorf("type %s", typ)
}
