package tracking

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology/topologytest"
)

var cfg = func() Config { c := Config{}; c.EnsureDefaults(); return c }()

func track(job string, at time.Time) *codecs.TrackingCommand {
	return &codecs.TrackingCommand{CommandID: "track_job-" + job, TenantID: "acme", TradespersonID: "tp",
		Kind: codecs.KindTrackJob, JobID: job, Location: home, At: at}
}

func untrack(job string) *codecs.TrackingCommand {
	return &codecs.TrackingCommand{CommandID: "untrack_job-" + job, TenantID: "acme", TradespersonID: "tp",
		Kind: codecs.KindUntrackJob, JobID: job, Location: home, At: t0}
}

// pingAt is a ping km north of the job, d after t0.
func pingAt(d time.Duration, km float64) *codecs.LocationPing {
	p := north(home, km)
	return &codecs.LocationPing{TenantID: "acme", TradespersonID: "tp", Lat: p.Lat, Lon: p.Lon, At: t0.Add(d)}
}

func apply(t *testing.T, st *codecs.TrackingState, p *codecs.LocationPing) (*codecs.TrackingState, []codecs.TrackingEffect) {
	t.Helper()
	r := ApplyPing(st, "acme/tp", p, cfg, t0.Add(time.Hour))
	require.Empty(t, r.Reject)
	if r.State == nil {
		return st, r.Effects
	}
	return r.State, r.Effects
}

func TestAPingWithoutAnActiveJobOnlyMoves(t *testing.T) {
	st, eff := apply(t, nil, pingAt(0, 10))
	assert.Empty(t, eff)
	assert.Equal(t, t0, st.Last.At)
	st, eff = apply(t, st, pingAt(time.Minute, 9))
	assert.Empty(t, eff)
	assert.Equal(t, int64(1), st.Samples)
	assert.InDelta(t, 60, st.SpeedKmh, 0.5, "1 km in a minute")
}

func TestPingsTowardTheJobGiveDecreasingETAsThenArrival(t *testing.T) {
	st := ApplyCommand(nil, track("j1", t0))
	require.NotNil(t, st)
	st, eff := apply(t, st, pingAt(0, 10))
	require.Len(t, eff, 1)
	first := eff[0].ETA
	assert.Equal(t, codecs.KindETAUpdate, eff[0].Kind)
	assert.Equal(t, int32(20), first.Minutes, "13 km by road at 40 km/h before any observation")
	require.NotNil(t, first.Position)

	var last int32 = first.Minutes
	for i := 1; i <= 9; i++ {
		st, eff = apply(t, st, pingAt(time.Duration(i)*time.Minute, 10-float64(i)))
		require.Len(t, eff, 1, "ping %d", i)
		assert.Less(t, eff[0].ETA.Minutes, last)
		last = eff[0].ETA.Minutes
	}
	st, eff = apply(t, st, pingAt(10*time.Minute, 0.05))
	require.Len(t, eff, 1)
	assert.Equal(t, codecs.KindArrived, eff[0].Kind)
	assert.True(t, st.Active.Arrived)
	st, eff = apply(t, st, pingAt(11*time.Minute, 0.01))
	assert.Empty(t, eff, "no ETA after arrival")
	assert.Nil(t, ApplyCommand(st, track("j1", t0)), "a repeated track_job changes nothing")
}

func TestOldAndDuplicatePingsHaveNoEffectButResendTheirRecords(t *testing.T) {
	st := ApplyCommand(nil, track("j1", t0))
	st, eff := apply(t, st, pingAt(time.Minute, 10))
	require.Len(t, eff, 1)
	st, _ = apply(t, st, pingAt(2*time.Minute, 9))

	r := ApplyPing(st, "acme/tp", pingAt(time.Minute, 10), cfg, t0)
	assert.Nil(t, r.State, "an older ping stores nothing")
	assert.Equal(t, eff, r.Effects, "its records are sent again, for a crash that lost them")

	r = ApplyPing(st, "acme/tp", pingAt(90*time.Second, 3), cfg, t0)
	assert.Nil(t, r.State)
	assert.Empty(t, r.Effects, "an out-of-order ping that never counted sends nothing")

	r = ApplyPing(st, "acme/tp", pingAt(2*time.Minute, 9), cfg, t0)
	assert.Nil(t, r.State, "a duplicate of the last ping stores nothing")
}

