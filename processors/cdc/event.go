package cdc

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors of the cdc group. They are wrapped with context and become
// the reason of a dead letter; test them with errors.Is.
var (
	// ErrBadEnvelope means the record is not a Debezium change event in any
	// of the supported formats (bad JSON, missing op or source...).
	ErrBadEnvelope = errors.New("cdc: not a Debezium change event")
	// ErrUnknownTable means no mapping entry maps the event's source table.
	ErrUnknownTable = errors.New("cdc: table not mapped")
	// ErrMissingColumn means a column the mapping needs is not in the row.
	ErrMissingColumn = errors.New("cdc: missing column")
	// ErrBadValue means a column value cannot be converted (bad decimal,
	// bad timestamp, a fraction of a minor unit...).
	ErrBadValue = errors.New("cdc: bad column value")
	// ErrTruncate means a truncate event arrived: see the package doc.
	ErrTruncate = errors.New("cdc: truncate not mapped")
	// ErrUnsupportedOp means an op the group does not map (m, or unknown).
	ErrUnsupportedOp = errors.New("cdc: op not mapped")
	// ErrPosition means the event lacks the source position fields of its
	// connector, or the connector is not one the group knows.
	ErrPosition = errors.New("cdc: no source position")
)

// Debezium op codes.
const (
	OpCreate   = "c"
	OpRead     = "r"
	OpUpdate   = "u"
	OpDelete   = "d"
	OpTruncate = "t"
	OpMessage  = "m"
	// OpTombstone is the audit op of a tombstone that completed a delete.
	OpTombstone = "tombstone"
)

// Value is one column value of a change event row, with what the record's
// schema (if it had one) says about it.
type Value struct {
	// V is the value as decoded: nil, string, bool, json.Number (JSON),
	// int32, int64, float32, float64, []byte, *big.Rat, time.Time (Avro),
	// map[string]any or []any.
	V any
	// Schema is the Connect or Avro type of the column ("string",
	// "bytes", "int64"...); "" when the record carried no schema.
	Schema string
	// Semantic is the Connect/Debezium schema name, e.g.
	// "io.debezium.time.MicroTimestamp" or "org.apache.kafka.connect.data.Decimal".
	Semantic string
	// Scale is the Decimal scale parameter, when HasScale.
	Scale    int
	HasScale bool
}

// Row is a row image: column name to value. A nil Row is an absent image.
type Row map[string]Value

// Source is the source block of a change event: where the change happened
// and its position in the source database's log. Position fields are kept as
// text (Debezium writes some as numbers, some as strings).
type Source struct {
	Connector string
	Name      string
	DB        string
	Schema    string
	Table     string
	Snapshot  string
	TsMs      int64
	// PostgreSQL.
	LSN      string
	TxID     string
	Sequence string
	// SQL Server.
	CommitLSN     string
	ChangeLSN     string
	EventSerialNo string
}

// QualifiedTable is "<db>.<schema>.<table>".
func (s Source) QualifiedTable() string { return s.DB + "." + s.Schema + "." + s.Table }

// Event is a decoded Debezium change event.
type Event struct {
	Op     string
	Before Row
	After  Row
	Source Source
	// TsMs is when the connector processed the event.
	TsMs int64
}

// fieldInfo is what a schema says about one field of a struct.
type fieldInfo struct {
	schema, semantic string
	scale            int
	hasScale         bool
}

// structInfo describes the fields of a struct (a row image or a key).
type structInfo map[string]fieldInfo

// newEvent builds an Event from a decoded envelope payload and, when the
// record had a schema, what it says about the before and after rows.
func newEvent(payload map[string]any, before, after structInfo) (*Event, error) {
	op, _ := payload["op"].(string)
	if op == "" {
		return nil, fmt.Errorf("%w: no op", ErrBadEnvelope)
	}
	src, ok := payload["source"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: no source block", ErrBadEnvelope)
	}
	ev := &Event{Op: op, Source: newSource(src)}
	ev.TsMs, _ = integer(payload["ts_ms"])
	var err error
	if ev.Before, err = newRow(payload["before"], before); err != nil {
		return nil, fmt.Errorf("before: %w", err)
	}
	if ev.After, err = newRow(payload["after"], after); err != nil {
		return nil, fmt.Errorf("after: %w", err)
	}
	return ev, nil
}

func newRow(v any, info structInfo) (Row, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: row is a %T, not an object", ErrBadEnvelope, v)
	}
	row := make(Row, len(m))
	for k, x := range m {
		f := info[k]
		row[k] = Value{V: x, Schema: f.schema, Semantic: f.semantic, Scale: f.scale, HasScale: f.hasScale}
	}
	return row, nil
}

func newSource(m map[string]any) Source {
	s := Source{
		Connector: text(m["connector"]), Name: text(m["name"]), DB: text(m["db"]), Schema: text(m["schema"]),
		Table: text(m["table"]), Snapshot: text(m["snapshot"]),
		LSN: text(m["lsn"]), TxID: text(m["txId"]), Sequence: text(m["sequence"]),
		CommitLSN: text(m["commit_lsn"]), ChangeLSN: text(m["change_lsn"]), EventSerialNo: text(m["event_serial_no"]),
	}
	s.TsMs, _ = integer(m["ts_ms"])
	return s
}

// text renders a scalar as Debezium would print it; nil is "".
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// integer reads an integer from a JSON number, an Avro int or long, or a
// decimal string.
func integer(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int:
		return int64(x), true
	case float64:
		if x == float64(int64(x)) {
			return int64(x), true
		}
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}
