package cdc

import (
	"encoding/json"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDebeziumTemporalTypesConvertToUTCInstants(t *testing.T) {
	want := time.Date(2030, 1, 7, 8, 30, 15, 123456789, time.UTC)
	day := time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC)
	num := func(n int64) json.Number { return json.Number(big.NewInt(n).String()) }
	for _, tc := range []struct {
		name string
		v    Value
		enc  string
		want time.Time
	}{
		{"io.debezium.time.Date (days)", Value{V: num(day.Unix() / 86400), Semantic: debeziumDate}, "", day},
		{"org.apache.kafka.connect.data.Date (days)", Value{V: int32(day.Unix() / 86400), Semantic: connectDate}, "", day},
		{"io.debezium.time.Timestamp (ms)", Value{V: num(want.UnixMilli()), Semantic: debeziumTimestamp}, "", want.Truncate(time.Millisecond)},
		{"org.apache.kafka.connect.data.Timestamp (ms)", Value{V: want.UnixMilli(), Semantic: connectTimestamp}, "", want.Truncate(time.Millisecond)},
		{"io.debezium.time.MicroTimestamp (µs)", Value{V: num(want.UnixMicro()), Semantic: debeziumMicros}, "", want.Truncate(time.Microsecond)},
		{"io.debezium.time.NanoTimestamp (ns)", Value{V: num(want.UnixNano()), Semantic: debeziumNanos}, "", want},
		{"io.debezium.time.ZonedTimestamp (ISO)", Value{V: "2030-01-07T09:30:15.123456789+01:00", Semantic: debeziumZoned}, "", want},
		{"schema wins over the encoding", Value{V: num(want.UnixMilli()), Semantic: debeziumTimestamp}, EncodingNanos, want.Truncate(time.Millisecond)},
		{"no schema: micros", Value{V: num(want.UnixMicro())}, EncodingMicros, want.Truncate(time.Microsecond)},
		{"no schema: nanos", Value{V: num(want.UnixNano())}, EncodingNanos, want},
		{"no schema: days", Value{V: num(day.Unix() / 86400)}, EncodingDays, day},
		{"no schema: ISO string", Value{V: "2030-01-07T08:30:15.123456789Z"}, EncodingMicros, want},
		{"Avro timestamp-millis", Value{V: want.In(time.FixedZone("x", 3600))}, "", want},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Column{Type: TypeTimestamp, Encoding: tc.enc}.convert(tc.v)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := Column{Type: TypeTimestamp}.convert(Value{V: json.Number("1893916800000")})
	assert.ErrorIs(t, err, ErrBadValue, "a schema-less number without an encoding is ambiguous")
	_, err = Column{Type: TypeTimestamp}.convert(Value{V: "yesterday"})
	assert.ErrorIs(t, err, ErrBadValue)
}

func TestConnectDecimalsConvertExactly(t *testing.T) {
	two := 2
	for _, tc := range []struct {
		name string
		col  Column
		v    Value
		want any
	}{
		{"bytes base64 with the schema's scale", Column{Type: TypeMinor}, Value{V: "AYaf", Schema: "bytes", Semantic: decimalName, Scale: 2, HasScale: true}, int64(99999)},
		{"negative two's complement", Column{Type: TypeMinor}, Value{V: "/g==", Schema: "bytes", Semantic: decimalName, Scale: 2, HasScale: true}, int64(-2)},
		{"no schema: base64 with the column's scale", Column{Type: TypeMinor, Scale: 2}, Value{V: "AYaf"}, int64(99999)},
		{"no schema: decimal string", Column{Type: TypeMinor, Encoding: EncodingString}, Value{V: "999.99"}, int64(99999)},
		{"decimal.handling.mode=string with a schema", Column{Type: TypeMinor}, Value{V: "12.5", Schema: "string"}, int64(1250)},
		{"decimal.handling.mode=double", Column{Type: TypeMinor}, Value{V: json.Number("12.5")}, int64(1250)},
		{"Avro bytes", Column{Type: TypeMinor}, Value{V: []byte{0x01, 0x86, 0x9f}, Semantic: decimalName, Scale: 2, HasScale: true}, int64(99999)},
		{"Avro logical decimal", Column{Type: TypeMinor}, Value{V: big.NewRat(99999, 100)}, int64(99999)},
		{"variable scale decimal", Column{Type: TypeMinor}, Value{V: map[string]any{"scale": json.Number("3"), "value": "JxA="}}, int64(1000)},
		{"minor digits 0", Column{Type: TypeMinor, Digits: new(int)}, Value{V: "12", Schema: "string"}, int64(12)},
		{"numeric(6,2) to a double", Column{Type: TypeDecimal, Scale: two}, Value{V: "CfY="}, 25.5},
		{"double column from a Decimal", Column{Type: TypeDouble}, Value{V: "CfY=", Semantic: decimalName, Scale: 2, HasScale: true}, 25.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.col.convert(tc.v)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	for name, v := range map[string]Value{
		"not base64":              {V: "12.5!", Semantic: decimalName, Scale: 2, HasScale: true},
		"a fraction of a penny":   {V: "12.345", Schema: "string"},
		"empty bytes":             {V: "", Semantic: decimalName},
		"not a decimal string":    {V: "twelve", Schema: "string"},
		"a boolean is no decimal": {V: true},
	} {
		_, err := Column{Type: TypeMinor}.convert(v)
		assert.ErrorIs(t, err, ErrBadValue, name)
	}
}

func TestScalarColumnsConvert(t *testing.T) {
	for _, tc := range []struct {
		col  string
		v    any
		want any
	}{
		{TypeString, "x", "x"},
		{TypeString, json.Number("42"), "42"},
		{TypeInt, json.Number("90"), int64(90)},
		{TypeInt, int32(90), int64(90)},
		{TypeDouble, json.Number("51.5072"), 51.5072},
		{TypeDouble, float32(0.5), 0.5},
		{TypeBoolean, true, true},
		{TypeBoolean, json.Number("0"), false},
		{TypeBoolean, "true", true},
		{TypeList, " plumber ,, heating,", []string{"plumber", "heating"}},
		{TypeList, []any{"a", "b"}, []string{"a", "b"}},
		{TypeList, "", []string{}},
		{TypeString, nil, nil},
	} {
		got, err := Column{Type: tc.col}.convert(Value{V: tc.v})
		require.NoError(t, err, "%s %v", tc.col, tc.v)
		assert.Equal(t, tc.want, got, "%s %v", tc.col, tc.v)
	}
	for col, v := range map[string]any{TypeInt: "ninety", TypeBoolean: json.Number("2"), TypeDouble: "north", TypeList: true} {
		_, err := Column{Type: col}.convert(Value{V: v})
		assert.ErrorIs(t, err, ErrBadValue, "%s %v", col, v)
	}
}
