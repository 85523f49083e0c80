package codecs

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newJobCodec(t testing.TB, reg Registry) *Avro[Job] {
	t.Helper()
	text, err := SchemaText("job")
	require.NoError(t, err)
	c, err := NewAvro[Job](reg, "tradestream.jobs-value", text)
	require.NoError(t, err)
	return c
}

func sampleJob() Job {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	budget := int64(25000)
	project := "p-1"
	return Job{
		ID: "j-1", TenantID: "acme", CustomerID: "c-1", Trade: "plumber", Title: "Leaky tap",
		Status: StatusPosted, Mode: "bid", Location: GeoPoint{Lat: 51.5, Lon: -0.12},
		Window:          Window{EarliestStart: at, LatestEnd: at.Add(8 * time.Hour)},
		DurationMinutes: 90, ProjectID: &project, DependsOn: []string{"j-0"}, BudgetMinor: &budget,
		Currency: "GBP",
		Bids: []Bid{{ID: "b-1", TradespersonID: "tp-1", Status: "open",
			Lines: []QuoteLine{{Description: "labour", Kind: "labor", AmountMinor: 10000}},
			Quote: Quote{SubtotalMinor: 10000, TotalMinor: 12000, Currency: "GBP"}, SubmittedAt: at}},
		Appointment:   &Appointment{Start: at, End: at.Add(90 * time.Minute)},
		StatusHistory: []StatusChange{{Status: StatusPosted, At: at}},
		LastRejection: &Rejection{CommandID: "c9", TenantID: "acme", Code: "invalid_transition", Reason: "no", At: at},
		OfferedTo:     []string{"tp-1"}, CreatedAt: at, UpdatedAt: at, Seq: 42, Version: 3, Outbox: []string{"#42 0/track_open_job"}, Parked: [][]byte{{0, 1, 2}},
		CDCMarks:       []string{"legacy.marketplace.dbo.jobs sqlserver:0000002700000758000300000000000000000000:00000000000000000001/0000"},
		BookingAttempt: 2, BookingCause: "accept", CandidateIndex: 1, Refusals: []string{"tp-0: full"},
		Dependencies: []DependencyState{{JobID: "j-0", State: DependencyBooked, Start: at, End: at.Add(time.Hour), Version: 4}},
		Dependents:   []string{"j-2"}, Probing: true,
		Probes:       []ProbeAnswer{{TradespersonID: "tp-1", Start: at}, {TradespersonID: "tp-2", Reason: "full"}},
		BookingOrder: []string{"tp-1"}, PostedSeq: 40,
		MatchCandidates: []RankedCandidate{{TradespersonID: "tp-1", DistanceKm: 1.5, Seq: 7}}, MatchProbing: true, MatchProbed: 1,
		MatchAnswers: []ProbeAnswer{{TradespersonID: "tp-1", Start: at}}, MatchLists: []string{"match-j-1"}, MatchListSeq: 12,
	}
}

func TestAvroRoundTripKeepsEveryField(t *testing.T) {
	c := newJobCodec(t, NewMemoryRegistry())
	in := sampleJob()
	b, err := c.Encode(in)
	require.NoError(t, err)
	out, err := c.Decode(b)
	require.NoError(t, err)
	assert.Equal(t, &in, out)
}

func TestAvroWritesTheConfluentHeader(t *testing.T) {
	reg := NewMemoryRegistry()
	_, _ = reg.Register(t.Context(), "other", `"string"`) // take id 1
	c := newJobCodec(t, reg)
	b, err := c.Encode(sampleJob())
	require.NoError(t, err)
	assert.Equal(t, []byte{0x00, 0x00, 0x00, 0x00, 0x02}, b[:HeaderSize])
}

func TestAvroRejectsBadBytesWithDistinctErrors(t *testing.T) {
	c := newJobCodec(t, NewMemoryRegistry())
	good, err := c.Encode(sampleJob())
	require.NoError(t, err)
	cases := map[string]struct {
		data []byte
		want error
	}{
		"empty":         {nil, ErrTooShort},
		"four bytes":    {[]byte{0, 0, 0, 1}, ErrTooShort},
		"bad magic":     {append([]byte{1}, good[1:]...), ErrBadMagic},
		"unknown id":    {append([]byte{0, 0, 0, 0, 99}, good[5:]...), ErrUnknownSchema},
		"truncated":     {good[:len(good)/2], ErrCorrupt},
		"trailing byte": {append(append([]byte{}, good...), 7), ErrCorrupt},
		"garbage body":  {append(append([]byte{}, good[:5]...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), ErrCorrupt},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := c.Decode(tc.data)
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.want), "got %v", err)
		})
	}
}

