package codecs

import (
	"encoding/json"
	"fmt"
	"strings"
)

// node is the parsed form of an Avro schema, just what the mapper needs.
type node struct {
	kind     string // record, array, map, union, enum, fixed or a primitive name
	name     string // the union branch name goavro uses for this type
	logical  string
	fields   []fieldNode
	items    *node
	values   *node
	branches []*node
	symbols  []string // enum symbols, in order
	size     int      // fixed size in bytes
}

type fieldNode struct {
	name       string
	typ        *node
	hasDefault bool
	def        any
}

var primitives = map[string]bool{"null": true, "boolean": true, "int": true, "long": true,
	"float": true, "double": true, "bytes": true, "string": true}

// parseSchema parses Avro schema text into a node tree.
func parseSchema(text string) (*node, error) {
	var raw any
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, fmt.Errorf("codecs: schema is not JSON: %w", err)
	}
	p := schemaParser{named: map[string]*node{}}
	return p.parse(raw, "")
}

type schemaParser struct {
	named map[string]*node
}

func (p *schemaParser) parse(raw any, ns string) (*node, error) {
	switch s := raw.(type) {
	case string:
		if primitives[s] {
			return &node{kind: s, name: s}, nil
		}
		full := s
		if !strings.Contains(s, ".") && ns != "" {
			full = ns + "." + s
		}
		if n, ok := p.named[full]; ok {
			return n, nil
		}
		if n, ok := p.named[s]; ok {
			return n, nil
		}
		return nil, fmt.Errorf("codecs: unknown type %q", s)
	case []any:
		n := &node{kind: "union"}
		for _, b := range s {
			bn, err := p.parse(b, ns)
			if err != nil {
				return nil, err
			}
			n.branches = append(n.branches, bn)
		}
		return n, nil
	case map[string]any:
		return p.parseComplex(s, ns)
	}
	return nil, fmt.Errorf("codecs: bad schema element %v", raw)
}

func (p *schemaParser) parseComplex(s map[string]any, ns string) (*node, error) {
	typ, _ := s["type"].(string)
	switch typ {
	case "record", "error", "enum", "fixed":
		name, _ := s["name"].(string)
		if v, ok := s["namespace"].(string); ok && !strings.Contains(name, ".") {
			ns = v
		}
		full := name
		if !strings.Contains(name, ".") && ns != "" {
			full = ns + "." + name
		}
		n := &node{kind: typ, name: full}
		if typ == "error" {
			n.kind = "record"
		}
		p.named[full] = n
		switch n.kind {
		case "enum":
			syms, _ := s["symbols"].([]any)
			for _, x := range syms {
				sym, _ := x.(string)
				n.symbols = append(n.symbols, sym)
			}
			return n, nil
		case "fixed":
			size, _ := s["size"].(float64)
			n.size = int(size)
			return n, nil
		}
		fields, _ := s["fields"].([]any)
		for _, f := range fields {
			fm, _ := f.(map[string]any)
			fname, _ := fm["name"].(string)
			ft, err := p.parse(fm["type"], ns)
			if err != nil {
				return nil, fmt.Errorf("field %s.%s: %w", full, fname, err)
			}
			def, has := fm["default"]
			n.fields = append(n.fields, fieldNode{name: fname, typ: ft, hasDefault: has, def: def})
		}
		return n, nil
	case "array":
		items, err := p.parse(s["items"], ns)
		return &node{kind: "array", name: "array", items: items}, err
	case "map":
		values, err := p.parse(s["values"], ns)
		return &node{kind: "map", name: "map", values: values}, err
	}
	if primitives[typ] {
		n := &node{kind: typ, name: typ}
		if l, ok := s["logicalType"].(string); ok {
			n.logical = l
			n.name = typ + "." + l
		}
		return n, nil
	}
	if typ != "" {
		return p.parse(typ, ns)
	}
	return p.parse(s["type"], ns)
}
