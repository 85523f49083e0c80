package tracking

import (
	"context"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

// The tracking table's cache (topology.TrackingCacheSize) hands the group
// the very state it wrote for a tradesperson's previous record: these tests
// hold the group to never modifying a state it read or wrote.

// TestEveryPathLeavesTheCachedStatesIntact drives every path of the group
// (feed checks the cache after each record), with the states read back
// from the cache, not decoded.
func TestEveryPathLeavesTheCachedStatesIntact(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	in := feed{t, tt, cat}
	jobs := tt.NewQueueTracker(string(topology.JobCommandsTopic))

	in.ping("acme/tp", pingAt(0, 12))               // no state yet, no job
	in.command("acme/tp", track("j1", t0))          // track_job
	in.command("acme/tp", track("j1", t0))          // a repeated track_job: no change
	in.ping("acme/tp", pingAt(time.Minute, 10))     // first ETA
	in.ping("acme/tp", pingAt(2*time.Minute, 9))    // a visible change
	in.ping("acme/tp", pingAt(2*time.Minute, 9))    // a duplicate: the outbox is re-sent
	in.ping("acme/tp", pingAt(time.Minute, 10))     // an older ping: re-sent too
	in.ping("acme/tp", pingAt(90*time.Second, 3))   // older, never counted: nothing
	in.ping("acme/tp", pingAt(2*time.Hour, 50))     // from the future: rejected
	in.ping("other/tp", pingAt(3*time.Minute, 8))   // under another key: rejected
	in.ping("acme/tp", pingAt(3*time.Minute, 0.05)) // arrival
	in.ping("acme/tp", pingAt(3*time.Minute, 0.05)) // the arrival, redelivered
	in.ping("acme/tp", pingAt(4*time.Minute, 0.01)) // after arrival: no ETA
	in.command("acme/tp", untrack("j1"))            // untrack_job
	in.command("acme/tp", untrack("j1"))            // repeated: no change
	in.command("acme/tp", track("j1", t0))          // a finished job: stale
	in.command("acme/tp", track("j2", t0.Add(time.Hour)))
	in.ping("acme/tp", pingAt(5*time.Minute, 6))                        // an ETA for j2
	in.command("acme/tp", track("j3", t0))                              // older than j2's: stale
	in.command("acme/tp", untrack("j9"))                                // another job: j2 stays
	in.consume("acme/tp", &codecs.TrackingInput{}, tester.WithTime(t0)) // dead letter
	in.consume("acme/tp", []byte("not avro"))

	n := 0
	for _, _, ok := jobs.Next(); ok; _, _, ok = jobs.Next() {
		n++
	}
	assert.Equal(t, 7, n, "ETAs at 1 and 2 min, the duplicate's and the older ping's records again, the arrival twice, j2's ETA")
	st := tt.TableValue(cat.Tracking.Topic, "acme/tp").(*codecs.TrackingState)
	assert.Equal(t, "j2", st.Active.JobID)
	assert.Equal(t, []string{"j1", "j9"}, st.Finished)

	s := cat.Tracking.Cache().Stats()
	assert.Equal(t, int64(10), s.Primes, "one per state written")
	assert.Equal(t, int64(10), s.Hits, "each state written was read back from the cache (the last one by TableValue)")
	assert.Equal(t, int64(9), s.Misses, "the reads after a record that wrote nothing (its read took the state out) decoded")
}

// TestAHandlerThatModifiesTheStateItWroteIsCaught: what feed's check finds,
// through goka, when a handler modifies a state after writing it (the
// cache holds it for the next record of the key).
func TestAHandlerThatModifiesTheStateItWroteIsCaught(t *testing.T) {
	cat := topologytest.Catalog(t)
	g := topology.DefineGroup(cat, cat.Tracking, cat.TrackingInputs.Input(func(ctx goka.Context, _ *codecs.TrackingInput) {
		next := &codecs.TrackingState{Finished: []string{}, Outbox: []codecs.TrackingEffect{}}
		cat.Tracking.Set(ctx, next)
		next.Samples++
	}))
	tt := tester.New(t)
	proc, err := goka.NewProcessor(nil, g, goka.WithTester(tt))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- proc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	tt.Consume(string(topology.TrackingInputsTopic), "acme/tp", &codecs.TrackingInput{Ping: pingAt(0, 1)})
	assert.ErrorIs(t, cat.Tracking.Cache().Verify(), codecs.ErrCacheMismatch)
}

// TestApplyNeverModifiesItsArguments: each path of ApplyPing and
// ApplyCommand leaves the state, the ping and the command as they were.
func TestApplyNeverModifiesItsArguments(t *testing.T) {
	cat := topologytest.Catalog(t)
	deepCopy := func(st *codecs.TrackingState) *codecs.TrackingState {
		data, err := cat.Tracking.Codec.Encode(st)
		require.NoError(t, err)
		v, err := cat.Tracking.Codec.Decode(data)
		require.NoError(t, err)
		return v.(*codecs.TrackingState)
	}
	enRoute := ApplyCommand(nil, track("j1", t0))
	enRoute, _ = apply(t, enRoute, pingAt(time.Minute, 10))
	enRoute, _ = apply(t, enRoute, pingAt(2*time.Minute, 9))
	arrived, _ := apply(t, enRoute, pingAt(3*time.Minute, 0.05))
	finished := ApplyCommand(arrived, untrack("j1"))
	for _, st := range []*codecs.TrackingState{nil, enRoute, arrived, finished} {
		var before *codecs.TrackingState
		if st != nil {
			before = deepCopy(st)
		}
		for _, p := range []*codecs.LocationPing{pingAt(time.Minute, 10), pingAt(2*time.Minute, 9),
			pingAt(150*time.Second, 1), pingAt(3*time.Minute, 0.05), pingAt(10*time.Minute, 0.01),
			pingAt(time.Hour, 3), pingAt(20*time.Minute, 200)} {
			ping := *p
			ApplyPing(st, "acme/tp", p, cfg, t0.Add(time.Hour))
			assert.Equal(t, before, st)
			assert.Equal(t, &ping, p)
		}
		for _, c := range []*codecs.TrackingCommand{track("j1", t0), track("j2", t0.Add(time.Hour)),
			track("j0", t0.Add(-time.Hour)), untrack("j1"), untrack("j2")} {
			cmd := *c
			ApplyCommand(st, c)
			assert.Equal(t, before, st)
			assert.Equal(t, &cmd, c)
		}
	}
}
