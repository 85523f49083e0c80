package cdc

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/linkedin/goavro/v2"

	"github.com/tradestream/tradestream/codecs"
)

// schemaCache decodes Avro records generically: it fetches each writer
// schema by id once, and keeps its goavro codec and a parsed tree that tells
// unions apart from records and carries the Connect type names
// (connect.name, connect.parameters) the Avro converter writes.
type schemaCache struct {
	reg  codecs.Registry
	mu   sync.RWMutex
	byID map[int]*writer
}

type writer struct {
	codec *goavro.Codec
	root  *anode
}

func newSchemaCache(reg codecs.Registry) *schemaCache {
	return &schemaCache{reg: reg, byID: map[int]*writer{}}
}

func (c *schemaCache) decode(b []byte) (any, decoded, error) {
	id, body, err := codecs.ParseHeader(b)
	if err != nil {
		return nil, decoded{}, fmt.Errorf("%w: %w", ErrBadEnvelope, err)
	}
	w, err := c.writer(id)
	if err != nil {
		return nil, decoded{}, err
	}
	native, rest, err := w.codec.NativeFromBinary(body)
	if err != nil {
		return nil, decoded{}, fmt.Errorf("%w: schema %d: %v", codecs.ErrCorrupt, id, err)
	}
	if len(rest) != 0 {
		return nil, decoded{}, fmt.Errorf("%w: schema %d: %d trailing bytes", codecs.ErrCorrupt, id, len(rest))
	}
	root := w.root.nonNull()
	out := decoded{top: root.info(), nested: map[string]structInfo{}}
	for _, f := range root.fields {
		if t := f.typ.nonNull(); t.kind == "record" {
			out.nested[f.name] = t.info()
		}
	}
	return plain(native, w.root), out, nil
}

func (c *schemaCache) writer(id int) (*writer, error) {
	c.mu.RLock()
	w, ok := c.byID[id]
	c.mu.RUnlock()
	if ok {
		return w, nil
	}
	if c.reg == nil {
		return nil, fmt.Errorf("%w: %d (no schema registry)", codecs.ErrUnknownSchema, id)
	}
	text, err := c.reg.Schema(context.Background(), id)
	if err != nil {
		return nil, fmt.Errorf("schema %d: %w", id, err)
	}
	var js any
	if err := json.Unmarshal([]byte(text), &js); err != nil {
		return nil, fmt.Errorf("%w: schema %d: %v", codecs.ErrSchemaMismatch, id, err)
	}
	root, err := parseAvro(js, "", map[string]*anode{})
	if err != nil {
		return nil, fmt.Errorf("%w: schema %d: %v", codecs.ErrSchemaMismatch, id, err)
	}
	codec, err := goavro.NewCodec(text)
	if err != nil {
		return nil, fmt.Errorf("%w: schema %d: %v", codecs.ErrSchemaMismatch, id, err)
	}
	w = &writer{codec: codec, root: root}
	c.mu.Lock()
	c.byID[id] = w
	c.mu.Unlock()
	return w, nil
}

// anode is one node of a parsed Avro schema.
type anode struct {
	kind     string // record, union, array, map, enum, fixed, or a primitive
	name     string // full name of a named type
	connect  string // connect.name
	logical  string // logicalType
	scale    int
	hasScale bool
	fields   []afield
	branches []*anode
	items    *anode
}

type afield struct {
	name string
	typ  *anode
}

var primitives = map[string]bool{"null": true, "boolean": true, "int": true, "long": true, "float": true,
	"double": true, "bytes": true, "string": true}

// parseAvro parses a schema in its JSON form; names resolves references to
// named types declared earlier (Debezium's before and after share a record).
func parseAvro(js any, ns string, names map[string]*anode) (*anode, error) {
	switch s := js.(type) {
	case string:
		if primitives[s] {
			return &anode{kind: s}, nil
		}
		for _, full := range []string{qualify(s, ns), s} {
			if n, ok := names[full]; ok {
				return n, nil
			}
		}
		return nil, fmt.Errorf("unknown type %q", s)
	case []any:
		u := &anode{kind: "union"}
		for _, b := range s {
			n, err := parseAvro(b, ns, names)
			if err != nil {
				return nil, err
			}
			u.branches = append(u.branches, n)
		}
		return u, nil
	case map[string]any:
		return parseComplex(s, ns, names)
	}
	return nil, fmt.Errorf("bad schema node %T", js)
}

