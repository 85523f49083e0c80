package codecs

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newCommandCodec(t testing.TB) *Avro[Command] {
	t.Helper()
	return newSchemaCodec[Command](t, "command", "tradestream.job-commands-value")
}

// newSchemaCodec is the codec of T with the embedded schema named schema,
// on a registry of its own.
func newSchemaCodec[T any](t testing.TB, schema, subject string) *Avro[T] {
	t.Helper()
	text, err := SchemaText(schema)
	require.NoError(t, err)
	c, err := NewAvro[T](NewMemoryRegistry(), subject, text)
	require.NoError(t, err)
	return c
}

// TestETAUpdatesWriteWhatTheCommandCodecWrites: over many random tenants,
// jobs, ping times and ETAs, the eta_update writer's bytes are the command
// codec's for the same command, and decode back to it.
func TestETAUpdatesWriteWhatTheCommandCodecWrites(t *testing.T) {
	c := newCommandCodec(t)
	u, err := NewETAUpdates(c)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(8, 10))
	pick := func(opts ...string) string { return opts[rng.IntN(len(opts))] }
	times := []time.Time{{}, time.UnixMilli(0).UTC(), time.UnixMilli(-1).UTC(), time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 30, 9, 0, 0, 999_999_999, time.FixedZone("X", 3600)), time.UnixMilli(math.MaxInt64 / 4)}
	for i := range 2000 {
		tenant := pick("", "acme", "t-"+strconv.Itoa(i), "Łódź €", strings.Repeat("x", 64))
		job := pick("", "j1", "job-000123", "é"+strconv.Itoa(i), strings.Repeat("j", 64+rng.IntN(200)))
		at := times[rng.IntN(len(times))]
		if rng.IntN(2) == 0 {
			at = time.UnixMilli(rng.Int64N(1<<42) - 1<<40).UTC()
		}
		var eta *ETA
		if i%10 != 0 {
			eta = &ETA{Minutes: rng.Int32() - 1<<30, DistanceKm: rng.NormFloat64() * 100, UpdatedAt: times[rng.IntN(len(times))]}
			if rng.IntN(3) > 0 {
				eta.Position = &GeoPoint{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180}
			}
		}
		want := Command{CommandID: KindETAUpdate + "-" + job + "-" + strconv.FormatInt(at.UnixMilli(), 10),
			TenantID: tenant, Kind: KindETAUpdate, JobID: job, AcceptedAt: at, Source: SourceInternal, ETA: eta}
		generic, err := c.Marshal(&want)
		require.NoError(t, err)
		fast, err := u.Marshal(tenant, job, at, eta)
		require.NoError(t, err)
		require.Equal(t, generic, fast, "record %d", i)
		require.Equal(t, len(fast), cap(fast), "record %d: its buffer was not sized exactly", i)
		key, keyed, err := u.MarshalKeyed(tenant, job, at, eta)
		require.NoError(t, err)
		require.Equal(t, tenant+"/"+job, key, "record %d", i)
		require.Equal(t, fast, keyed, "record %d", i)
		require.Equal(t, len(keyed), cap(keyed), "record %d: the keyed value's buffer was not sized exactly", i)

		back, err := c.Unmarshal(fast)
		require.NoError(t, err)
		assert.Equal(t, want.CommandID, back.CommandID)
		assert.Equal(t, timeToMillis(at), timeToMillis(back.AcceptedAt))
		want.AcceptedAt, back.AcceptedAt = time.Time{}, time.Time{}
		if eta != nil {
			assert.Equal(t, timeToMillis(eta.UpdatedAt), timeToMillis(back.ETA.UpdatedAt))
			e := *eta
			e.UpdatedAt, back.ETA.UpdatedAt = time.Time{}, time.Time{}
			want.ETA = &e
		}
		want.Candidates, want.DependsOn, want.Ranked = []string{}, []string{}, []RankedCandidate{} // decoded arrays are never nil
		require.Equal(t, want, *back, "record %d", i)
	}
}

// TestETAUpdatesRefuseACommandSchemaWithoutTheirFields: a schema that
// lacks a field the writer sets, or types it otherwise, is refused.
func TestETAUpdatesRefuseACommandSchemaWithoutTheirFields(t *testing.T) {
	text, err := SchemaText("command")
	require.NoError(t, err)
	for _, edit := range []struct{ from, to string }{
		{`"name": "source"`, `"name": "origin"`},
		{`"name": "accepted_at",
      "type": {
        "type": "long"`, `"name": "accepted_at",
      "type": {
        "type": "int"`},
	} {
		changed := strings.Replace(text, edit.from, edit.to, 1)
		require.NotEqual(t, text, changed, "the edit %q no longer applies", edit.from)
		c := &Avro[Command]{schema: changed}
		_, err := NewETAUpdates(c)
		assert.Error(t, err, edit.to)
	}
}

// BenchmarkETAUpdate: the eta_update written from its parts, against the
// Command built and written by the command codec.
func BenchmarkETAUpdate(b *testing.B) {
	c := newCommandCodec(b)
	u, err := NewETAUpdates(c)
	require.NoError(b, err)
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	eta := &ETA{Minutes: 17, DistanceKm: 11.2, UpdatedAt: at, Position: &GeoPoint{Lat: 51.5, Lon: -0.12}}
	b.Run("command", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			cmd := &Command{CommandID: KindETAUpdate + "-job-000123-" + strconv.FormatInt(at.UnixMilli(), 10),
				TenantID: "acme", Kind: KindETAUpdate, JobID: "job-000123", AcceptedAt: at, Source: SourceInternal, ETA: eta}
			if _, err := c.Marshal(cmd); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parts", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := u.Marshal("acme", "job-000123", at, eta); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parts+key", func(b *testing.B) { // and the job's key, as the tracking group emits it
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := u.MarshalKeyed("acme", "job-000123", at, eta); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestLongLenIsTheLengthAppendLongWrites(t *testing.T) {
	for _, n := range []int64{0, 1, -1, 63, -64, 64, -65, 8191, 8192, 1 << 40, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64} {
		assert.Equal(t, len(appendLong(nil, n)), longLen(n), "%d", n)
	}
}
