package codecs

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type countingCodec struct {
	mu      sync.Mutex
	decodes int
}

func (c *countingCodec) Encode(v any) ([]byte, error) { return []byte(*v.(*string)), nil }
func (c *countingCodec) Decode(b []byte) (any, error) {
	c.mu.Lock()
	c.decodes++
	c.mu.Unlock()
	s := string(b)
	return &s, nil
}

func TestCachedDecodesEachDistinctRecordOnce(t *testing.T) {
	inner := &countingCodec{}
	c := NewCached(inner, 2)
	a1, err := c.Decode([]byte("a"))
	require.NoError(t, err)
	a2, _ := c.Decode([]byte("a"))
	assert.Same(t, a1, a2)
	assert.Equal(t, 1, inner.decodes)
	_, _ = c.Decode([]byte("b"))
	_, _ = c.Decode([]byte("c")) // the hand spares a (read again), evicts b (never read again)
	v, _ := c.Decode([]byte("a"))
	assert.Same(t, a1, v)
	assert.Equal(t, 3, inner.decodes)
	v, _ = c.Decode([]byte("c"))
	assert.Equal(t, "c", *v.(*string))
	assert.Equal(t, 3, inner.decodes)
	_, _ = c.Decode([]byte("b"))
	assert.Equal(t, 4, inner.decodes, "b was evicted")
	assert.Equal(t, CacheStats{Hits: 3, Misses: 4, Evictions: 2, Len: 2}, c.Stats())
}

func newStateCodec(t testing.TB, reg Registry) *Avro[TrackingState] {
	t.Helper()
	text, err := SchemaText("tracking_state")
	require.NoError(t, err)
	c, err := NewAvro[TrackingState](reg, "tradestream.tracking-table-value", text)
	require.NoError(t, err)
	return c
}

// sampleState is a tracking state in steady state (en route, an outbox of 2).
func sampleState() *TrackingState { return benchValues()[1].value.(*TrackingState) }

func TestAPrimedValueIsWhatItsBytesDecodeToOnce(t *testing.T) {
	inner := newStateCodec(t, NewMemoryRegistry())
	c := NewCached(inner, 16, PrimeOnEncode[TrackingState]())
	st := sampleState()
	data, err := c.Encode(st)
	require.NoError(t, err)
	plain, err := inner.Encode(st)
	require.NoError(t, err)
	assert.Equal(t, plain, data, "the bytes written are the codec's")
	require.NoError(t, c.Verify())

	got, err := c.Decode(append([]byte(nil), data...))
	require.NoError(t, err)
	assert.Same(t, st, got, "the bytes just written decode to the value written, not a copy")
	assert.Equal(t, CacheStats{Hits: 1, Primes: 1}, c.Stats(), "the read took it out")

	again, err := c.Decode(data)
	require.NoError(t, err)
	assert.NotSame(t, st, again)
	assert.Equal(t, st, again, "read again (a record that wrote nothing), the bytes are decoded")
	assert.Equal(t, CacheStats{Hits: 1, Misses: 1, Primes: 1}, c.Stats(), "and not remembered")

	_, err = c.Encode(*st)
	require.NoError(t, err)
	assert.Equal(t, int64(1), c.Stats().Primes, "only a *T is remembered: a T would not be what Decode returns")
}