func parseComplex(s map[string]any, ns string, names map[string]*anode) (*anode, error) {
	kind, _ := s["type"].(string)
	if kind == "" { // {"type": {...}} or {"type": [...]}
		return parseAvro(s["type"], ns, names)
	}
	n := &anode{kind: kind}
	n.connect, _ = s["connect.name"].(string)
	n.logical, _ = s["logicalType"].(string)
	if sc, ok := s["scale"].(float64); ok {
		n.scale, n.hasScale = int(sc), true
	}
	if p, ok := s["connect.parameters"].(map[string]any); ok {
		if sc, ok := p["scale"].(string); ok {
			if v, err := strconv.Atoi(sc); err == nil {
				n.scale, n.hasScale = v, true
			}
		}
	}
	switch kind {
	case "record", "error", "enum", "fixed":
		name, _ := s["name"].(string)
		if space, ok := s["namespace"].(string); ok && !strings.Contains(name, ".") {
			ns = space
		}
		n.name = qualify(name, ns)
		if i := strings.LastIndex(n.name, "."); i >= 0 {
			ns = n.name[:i]
		}
		names[n.name] = n
		if kind == "record" || kind == "error" {
			n.kind = "record"
			fields, _ := s["fields"].([]any)
			for _, f := range fields {
				fm, _ := f.(map[string]any)
				name, _ := fm["name"].(string)
				t, err := parseAvro(fm["type"], ns, names)
				if err != nil {
					return nil, fmt.Errorf("%s.%s: %w", n.name, name, err)
				}
				n.fields = append(n.fields, afield{name: name, typ: t})
			}
		}
	case "array":
		items, err := parseAvro(s["items"], ns, names)
		if err != nil {
			return nil, err
		}
		n.items = items
	case "map":
		values, err := parseAvro(s["values"], ns, names)
		if err != nil {
			return nil, err
		}
		n.items = values
	}
	return n, nil
}

func qualify(name, ns string) string {
	if strings.Contains(name, ".") || ns == "" {
		return name
	}
	return ns + "." + name
}

// nonNull is the node itself, or the one non-null branch of an optional.
func (n *anode) nonNull() *anode {
	if n.kind != "union" {
		return n
	}
	var only *anode
	for _, b := range n.branches {
		if b.kind != "null" {
			if only != nil {
				return n
			}
			only = b
		}
	}
	if only == nil {
		return n
	}
	return only
}

// info describes the fields of a record node.
func (n *anode) info() structInfo {
	out := structInfo{}
	for _, f := range n.fields {
		t := f.typ.nonNull()
		fi := fieldInfo{schema: t.kind, semantic: t.connect, scale: t.scale, hasScale: t.hasScale}
		if fi.semantic == "" && t.logical == "decimal" {
			fi.semantic = decimalName
		}
		out[f.name] = fi
	}
	return out
}

// goavroName is the key goavro uses for a union branch.
func (n *anode) goavroName() string {
	if n.name != "" {
		return n.name
	}
	if n.logical != "" {
		return n.kind + "." + n.logical
	}
	return n.kind
}

// plain turns goavro's native form into plain maps and slices: unions are
// unwrapped to their value.
func plain(v any, n *anode) any {
	switch n.kind {
	case "union":
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			return v // null
		}
		for k, x := range m {
			for _, b := range n.branches {
				if b.goavroName() == k {
					return plain(x, b)
				}
			}
			return plain(x, n.nonNull())
		}
	case "record":
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		out := make(map[string]any, len(m))
		for _, f := range n.fields {
			if x, ok := m[f.name]; ok {
				out[f.name] = plain(x, f.typ)
			}
		}
		return out
	case "array":
		xs, ok := v.([]any)
		if !ok {
			return v
		}
		out := make([]any, len(xs))
		for i, x := range xs {
			out[i] = plain(x, n.items)
		}
		return out
	}
	return v
}