func TestUnchangedETAsAreNotWrittenUntilRefresh(t *testing.T) {
	st := ApplyCommand(nil, track("j1", t0))
	st, eff := apply(t, st, pingAt(0, 10))
	require.Len(t, eff, 1)
	// Standing still: same distance; the speed observation (0) drops the
	// speed to 5 km/h, a visible change.
	st, eff = apply(t, st, pingAt(10*time.Second, 10))
	require.Len(t, eff, 1)
	assert.Equal(t, int32(157), eff[0].ETA.Minutes, "13.0003 km at 5 km/h, rounded up")
	st, eff = apply(t, st, pingAt(20*time.Second, 10))
	assert.Empty(t, eff, "nothing visible changed")
	_, eff = apply(t, st, pingAt(70*time.Second, 10))
	assert.Len(t, eff, 1, "a minute after the last ETA it is written again")
}

func TestInvalidPingsAreRejected(t *testing.T) {
	p := pingAt(0, 1)
	p.Lat = 95
	assert.Equal(t, "lat must be within ±90", ApplyPing(nil, "acme/tp", p, cfg, t0).Reject)
	assert.Contains(t, ApplyPing(nil, "acme/tp", pingAt(10*time.Minute, 1), cfg, t0).Reject, "in the future")
	assert.Contains(t, ApplyPing(nil, "other/tp", pingAt(0, 1), cfg, t0).Reject, "is not the ping's tenant_id/tradesperson_id")
}

func TestTrackingCommands(t *testing.T) {
	st := ApplyCommand(nil, track("j1", t0))
	assert.Equal(t, "j1", st.Active.JobID)

	later := ApplyCommand(st, track("j2", t0.Add(time.Hour)))
	require.NotNil(t, later)
	assert.Equal(t, "j2", later.Active.JobID, "a later en_route job replaces the active one")
	assert.Nil(t, ApplyCommand(later, track("j1", t0)), "an older track_job arriving late is stale")

	gone := ApplyCommand(later, untrack("j1"))
	require.NotNil(t, gone)
	assert.Equal(t, "j2", gone.Active.JobID, "untracking another job keeps the active one")
	done := ApplyCommand(gone, untrack("j2"))
	assert.Nil(t, done.Active)
	assert.Equal(t, []string{"j1", "j2"}, done.Finished)
	assert.Nil(t, ApplyCommand(done, track("j2", t0.Add(2*time.Hour))), "a finished job is not tracked again")
	assert.Nil(t, ApplyCommand(done, untrack("j2")), "a repeated untrack changes nothing")
}

func TestJobCommandIDsNameTheEffect(t *testing.T) {
	eta := &codecs.ETA{Minutes: 5, DistanceKm: 3, UpdatedAt: t0}
	c := JobCommand("acme", codecs.TrackingEffect{PingAt: t0, Kind: codecs.KindETAUpdate, JobID: "j1", ETA: eta})
	assert.Equal(t, "eta_update-j1-"+itoa(t0.UnixMilli()), c.CommandID)
	assert.Equal(t, codecs.SourceInternal, c.Source)
	assert.Equal(t, eta, c.ETA)
	a := JobCommand("acme", codecs.TrackingEffect{PingAt: t0, Kind: codecs.KindArrived, JobID: "j1"})
	assert.Equal(t, &codecs.SetJobStatus{Status: codecs.StatusOnSite, At: t0}, a.SetJobStatus)
}

// A state made by a ping must not keep the states before it in memory (an
// instance holds one state per tradesperson, pinging for hours): the first
// state of a run is collected once later pings replaced it.
func TestAPingsStateDoesNotKeepEarlierStatesInMemory(t *testing.T) {
	st := ApplyCommand(nil, track("j1", t0))
	first, eff := apply(t, st, pingAt(0, 20))
	require.Len(t, eff, 1, "the first ping sends an ETA, which the next states' outboxes hold")
	collected := make(chan struct{})
	runtime.AddCleanup(first, func(ch chan struct{}) { close(ch) }, collected)
	cur := first
	for i := 1; i <= 20; i++ {
		cur, _ = apply(t, cur, pingAt(time.Duration(i)*time.Minute, 20-0.5*float64(i)))
	}
	first = nil
	require.Eventually(t, func() bool {
		runtime.GC()
		select {
		case <-collected:
			return true
		default:
			return false
		}
	}, 10*time.Second, 10*time.Millisecond, "the first state is still reachable from the last")
	assert.Len(t, cur.Outbox, OutboxKeep)
	runtime.KeepAlive(cur)
}

