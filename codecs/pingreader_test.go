package codecs

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"
)

func newTrackingInputCodec(t testing.TB) *Avro[TrackingInput] {
	t.Helper()
	return newSchemaCodec[TrackingInput](t, "tracking_input", "tradestream.tracking-inputs-value")
}

// compiled reads data with the codec's compiled reader, as it did before
// readPing: the reference readPing must agree with.
func compiled(t testing.TB, c *Avro[TrackingInput], data []byte) (*TrackingInput, error) {
	t.Helper()
	w, body, err := c.writerOf(data)
	if err != nil {
		return nil, err
	}
	var out TrackingInput
	r := reader{b: body}
	if err := w.read(&r, unsafe.Pointer(&out)); err != nil {
		return nil, err
	}
	if r.left() != 0 {
		return nil, ErrCorrupt
	}
	return &out, nil
}

// TestThePingReaderReadsWhatTheCompiledReaderReads: over random pings (ids
// empty, long, not ASCII; times zero, negative, far; with and without a
// speed), the codec reads each ping through readPing, and reads the value
// the compiled reader reads.
func TestThePingReaderReadsWhatTheCompiledReaderReads(t *testing.T) {
	c := newTrackingInputCodec(t)
	rng := rand.New(rand.NewPCG(11, 30))
	pick := func(opts ...string) string { return opts[rng.IntN(len(opts))] }
	times := []time.Time{{}, time.UnixMilli(-1).UTC(), time.UnixMilli(1).UTC(), time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC),
		time.UnixMilli(math.MaxInt64 / 4).UTC()}
	for i := range 2000 {
		p := &LocationPing{TenantID: pick("", "acme", "t-"+strconv.Itoa(i), "Łódź €", strings.Repeat("x", 300)),
			TradespersonID: pick("", "tp1", "tp-"+strconv.Itoa(i), "é", strings.Repeat("y", 70)),
			Lat:            rng.NormFloat64() * 90, Lon: rng.NormFloat64() * 180, At: times[rng.IntN(len(times))]}
		if rng.IntN(2) == 0 {
			p.At = time.UnixMilli(rng.Int64N(1<<42) - 1<<40).UTC()
		}
		if rng.IntN(3) == 0 {
			s := rng.Float64() * 120
			p.SpeedKmh = &s
		}
		data, err := c.Marshal(&TrackingInput{Ping: p})
		require.NoError(t, err)
		_, body, err := ParseHeader(data)
		require.NoError(t, err)
		fast, ok := readPing(body)
		require.True(t, ok, "ping %d was not read by readPing", i)
		want, err := compiled(t, c, data)
		require.NoError(t, err)
		require.Equal(t, want, fast, "ping %d", i)
		got, err := c.Unmarshal(data)
		require.NoError(t, err)
		require.Equal(t, want, got, "ping %d", i)
	}
	w, err := c.writer(int(c.id.Load()))
	require.NoError(t, err)
	require.True(t, w.own, "the codec's own schema is not recognised as its own")
}

// TestThePingReaderLeavesEverythingElseToTheCompiledReader: a command, an
// input with both or neither set, and truncated or padded bytes are not
// read by readPing, and the codec reads or refuses them as the compiled
// reader does.
func TestThePingReaderLeavesEverythingElseToTheCompiledReader(t *testing.T) {
	c := newTrackingInputCodec(t)
	ping := &LocationPing{TenantID: "acme", TradespersonID: "tp1", Lat: 51.5, Lon: -0.1, At: time.UnixMilli(1_700_000_000_000).UTC()}
	cmd := &TrackingCommand{CommandID: "c1", TenantID: "acme", TradespersonID: "tp1", Kind: KindTrackJob, JobID: "j1",
		Location: GeoPoint{Lat: 51, Lon: 0}, At: time.UnixMilli(1_700_000_000_000).UTC()}
	var inputs [][]byte
	for _, in := range []*TrackingInput{{Command: cmd}, {Ping: ping, Command: cmd}, {}} {
		data, err := c.Marshal(in)
		require.NoError(t, err)
		inputs = append(inputs, data)
	}
	good, err := c.Marshal(&TrackingInput{Ping: ping})
	require.NoError(t, err)
	for n := 5; n < len(good); n++ {
		inputs = append(inputs, good[:n]) // truncated
	}
	inputs = append(inputs, append(append([]byte(nil), good...), 0)) // a trailing byte
	bad := append([]byte(nil), good...)
	bad[5] = 4 // the ping's branch: zig-zag 2, no such branch
	inputs = append(inputs, bad)
	for i, data := range inputs {
		_, body, err := ParseHeader(data)
		require.NoError(t, err)
		_, ok := readPing(body)
		require.False(t, ok, "input %d was read by readPing", i)
		want, wantErr := compiled(t, c, data)
		got, err := c.Unmarshal(data)
		require.Equal(t, wantErr != nil, err != nil, "input %d: compiled error %v, codec error %v", i, wantErr, err)
		if err == nil {
			require.Equal(t, want, got, "input %d", i)
		}
	}
}

