package codecs

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// schemaTypes is the Go type of every schema in schemas/, as the catalog
// (topology/catalog.go) pairs them.
var schemaTypes = map[string]reflect.Type{
	"calendar":         reflect.TypeFor[Calendar](),
	"calendar_request": reflect.TypeFor[CalendarRequest](),
	"cdc_audit":        reflect.TypeFor[CDCAudit](),
	"cdc_state":        reflect.TypeFor[CDCState](),
	"command":          reflect.TypeFor[Command](),
	"conversation":     reflect.TypeFor[Conversation](),
	"dead_letter":      reflect.TypeFor[DeadLetter](),
	"dependency_graph": reflect.TypeFor[DependencyGraph](),
	"ingest_state":     reflect.TypeFor[IngestState](),
	"insight_input":    reflect.TypeFor[InsightInput](),
	"insights_day":     reflect.TypeFor[InsightsDay](),
	"insights_state":   reflect.TypeFor[InsightsState](),
	"job":              reflect.TypeFor[Job](),
	"job_event":        reflect.TypeFor[JobEvent](),
	"late_record":      reflect.TypeFor[LateRecord](),
	"ledger_entry":     reflect.TypeFor[LedgerEntry](),
	"match_cell":       reflect.TypeFor[MatchCell](),
	"match_event":      reflect.TypeFor[MatchEvent](),
	"notification":     reflect.TypeFor[Notification](),
	"notifications":    reflect.TypeFor[Notifications](),
	"payment":          reflect.TypeFor[Payment](),
	"promo":            reflect.TypeFor[Promo](),
	"rejection":        reflect.TypeFor[Rejection](),
	"tenant_pricing":   reflect.TypeFor[TenantPricing](),
	"tracking_input":   reflect.TypeFor[TrackingInput](),
	"tracking_state":   reflect.TypeFor[TrackingState](),
	"tradesperson":     reflect.TypeFor[Tradesperson](),
}

// pathCodec is one codec seen through both of its paths, untyped.
type pathCodec struct {
	binEncode, oldEncode func(v any) ([]byte, error)
	binDecode, oldDecode func(b []byte) (any, error)
}

func newPathCodec[T any](t testing.TB, reg Registry, subject, schema string) pathCodec {
	c, err := NewAvro[T](reg, subject, schema)
	require.NoError(t, err, subject)
	return pathCodec{
		binEncode: func(v any) ([]byte, error) { return c.Marshal(v.(*T)) },
		oldEncode: func(v any) ([]byte, error) { return c.marshalGoavro(v.(*T)) },
		binDecode: func(b []byte) (any, error) { return c.Unmarshal(b) },
		oldDecode: func(b []byte) (any, error) { return c.unmarshalGoavro(b) },
	}
}