// TestOnlyEqualBytesAreServed: bytes that differ in one byte, or that hold
// the same value written with another schema version, are decoded (and
// resolved) as without the cache.
func TestOnlyEqualBytesAreServed(t *testing.T) {
	reg := NewMemoryRegistry()
	inner := newStateCodec(t, reg)
	c := NewCached(inner, 16, PrimeOnEncode[TrackingState]())
	st := sampleState()
	data, err := c.Encode(st)
	require.NoError(t, err)

	other := append([]byte(nil), data...)
	other[len(other)-9] ^= 1 // the lowest bit of the last double: the last effect's ETA position's lon
	v, err := c.Decode(other)
	require.NoError(t, err)
	assert.NotSame(t, st, v)
	assert.NotEqual(t, st.Outbox[1].ETA.Position.Lon, v.(*TrackingState).Outbox[1].ETA.Position.Lon)
	assert.Equal(t, st.Outbox[1].ETA.Position.Lat, v.(*TrackingState).Outbox[1].ETA.Position.Lat)

	type stateV1 struct { // the state before the outbox was added
		Active   *TrackedJob `avro:"active"`
		Last     *Fix        `avro:"last"`
		SpeedKmh float64     `avro:"speed_kmh"`
		Samples  int64       `avro:"samples"`
		Finished []string    `avro:"finished"`
	}
	text, err := SchemaText("tracking_state")
	require.NoError(t, err)
	v1Text := withoutField(t, text, "outbox")
	v1, err := NewAvro[stateV1](reg, "tradestream.tracking-table-value", v1Text)
	require.NoError(t, err)
	old, err := v1.Encode(&stateV1{Active: st.Active, Last: st.Last, SpeedKmh: st.SpeedKmh, Samples: st.Samples, Finished: st.Finished})
	require.NoError(t, err)
	require.NotEqual(t, data[:5], old[:5], "another writer schema id")
	v, err = c.Decode(old)
	require.NoError(t, err)
	want := *st
	want.Outbox = nil
	assert.Equal(t, &want, v, "resolved from the v1 writer: the outbox takes its default")
	assert.Len(t, st.Outbox, 2, "the primed value is untouched")
	require.NoError(t, c.Verify())
}

// roundRobin writes n keys' values in turn for rounds rounds through c,
// each read back before its key's next write, as a group's own table is.
func roundRobin(t *testing.T, c *Cached, n, rounds int, tag string) {
	t.Helper()
	cur := make([][]byte, n)
	for r := range rounds {
		for k := range n {
			if r > 0 {
				v, err := c.Decode(cur[k])
				require.NoError(t, err)
				require.Equal(t, fmt.Sprintf("%s%d-%d", tag, k, r-1), *v.(*string))
			}
			s := fmt.Sprintf("%s%d-%d", tag, k, r)
			var err error
			cur[k], err = c.Encode(&s)
			require.NoError(t, err)
		}
	}
}

// TestAValueWrittenIsHeldUntilReadBack: each key holds one entry, its last
// write, until its next record reads it, so a cache of 8 serves 8 keys
// written in turn without a miss or an eviction, and a ninth key makes
// them miss (every value is evicted before its read comes round).
func TestAValueWrittenIsHeldUntilReadBack(t *testing.T) {
	c := newCached(&countingCodec{}, 8, 1, PrimeOnEncode[string]())
	roundRobin(t, c, 8, 20, "k")
	assert.Equal(t, CacheStats{Hits: 8 * 19, Primes: 8 * 20, Len: 8}, c.Stats())

	c = newCached(&countingCodec{}, 8, 1, PrimeOnEncode[string]())
	roundRobin(t, c, 9, 20, "k")
	assert.Zero(t, c.Stats().Hits)
}

// TestValuesNeverReadBackAreEvictedInTheEnd: a key that stops (a
// tradesperson who stopped pinging) leaves a value nobody reads; the hand
// takes its credit away and evicts it.
func TestValuesNeverReadBackAreEvictedInTheEnd(t *testing.T) {
	inner := &countingCodec{}
	c := newCached(inner, 8, 1, PrimeOnEncode[string]())
	var stopped [][]byte
	for i := range 8 {
		s := fmt.Sprintf("stopped-%d", i)
		data, err := c.Encode(&s)
		require.NoError(t, err)
		stopped = append(stopped, data)
	}
	roundRobin(t, c, 4, 3, "warm")
	before := c.Stats()
	roundRobin(t, c, 4, 20, "k")
	after := c.Stats()
	assert.Equal(t, before.Misses, after.Misses, "once warm, the live keys always hit")
	for _, data := range stopped {
		_, err := c.Decode(data)
		require.NoError(t, err)
	}
	assert.Equal(t, 8, inner.decodes, "every stopped key's value was evicted")
}