// TestAnotherWriterSchemaIsReadByTheCompiledReader: records written with
// an older schema (a ping without speed_kmh) are not the codec's own, and
// readPing, which would misread them, is not used.
func TestAnotherWriterSchemaIsReadByTheCompiledReader(t *testing.T) {
	reg := NewMemoryRegistry()
	text, err := SchemaText("tracking_input")
	require.NoError(t, err)
	var schema map[string]any // the ping's record without its last field, speed_kmh
	require.NoError(t, json.Unmarshal([]byte(text), &schema))
	pingRecord := schema["fields"].([]any)[0].(map[string]any)["type"].([]any)[1].(map[string]any)
	fields := pingRecord["fields"].([]any)
	require.Equal(t, "speed_kmh", fields[len(fields)-1].(map[string]any)["name"], "the ping's last field is no longer speed_kmh")
	pingRecord["fields"] = fields[:len(fields)-1]
	olderJSON, err := json.Marshal(schema)
	require.NoError(t, err)
	older := string(olderJSON)
	require.NotEqual(t, text, older, "the edit no longer applies")
	// the older writer: the same Go type, its speed not in the schema
	w, err := NewAvro[TrackingInput](reg, "tradestream.tracking-inputs-value", older)
	require.NoError(t, err)
	at := time.UnixMilli(1_700_000_000_000).UTC()
	speed := 30.0 // not written
	data, err := w.Marshal(&TrackingInput{Ping: &LocationPing{TenantID: "acme", TradespersonID: "tp1", Lat: 1, Lon: 2, At: at, SpeedKmh: &speed}})
	require.NoError(t, err)
	c, err := NewAvro[TrackingInput](reg, "tradestream.tracking-inputs-value", text)
	require.NoError(t, err)
	got, err := c.Unmarshal(data)
	require.NoError(t, err)
	require.Equal(t, &TrackingInput{Ping: &LocationPing{TenantID: "acme", TradespersonID: "tp1", Lat: 1, Lon: 2, At: at}}, got)
	id, _, err := ParseHeader(data)
	require.NoError(t, err)
	ws, err := c.writer(id)
	require.NoError(t, err)
	require.False(t, ws.own, "an older schema taken for the codec's own")
}

// FuzzPingReaderMatchesTheCompiledReader: on any body, readPing either
// declines it or reads the value the compiled reader reads, bit for bit.
func FuzzPingReaderMatchesTheCompiledReader(f *testing.F) {
	c := newTrackingInputCodec(f)
	good, err := c.Marshal(&TrackingInput{Ping: &LocationPing{TenantID: "acme", TradespersonID: "tp1", Lat: 1, Lon: 2,
		At: time.UnixMilli(1_700_000_000_000).UTC()}})
	require.NoError(f, err)
	f.Add(good[5:])
	speed := 42.0
	withSpeed, err := c.Marshal(&TrackingInput{Ping: &LocationPing{TenantID: "a", SpeedKmh: &speed}})
	require.NoError(f, err)
	f.Add(withSpeed[5:])
	header := good[:5]
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, ok := readPing(body)
		if !ok {
			return
		}
		want, err := compiled(t, c, append(append([]byte(nil), header...), body...))
		require.NoError(t, err, "readPing read a body the compiled reader refuses")
		// Compared as written back: a NaN read alike by both is not Equal
		// to itself (testdata/fuzz holds such a body).
		wantBytes, err := c.Marshal(want)
		require.NoError(t, err)
		fastBytes, err := c.Marshal(fast)
		require.NoError(t, err)
		require.Equal(t, wantBytes, fastBytes)
	})
}