// codecFor builds the codec of a schema whose Go type is only known at run
// time: the generic constructor needs the type statically, so list them.
func codecFor(t testing.TB, reg Registry, name string) pathCodec {
	text, err := SchemaText(name)
	require.NoError(t, err)
	s := "compat." + name + "-value"
	ctors := map[string]func() pathCodec{
		"calendar":         func() pathCodec { return newPathCodec[Calendar](t, reg, s, text) },
		"calendar_request": func() pathCodec { return newPathCodec[CalendarRequest](t, reg, s, text) },
		"cdc_audit":        func() pathCodec { return newPathCodec[CDCAudit](t, reg, s, text) },
		"cdc_state":        func() pathCodec { return newPathCodec[CDCState](t, reg, s, text) },
		"command":          func() pathCodec { return newPathCodec[Command](t, reg, s, text) },
		"conversation":     func() pathCodec { return newPathCodec[Conversation](t, reg, s, text) },
		"dead_letter":      func() pathCodec { return newPathCodec[DeadLetter](t, reg, s, text) },
		"dependency_graph": func() pathCodec { return newPathCodec[DependencyGraph](t, reg, s, text) },
		"ingest_state":     func() pathCodec { return newPathCodec[IngestState](t, reg, s, text) },
		"insight_input":    func() pathCodec { return newPathCodec[InsightInput](t, reg, s, text) },
		"insights_day":     func() pathCodec { return newPathCodec[InsightsDay](t, reg, s, text) },
		"insights_state":   func() pathCodec { return newPathCodec[InsightsState](t, reg, s, text) },
		"job":              func() pathCodec { return newPathCodec[Job](t, reg, s, text) },
		"job_event":        func() pathCodec { return newPathCodec[JobEvent](t, reg, s, text) },
		"late_record":      func() pathCodec { return newPathCodec[LateRecord](t, reg, s, text) },
		"ledger_entry":     func() pathCodec { return newPathCodec[LedgerEntry](t, reg, s, text) },
		"match_cell":       func() pathCodec { return newPathCodec[MatchCell](t, reg, s, text) },
		"match_event":      func() pathCodec { return newPathCodec[MatchEvent](t, reg, s, text) },
		"notification":     func() pathCodec { return newPathCodec[Notification](t, reg, s, text) },
		"notifications":    func() pathCodec { return newPathCodec[Notifications](t, reg, s, text) },
		"payment":          func() pathCodec { return newPathCodec[Payment](t, reg, s, text) },
		"promo":            func() pathCodec { return newPathCodec[Promo](t, reg, s, text) },
		"rejection":        func() pathCodec { return newPathCodec[Rejection](t, reg, s, text) },
		"tenant_pricing":   func() pathCodec { return newPathCodec[TenantPricing](t, reg, s, text) },
		"tracking_input":   func() pathCodec { return newPathCodec[TrackingInput](t, reg, s, text) },
		"tracking_state":   func() pathCodec { return newPathCodec[TrackingState](t, reg, s, text) },
		"tradesperson":     func() pathCodec { return newPathCodec[Tradesperson](t, reg, s, text) },
	}
	ctor, ok := ctors[name]
	require.True(t, ok, "schema %s has no Go type in codecFor and schemaTypes: add it", name)
	return ctor()
}

// fill sets v to a random value: zero and non-zero times (UTC, whole
// milliseconds, before and after 1970), nil, empty and filled slices, nil
// and set pointers, empty and non-empty strings, extreme numbers.
func fill(rng *rand.Rand, v reflect.Value) {
	if v.Type() == timeType {
		switch rng.IntN(4) {
		case 0:
			v.Set(reflect.ValueOf(time.Time{}))
		case 1:
			v.Set(reflect.ValueOf(time.UnixMilli(-rng.Int64N(1e12)).UTC()))
		default:
			v.Set(reflect.ValueOf(time.UnixMilli(rng.Int64N(4e12)).UTC()))
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(rng, v.Field(i))
			}
		}
	case reflect.Pointer:
		if rng.IntN(2) == 0 {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(rng, p.Elem())
		v.Set(p)
	case reflect.Slice:
		switch rng.IntN(3) {
		case 0:
			v.Set(reflect.Zero(v.Type()))
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, rng.IntN(2)))
		default:
			s := reflect.MakeSlice(v.Type(), 1+rng.IntN(3), 3)
			for i := range s.Len() {
				fill(rng, s.Index(i))
			}
			v.Set(s)
		}
	case reflect.Map:
		if rng.IntN(2) == 0 {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		m := reflect.MakeMap(v.Type())
		e := reflect.New(v.Type().Elem()).Elem()
		fill(rng, e)
		m.SetMapIndex(reflect.ValueOf("k").Convert(v.Type().Key()), e) // one entry: goavro's order is random
		v.Set(m)
	case reflect.String:
		v.SetString([]string{"", "a", "tp-42", "Łódź €", string(make([]byte, 200))}[rng.IntN(5)])
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 1)
	case reflect.Int, reflect.Int64:
		v.SetInt([]int64{0, 1, -1, 63, 64, -65, 1 << 40, math.MaxInt64, math.MinInt64}[rng.IntN(9)])
	case reflect.Int32:
		v.SetInt([]int64{0, 1, -1, 300, math.MaxInt32, math.MinInt32}[rng.IntN(6)])
	case reflect.Float64, reflect.Float32:
		v.SetFloat([]float64{0, 1.5, -0.12, 51.5074, math.MaxFloat32, math.Inf(1)}[rng.IntN(6)])
	case reflect.Uint8:
		v.SetUint(uint64(rng.IntN(256)))
	}
}