func TestAvroEncodeRejectsWrongType(t *testing.T) {
	c := newJobCodec(t, NewMemoryRegistry())
	_, err := c.Encode("not a job")
	assert.ErrorIs(t, err, ErrType)
	_, err = c.Encode((*Job)(nil))
	assert.ErrorIs(t, err, ErrType)
}

type pointV1 struct {
	Name string `avro:"name"`
	X    int32  `avro:"x"`
}

type pointV2 struct {
	Name  string   `avro:"name"`
	X     int64    `avro:"x"`
	Label *string  `avro:"label"`
	Tags  []string `avro:"tags"`
}

const (
	pointV1Schema = `{"type":"record","name":"Point","fields":[{"name":"name","type":"string"},{"name":"x","type":"int"}]}`
	pointV2Schema = `{"type":"record","name":"Point","fields":[{"name":"name","type":"string"},{"name":"x","type":"long"},
		{"name":"label","type":["null","string"],"default":null},{"name":"tags","type":{"type":"array","items":"string"},"default":[]}]}`
)

func TestOldAndNewProducersInteroperate(t *testing.T) {
	reg := NewMemoryRegistry()
	v1, err := NewAvro[pointV1](reg, "points-value", pointV1Schema)
	require.NoError(t, err)
	v2, err := NewAvro[pointV2](reg, "points-value", pointV2Schema)
	require.NoError(t, err)

	old, err := v1.Encode(pointV1{Name: "a", X: 7})
	require.NoError(t, err)
	got, err := v2.Decode(old)
	require.NoError(t, err, "a v2 reader reads v1 data")
	assert.Equal(t, &pointV2{Name: "a", X: 7}, got)

	label := "l"
	newer, err := v2.Encode(pointV2{Name: "b", X: 8, Label: &label, Tags: []string{"t"}})
	require.NoError(t, err)
	back, err := v1.Decode(newer)
	require.NoError(t, err, "a v1 reader reads v2 data, skipping the new fields")
	assert.Equal(t, &pointV1{Name: "b", X: 8}, back)

	huge, err := v2.Encode(pointV2{Name: "c", X: 1 << 40})
	require.NoError(t, err)
	_, err = v1.Decode(huge)
	assert.ErrorIs(t, err, ErrSchemaMismatch, "a long that does not fit the reader's int is refused, not truncated")
}

func TestSchemaDefaultsAreZeroValues(t *testing.T) {
	zero := map[string]func(any) bool{
		"string":  func(d any) bool { return d == "" },
		"long":    func(d any) bool { return d == float64(0) },
		"int":     func(d any) bool { return d == float64(0) },
		"double":  func(d any) bool { return d == float64(0) },
		"boolean": func(d any) bool { return d == false },
		"union":   func(d any) bool { return d == nil },
		"array":   func(d any) bool { a, ok := d.([]any); return ok && len(a) == 0 },
	}
	var walk func(n *node, path string, seen map[*node]bool)
	walk = func(n *node, path string, seen map[*node]bool) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, f := range n.fields {
			if f.hasDefault {
				ok := zero[f.typ.kind]
				assert.True(t, ok != nil && ok(f.def), "%s.%s default %v is not the zero value", path, f.name, f.def)
			}
			walk(f.typ, path+"."+f.name, seen)
		}
		for _, b := range n.branches {
			walk(b, path, seen)
		}
		if n.items != nil {
			walk(n.items, path, seen)
		}
	}
	for _, name := range SchemaNames() {
		text, err := SchemaText(name)
		require.NoError(t, err)
		n, err := parseSchema(text)
		require.NoError(t, err, name)
		walk(n, name, map[*node]bool{})
	}
}

func BenchmarkJobCodec(b *testing.B) {
	c := newJobCodec(b, NewMemoryRegistry())
	job := sampleJob()
	data, _ := c.Encode(job)
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Encode(&job); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