func TestAHashCollisionIsAMiss(t *testing.T) {
	c := newCached(&countingCodec{}, 4, 1)
	s := &c.shards[0]
	a, b := "a", "b"
	s.put(42, []byte("a"), &a, true)
	_, ok := s.get(42, []byte("b"))
	assert.False(t, ok, "same hash, other bytes")
	s.put(42, []byte("b"), &b, false)
	v, ok := s.get(42, []byte("b"))
	require.True(t, ok)
	assert.Same(t, &b, v)
	_, ok = s.get(42, []byte("a"))
	assert.False(t, ok, "replaced in place")
	assert.Len(t, s.slots, 1)
}

func TestVerifyFindsAValueModifiedAfterItWasShared(t *testing.T) {
	c := NewCached(newStateCodec(t, NewMemoryRegistry()), 16, PrimeOnEncode[TrackingState]())
	st := sampleState()
	_, err := c.Encode(st)
	require.NoError(t, err)
	require.NoError(t, c.Verify())
	st.Active.Arrived = true // what a handler must never do
	assert.ErrorIs(t, c.Verify(), ErrCacheMismatch)
}

// TestVerifyFindsAValueADecodeWouldNotGiveBack: a primed value must be what
// its bytes decode to, or a hit and a miss (after a restart) would differ.
func TestVerifyFindsAValueADecodeWouldNotGiveBack(t *testing.T) {
	for name, change := range map[string]func(*TrackingState){
		"a time finer than the millisecond": func(s *TrackingState) { s.Last.At = s.Last.At.Add(time.Microsecond) },
		"a time in another zone":            func(s *TrackingState) { s.Last.At = s.Last.At.In(time.FixedZone("X", 3600)) },
		"a nil slice, decoded as empty":     func(s *TrackingState) { s.Finished = nil },
	} {
		t.Run(name, func(t *testing.T) {
			c := NewCached(newStateCodec(t, NewMemoryRegistry()), 16, PrimeOnEncode[TrackingState]())
			st := sampleState()
			change(st)
			_, err := c.Encode(st)
			require.NoError(t, err)
			assert.ErrorIs(t, c.Verify(), ErrCacheMismatch)
		})
	}
}

func TestTheCacheHoldsAtMostItsSize(t *testing.T) {
	inner := &countingCodec{}
	c := NewCached(inner, 1024)
	require.Len(t, c.shards, 2)
	for i := range 10_000 {
		_, err := c.Decode(fmt.Appendf(nil, "record-%d", i))
		require.NoError(t, err)
	}
	s := c.Stats()
	assert.LessOrEqual(t, s.Len, 1024)
	assert.Greater(t, s.Len, 900, "both shards fill")
	assert.Equal(t, int64(10_000-s.Len), s.Evictions)
	for i := range c.shards {
		assert.Len(t, c.shards[i].index, len(c.shards[i].slots), "the index follows the slots")
	}
}

// TestConcurrentPartitionsShareTheCache is for the race detector: writers
// and readers of distinct keys, as goka's partition goroutines are.
func TestConcurrentPartitionsShareTheCache(t *testing.T) {
	c := NewCached(newStateCodec(t, NewMemoryRegistry()), 64, PrimeOnEncode[TrackingState]())
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			st := sampleState()
			for i := range 500 {
				next := *st
				next.Samples = int64(g*1000 + i)
				data, err := c.Encode(&next)
				if !assert.NoError(t, err) {
					return
				}
				v, err := c.Decode(data)
				if !assert.NoError(t, err) || !assert.Equal(t, &next, v) {
					return
				}
				st = v.(*TrackingState)
			}
		})
	}
	wg.Wait()
	require.NoError(t, c.Verify())
	s := c.Stats()
	assert.Equal(t, int64(2000), s.Primes)
	assert.Equal(t, int64(2000), s.Hits+s.Misses)
}

// withoutField returns the record schema text without its field name.
func withoutField(t *testing.T, schema, name string) string {
	t.Helper()
	var rec map[string]any
	require.NoError(t, json.Unmarshal([]byte(schema), &rec))
	var kept []any
	for _, f := range rec["fields"].([]any) {
		if f.(map[string]any)["name"] != name {
			kept = append(kept, f)
		}
	}
	rec["fields"] = kept
	out, err := json.Marshal(rec)
	require.NoError(t, err)
	return string(out)
}