// TestBinaryCodecMatchesGoavro: for every schema, records written by the
// goavro path decode with the binary codec to the same value the goavro path
// decodes them to, and the binary codec writes the very same bytes, so
// records it writes decode with the goavro path (what instances of earlier
// versions run) as well.
func TestBinaryCodecMatchesGoavro(t *testing.T) {
	reg := NewMemoryRegistry()
	for _, name := range SchemaNames() {
		typ, ok := schemaTypes[name]
		require.True(t, ok, "schema %s has no Go type in schemaTypes: add it", name)
		c := codecFor(t, reg, name)
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(len(name))))
			for i := range 300 {
				v := reflect.New(typ)
				if i > 0 { // the first is the zero value
					fill(rng, v.Elem())
				}
				old, err := c.oldEncode(v.Interface())
				require.NoError(t, err)
				bin, err := c.binEncode(v.Interface())
				require.NoError(t, err)
				require.True(t, bytes.Equal(old, bin), "value %d: bytes differ\ngoavro %x\nbinary %x", i, old, bin)

				want, err := c.oldDecode(old)
				require.NoError(t, err)
				got, err := c.binDecode(old)
				require.NoError(t, err)
				require.Equal(t, want, got, "value %d: goavro's record decodes differently", i)
				back, err := c.oldDecode(bin)
				require.NoError(t, err)
				require.Equal(t, got, back, "value %d: the binary record decodes differently with goavro", i)
			}
		})
	}
}

// TestBinaryCodecKeepsZeroTimesAndEmptySlices pins the two behaviours that
// differ from other Avro libraries: a zero time is written as 0 and read
// back as the zero time, and a nil slice reads back as an empty one.
func TestBinaryCodecKeepsZeroTimesAndEmptySlices(t *testing.T) {
	text, err := SchemaText("tracking_state")
	require.NoError(t, err)
	c, err := NewAvro[TrackingState](NewMemoryRegistry(), "s-value", text)
	require.NoError(t, err)
	in := TrackingState{Last: &Fix{Lat: 1}, Outbox: []TrackingEffect{{Kind: KindArrived, JobID: "j"}}}
	b, err := c.Marshal(&in)
	require.NoError(t, err)
	var want []byte
	for _, part := range [][]byte{
		{0, 0, 0, 0, 1},                   // header, schema id 1
		{0},                               // active: null
		{2, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f}, // last: branch 1, lat 1.0
		make([]byte, 8),                   // lon 0.0
		{0},                               // at: the zero time as 0
		make([]byte, 8),                   // speed_kmh 0.0
		{0, 0},                            // samples 0, finished: empty
		{2, 0},                            // outbox: 1 item; ping_at: 0
		{14, 'a', 'r', 'r', 'i', 'v', 'e', 'd', 2, 'j'}, // kind, job_id
		{0, 0}, // eta: null; end of the outbox
	} {
		want = append(want, part...)
	}
	assert.Equal(t, want, b)
	out, err := c.Unmarshal(b)
	require.NoError(t, err)
	assert.True(t, out.Last.At.IsZero())
	assert.True(t, out.Outbox[0].PingAt.IsZero())
	assert.NotNil(t, out.Finished)
	assert.Empty(t, out.Finished)
}
