package cdc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/tradestream/tradestream/codecs"
)

// Decoder decodes Debezium records written by any of the three converters
// the legacy connectors may use: the JSON converter with schemas.enable=true
// (an envelope {schema, payload}), the JSON converter without schemas, and
// the Avro converter (Confluent wire format; the writer schema is fetched
// from the registry by id, once). It is safe for concurrent use.
type Decoder struct {
	schemas *schemaCache

	mu      sync.RWMutex
	connect map[string]decoded // Connect JSON schemas by their text
}

// NewDecoder returns a decoder that fetches Avro writer schemas from reg
// (nil: Avro records are errors wrapping codecs.ErrUnknownSchema).
func NewDecoder(reg codecs.Registry) *Decoder {
	return &Decoder{schemas: newSchemaCache(reg), connect: map[string]decoded{}}
}

// Event decodes a change event value. Tombstones (nil values) are not
// events: the caller handles them.
func (d *Decoder) Event(b []byte) (*Event, error) {
	payload, info, err := d.decode(b)
	if err != nil {
		return nil, err
	}
	m, ok := payload.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: payload is a %T", ErrBadEnvelope, payload)
	}
	return newEvent(m, info.field("before"), info.field("after"))
}

// Key decodes a record key into its columns.
func (d *Decoder) Key(b []byte) (Row, error) {
	payload, info, err := d.decode(b)
	if err != nil {
		return nil, err
	}
	return newRow(payload, info.top)
}

// decoded is what a schema says about a decoded record: its top-level
// fields, and the fields of each struct-valued top-level field.
type decoded struct {
	top    structInfo
	nested map[string]structInfo
}

func (d decoded) field(name string) structInfo { return d.nested[name] }

func (d *Decoder) decode(b []byte) (any, decoded, error) {
	switch {
	case len(b) == 0:
		return nil, decoded{}, fmt.Errorf("%w: empty record", ErrBadEnvelope)
	case b[0] == codecs.MagicByte:
		return d.schemas.decode(b)
	}
	return d.decodeJSON(b)
}

// decodeJSON decodes the JSON converter's output, with or without schemas.
// Numbers stay json.Number: nanosecond timestamps do not fit a float64. A
// Connect schema is parsed once and cached by its text: every event of a
// table repeats it (the converter writes it first).
func (d *Decoder) decodeJSON(b []byte) (any, decoded, error) {
	if !bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte(`{"schema"`)) {
		v, err := decodeNumbers(b)
		if err != nil {
			return nil, decoded{}, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, decoded{}, fmt.Errorf("%w: JSON %T, not an object", ErrBadEnvelope, v)
		}
		if schema, ok := m["schema"].(map[string]any); ok && len(m) == 2 && m["payload"] != nil {
			return m["payload"], connectInfo(schema), nil // an envelope written by another tool
		}
		return m, decoded{}, nil // schemas.enable=false: the object is the payload
	}
	schema, payload, ok := splitEnvelope(b)
	if !ok {
		var top struct {
			Schema  json.RawMessage `json:"schema"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(b, &top); err != nil {
			return nil, decoded{}, fmt.Errorf("%w: bad JSON: %v", ErrBadEnvelope, err)
		}
		schema, payload = top.Schema, top.Payload
	}
	info, err := d.connectSchema(schema)
	if err != nil {
		return nil, decoded{}, err
	}
	v, err := decodeNumbers(payload)
	return v, info, err
}

// splitEnvelope cuts the converter's `{"schema":{...},"payload":...}` into
// its two parts without parsing the schema, which is most of the bytes and
// the same in every event of a table (it is parsed once, by connectSchema).
// It reports false for any other layout; the payload is validated when it
// is decoded, the schema when it is first parsed.
func splitEnvelope(b []byte) (schema, payload []byte, ok bool) {
	const head, mid = `{"schema":`, `,"payload":`
	if !bytes.HasPrefix(b, []byte(head)) {
		return nil, nil, false
	}
	end := objectEnd(b, len(head))
	if end < 0 || !bytes.HasPrefix(b[end:], []byte(mid)) {
		return nil, nil, false
	}
	rest := bytes.TrimRight(b[end+len(mid):], " \t\r\n")
	if len(rest) < 2 || rest[len(rest)-1] != '}' {
		return nil, nil, false
	}
	return b[len(head):end], rest[:len(rest)-1], true
}

// objectEnd returns the index just past the JSON object starting at b[i],
// or -1: it matches braces outside strings, honouring escapes.
func objectEnd(b []byte, i int) int {
	if i >= len(b) || b[i] != '{' {
		return -1
	}
	depth, inString := 0, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

func decodeNumbers(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: bad JSON: %v", ErrBadEnvelope, err)
	}
	if len(bytes.TrimSpace(raw[dec.InputOffset():])) > 0 {
		return nil, fmt.Errorf("%w: trailing data after the JSON value", ErrBadEnvelope)
	}
	return v, nil
}

// maxCachedSchemas bounds the Connect schema cache; it is emptied when full.
const maxCachedSchemas = 1024

func (d *Decoder) connectSchema(raw []byte) (decoded, error) {
	d.mu.RLock()
	info, ok := d.connect[string(raw)]
	d.mu.RUnlock()
	if ok {
		return info, nil
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		return decoded{}, fmt.Errorf("%w: bad schema: %v", ErrBadEnvelope, err)
	}
	info = connectInfo(schema)
	d.mu.Lock()
	if len(d.connect) >= maxCachedSchemas {
		d.connect = map[string]decoded{}
	}
	d.connect[string(raw)] = info
	d.mu.Unlock()
	return info, nil
}

// connectInfo reads a Kafka Connect JSON schema of a struct.
func connectInfo(schema map[string]any) decoded {
	out := decoded{top: structInfo{}, nested: map[string]structInfo{}}
	fields, _ := schema["fields"].([]any)
	for _, f := range fields {
		fm, _ := f.(map[string]any)
		name, _ := fm["field"].(string)
		out.top[name] = connectField(fm)
		if fm["type"] == "struct" {
			out.nested[name] = connectInfo(fm).top
		}
	}
	return out
}

func connectField(f map[string]any) fieldInfo {
	fi := fieldInfo{}
	fi.schema, _ = f["type"].(string)
	fi.semantic, _ = f["name"].(string)
	if params, ok := f["parameters"].(map[string]any); ok {
		if s, ok := params["scale"].(string); ok {
			if n, err := strconv.Atoi(s); err == nil {
				fi.scale, fi.hasScale = n, true
			}
		}
	}
	return fi
}
