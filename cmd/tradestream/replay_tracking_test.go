package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// TestReplayOfTrackingAndJobsReproducesTheTrackingTableAndTheETAs sends
// pings before, during and after a first job's en_route (it arrives and goes
// on_site), then a second job goes en_route and keeps its ETA. The pings
// that came before a track_job on the log gave no ETA, the later ones did.
// A replay of the jobs and tracking groups from earliest must see the pings
// and the tracking commands in the order the live run saw them (one log):
// the tracking table and the jobs' ETAs come out the same.
func TestReplayOfTrackingAndJobsReproducesTheTrackingTableAndTheETAs(t *testing.T) {
	env := newTestEnv(t)
	dir := t.TempDir()
	in := env.start(t, "a", dir)
	base := "/v1/tenants/acme"
	must := func(path string, body any) { t.Helper(); in.accept(t, "POST", path, body) }
	bookedAutoJob(t, in, "acme", "t1", "t2")
	start := time.Now().UTC().Add(-30 * time.Minute).Truncate(time.Second)
	at := func(i int) time.Time { return start.Add(time.Duration(i) * time.Minute) }
	ping := func(km float64, when time.Time) { must(base+"/locations", []any{pingJSON("ana", km, when)}) }

	// Pings with no job tracked, then en_route: pings until one gives an
	// ETA (those before the track_job on the log give none).
	ping(9, at(0))
	ping(8.5, at(0).Add(30*time.Second))
	in.enRoute(t, "acme", "t1", "ana", at(1), 8)
	for i, km := range []float64{6, 4, 2} {
		when := at(i + 2)
		ping(km, when)
		in.waitJob(t, "acme", "t1", func(j *codecs.Job) bool { return j.ETA != nil && j.ETA.UpdatedAt.Equal(when) }, "an ETA")
	}
	ping(0.05, at(5))
	in.waitJob(t, "acme", "t1", func(j *codecs.Job) bool { return j.Status == codecs.StatusOnSite }, "arrived")
	must(base+"/jobs/t1/status", map[string]any{"status": "completed", "at": at(6)})
	in.waitJob(t, "acme", "t1", func(j *codecs.Job) bool { return j.Status == codecs.StatusCompleted }, "completed")

	ping(1, at(7)) // t1 is not tracked any more: no effect
	in.enRoute(t, "acme", "t2", "ana", at(8), 5)
	for i, km := range []float64{4, 3} {
		when := at(i + 10)
		ping(km, when)
		in.waitJob(t, "acme", "t2", func(j *codecs.Job) bool { return j.ETA != nil && j.ETA.UpdatedAt.Equal(when) }, "an ETA")
	}

	before := settledViews(t, in, base, []string{"jobs/t1", "jobs/t2"})
	var tracking string
	eventually(t, 30*time.Second, func() bool {
		tracking = trackingOf(t, env, "acme/ana")
		var st codecs.TrackingState
		if tracking == "" || json.Unmarshal([]byte(tracking), &st) != nil {
			return false
		}
		return st.Active != nil && st.Active.JobID == "t2" && st.Last != nil && st.Last.At.Equal(at(11))
	}, "the tracking table holds t2 and the last ping")
	require.Contains(t, before["jobs/t2"], `"eta":{`, "t2 shows its ETA")
	writes := trackingWrites(t, env, "acme/ana")
	t.Logf("tracking state after %d writes: %s", writes, tracking)

	require.NoError(t, in.stop())
	code, _, stderr := runCLI(t, "replay", "--brokers", env.brokers, "--topic-prefix", env.prefix, "--group", "jobs,tracking")
	require.Equal(t, 0, code, stderr)
	again := env.start(t, "a", dir)
	assertViewsRebuilt(t, again, base, before)
	var replayed string
	eventually(t, 60*time.Second, func() bool {
		replayed = trackingOf(t, env, "acme/ana")
		return replayed == tracking
	}, "the tracking table rebuilt identically")
	// The table was recreated empty. The replay reads the whole log behind
	// its end, so the tracking group coalesces its writes
	// (tracking.ProcessorOptions): fewer records than the live run, which
	// kept up and wrote each change, and the same last state.
	time.Sleep(500 * time.Millisecond)
	assert.Equal(t, tracking, trackingOf(t, env, "acme/ana"))
	replayWrites := trackingWrites(t, env, "acme/ana")
	assert.GreaterOrEqual(t, replayWrites, 1)
	assert.Less(t, replayWrites, writes, "the replay wrote %d records, the live run %d", replayWrites, writes)
	t.Logf("the replay wrote %d tracking records, the live run %d", replayWrites, writes)
}

// trackingWrites counts the records of key in the tracking table topic.
func trackingWrites(t *testing.T, env *testEnv, key string) int {
	t.Helper()
	n := 0
	for _, m := range readAll(t, env.brokers, env.prefix+string(topology.TrackingGroup)+"-table") {
		if string(m.Key) == key {
			n++
		}
	}
	return n
}

// trackingOf is the tracking table's value of key, as exported (JSON).
func trackingOf(t *testing.T, env *testEnv, key string) string {
	t.Helper()
	code, out, stderr := runCLI(t, "export", "tracking", "--brokers", env.brokers, "--registry", env.registry,
		"--topic-prefix", env.prefix)
	require.Equal(t, 0, code, stderr)
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var e exportLine
		require.NoError(t, json.Unmarshal([]byte(l), &e), l)
		if e.Key == key {
			return string(e.Value)
		}
	}
	return ""
}