// TestTheGroupWritesEachETAUpdateAsItsJobCommand: the eta_updates of a
// stream of pings, written from their parts as the group writes them
// (codecs.ETAUpdates), are the command codec's bytes for their JobCommand.
func TestTheGroupWritesEachETAUpdateAsItsJobCommand(t *testing.T) {
	cat := topologytest.Catalog(t)
	etas, err := codecs.NewETAUpdates(cat.JobCommands.Avro)
	require.NoError(t, err)
	states := map[string]*codecs.TrackingState{}
	written := 0
	for _, p := range benchPings(20, 30) {
		key := p.TenantID + "/" + p.TradespersonID
		st, ok := states[key]
		if !ok {
			st = ApplyCommand(nil, track("job-"+p.TradespersonID, t0))
		}
		r := ApplyPing(st, key, p, cfg, t0.Add(time.Hour))
		require.Empty(t, r.Reject)
		states[key] = r.State
		for _, e := range r.Effects {
			require.Equal(t, codecs.KindETAUpdate, e.Kind)
			want, err := cat.JobCommands.Avro.Encode(JobCommand(p.TenantID, e))
			require.NoError(t, err)
			got, err := etas.Marshal(p.TenantID, e.JobID, e.PingAt, e.ETA)
			require.NoError(t, err)
			require.Equal(t, want, got)
			written++
		}
	}
	assert.Equal(t, 20*30, written, "every ping of this stream sends an ETA")
}

// TestIsKeyOfIsTheKeyBuiltFromThePing: the in-place comparison agrees with
// building "<tenant>/<tradesperson>".
func TestIsKeyOfIsTheKeyBuiltFromThePing(t *testing.T) {
	for _, c := range []struct{ key, tenant, tp string }{
		{"acme/tp", "acme", "tp"}, {"acme/tp", "acme", "tpx"}, {"acme/tp", "acm", "e/tp"}, {"acmetp", "acme", "tp"},
		{"acme-tp", "acme", "tp"}, {"a/b/c", "a/b", "c"}, {"a/b/c", "a", "b/c"}, {"/", "", ""}, {"", "", ""},
		{"other/tp", "acme", "tp"}, {"acme/tp/", "acme", "tp"}, {"Acme/tp", "acme", "tp"},
	} {
		p := &codecs.LocationPing{TenantID: c.tenant, TradespersonID: c.tp}
		assert.Equal(t, c.key == c.tenant+"/"+c.tp, isKeyOf(c.key, p), "%q of %q and %q", c.key, c.tenant, c.tp)
	}
}

// TestTheOutboxKeepsTheLastEffectsInOrderAndLeavesEarlierStatesAlone:
// pings that each send an ETA fill the outbox, then each makes room for
// its own by dropping the oldest, in the new state's block only: every
// earlier state still holds the outbox it was made with.
func TestTheOutboxKeepsTheLastEffectsInOrderAndLeavesEarlierStatesAlone(t *testing.T) {
	st := ApplyCommand(nil, track("j1", t0))
	var states []*codecs.TrackingState
	var sent []codecs.TrackingEffect
	var outboxes [][]codecs.TrackingEffect
	for i := range 6 {
		var eff []codecs.TrackingEffect
		st, eff = apply(t, st, pingAt(time.Duration(i+1)*time.Minute, 20-float64(i)))
		require.Len(t, eff, 1, "ping %d sends an ETA", i)
		sent = append(sent, eff[0])
		want := sent[max(0, len(sent)-OutboxKeep):]
		require.Equal(t, want, st.Outbox, "ping %d", i)
		assert.Equal(t, st.Outbox[len(st.Outbox)-1], eff[0], "the effect is the outbox's last")
		states = append(states, st)
		outboxes = append(outboxes, slices.Clone(st.Outbox))
	}
	for i, s := range states {
		assert.Equal(t, outboxes[i], s.Outbox, "state %d changed after later pings", i)
	}
}

// TestAnOutboxLongerThanOutboxKeepIsCutToIt: an outbox written by an
// older version, longer than OutboxKeep, keeps its last OutboxKeep effects
// at the next ping, with or without an effect of its own.
func TestAnOutboxLongerThanOutboxKeepIsCutToIt(t *testing.T) {
	old := make([]codecs.TrackingEffect, 5)
	for i := range old {
		old[i] = codecs.TrackingEffect{PingAt: t0.Add(time.Duration(i) * time.Second), Kind: codecs.KindETAUpdate, JobID: "j1",
			ETA: &codecs.ETA{Minutes: int32(50 - i), UpdatedAt: t0.Add(time.Duration(i) * time.Second)}}
	}
	st := ApplyCommand(nil, track("j1", t0))
	st.Outbox = slices.Clone(old)
	next, eff := apply(t, st, pingAt(time.Minute, 10))
	require.Len(t, eff, 1)
	assert.Equal(t, []codecs.TrackingEffect{old[4], eff[0]}, next.Outbox)
	assert.Equal(t, old, st.Outbox, "the state pinged is left alone")

	st.Outbox = slices.Clone(old)
	st.Active = nil // no job: no effect
	next, eff = apply(t, st, pingAt(time.Minute, 10))
	assert.Empty(t, eff)
	assert.Equal(t, old[3:], next.Outbox)
}
