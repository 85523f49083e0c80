package cdc

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kafka Connect and Debezium semantic type names.
const (
	decimalName       = "org.apache.kafka.connect.data.Decimal"
	connectTimestamp  = "org.apache.kafka.connect.data.Timestamp"
	connectDate       = "org.apache.kafka.connect.data.Date"
	debeziumDate      = "io.debezium.time.Date"
	debeziumTimestamp = "io.debezium.time.Timestamp"
	debeziumMicros    = "io.debezium.time.MicroTimestamp"
	debeziumNanos     = "io.debezium.time.NanoTimestamp"
	debeziumZoned     = "io.debezium.time.ZonedTimestamp"
)

// Column types of the mapping: what a column converts to.
const (
	TypeString    = "string"      // text
	TypeInt       = "int"         // integer
	TypeDouble    = "double"      // floating point
	TypeBoolean   = "boolean"     // true/false
	TypeTimestamp = "timestamp"   // an instant, UTC
	TypeDecimal   = "decimal"     // a decimal read exactly, stored as a double
	TypeMinor     = "minor_units" // a decimal amount in integer minor units
	TypeList      = "list"        // comma-separated text (or an array) to a list of strings
)

// Encodings of numbers and strings in records without a schema, where the
// value alone does not say what it is.
const (
	EncodingMillis = "millis" // timestamp: ms since the epoch (io.debezium.time.Timestamp)
	EncodingMicros = "micros" // timestamp: µs (io.debezium.time.MicroTimestamp)
	EncodingNanos  = "nanos"  // timestamp: ns (io.debezium.time.NanoTimestamp)
	EncodingDays   = "days"   // timestamp: days since the epoch (io.debezium.time.Date)
	EncodingBytes  = "bytes"  // decimal text is the base64 of Connect Decimal bytes (default)
	EncodingString = "string" // decimal text is a decimal number (decimal.handling.mode=string)
)

// Column says how one source column converts.
type Column struct {
	Type string `yaml:"type"`
	// Scale is the column's decimal scale, used when the record carries
	// no schema: numeric(6,2) has scale 2.
	Scale int `yaml:"scale"`
	// Encoding tells numbers from a schema-less record what they are (see
	// the Encoding constants).
	Encoding string `yaml:"encoding"`
	// Digits is the number of minor-unit digits of minor_units columns.
	// Default: 2 (pence, cents).
	Digits *int `yaml:"digits"`
}

// convert turns a column value into its mapped Go value: string, int64,
// float64, bool, time.Time or []string; nil for SQL NULL.
func (c Column) convert(v Value) (any, error) {
	if v.V == nil {
		return nil, nil
	}
	switch c.Type {
	case TypeString:
		return toString(v)
	case TypeInt:
		if n, ok := integer(v.V); ok {
			return n, nil
		}
	case TypeDouble:
		return toDouble(v, c)
	case TypeBoolean:
		return toBool(v)
	case TypeTimestamp:
		return toTime(v, c.Encoding)
	case TypeDecimal:
		r, err := toRat(v, c)
		if err != nil {
			return nil, err
		}
		f, _ := r.Float64()
		return f, nil
	case TypeMinor:
		return toMinor(v, c)
	case TypeList:
		return toList(v)
	}
	return nil, fmt.Errorf("%w: %v is not a %s", ErrBadValue, v.V, c.Type)
}

func toString(v Value) (any, error) {
	switch x := v.V.(type) {
	case string:
		return x, nil
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	case map[string]any, []any, []byte:
		return nil, fmt.Errorf("%w: %T is not text", ErrBadValue, v.V)
	}
	return text(v.V), nil
}

// toDouble reads a floating-point column; a decimal (Connect Decimal,
// VariableScaleDecimal, JSON number) is read exactly, then rounded once.
func toDouble(v Value, c Column) (any, error) {
	switch x := v.V.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case string:
		if v.Semantic != decimalName {
			f, err := strconv.ParseFloat(x, 64)
			if err != nil {
				return nil, fmt.Errorf("%w: %q is not a number", ErrBadValue, x)
			}
			return f, nil
		}
	}
	r, err := toRat(v, c)
	if err != nil {
		return nil, err
	}
	f, _ := r.Float64()
	return f, nil
}

func toBool(v Value) (any, error) {
	switch x := v.V.(type) {
	case bool:
		return x, nil
	case string:
		if b, err := strconv.ParseBool(x); err == nil {
			return b, nil
		}
	default:
		if n, ok := integer(x); ok && (n == 0 || n == 1) {
			return n == 1, nil
		}
	}
	return nil, fmt.Errorf("%w: %v is not a boolean", ErrBadValue, v.V)
}

// toTime reads Debezium's temporal types. The record's schema decides when
// it has one; otherwise a string is ISO 8601 (ZonedTimestamp) and a number
// is read in the column's encoding.
func toTime(v Value, encoding string) (any, error) {
	if t, ok := v.V.(time.Time); ok { // Avro logical types
		return t.UTC(), nil
	}
	if s, ok := v.V.(string); ok {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, fmt.Errorf("%w: timestamp %q: %v", ErrBadValue, s, err)
		}
		return t.UTC(), nil
	}
	unit := encoding
	switch v.Semantic {
	case debeziumDate, connectDate:
		unit = EncodingDays
	case debeziumTimestamp, connectTimestamp:
		unit = EncodingMillis
	case debeziumMicros:
		unit = EncodingMicros
	case debeziumNanos:
		unit = EncodingNanos
	}
	n, ok := integer(v.V)
	if !ok {
		return nil, fmt.Errorf("%w: timestamp %v", ErrBadValue, v.V)
	}
	switch unit {
	case EncodingDays:
		return time.Unix(n*86400, 0).UTC(), nil
	case EncodingMillis:
		return time.UnixMilli(n).UTC(), nil
	case EncodingMicros:
		return time.UnixMicro(n).UTC(), nil
	case EncodingNanos:
		return time.Unix(0, n).UTC(), nil
	}
	return nil, fmt.Errorf("%w: timestamp %d without a schema needs an encoding (millis, micros, nanos, days)", ErrBadValue, n)
}

// toList splits comma-separated text (or takes an array, e.g. text[]) into
// trimmed, non-empty strings.
func toList(v Value) (any, error) {
	out := []string{}
	switch x := v.V.(type) {
	case string:
		for _, s := range strings.Split(x, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	case []any:
		for _, s := range x {
			if t := strings.TrimSpace(text(s)); t != "" {
				out = append(out, t)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %T is not a list", ErrBadValue, v.V)
}

// canonical is a converted value's text in a row image.
func canonical(v any) string {
	switch x := v.(type) {
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []string:
		return strings.Join(x, ",")
	}
	return text(v)
}
