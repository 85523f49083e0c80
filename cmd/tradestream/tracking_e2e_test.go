package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// pingJSON is one entry of a POST .../locations body: km kilometres north
// of the job at (51.5, -0.12).
func pingJSON(tp string, km float64, at time.Time) map[string]any {
	return map[string]any{"tradesperson_id": tp, "lat": 51.5 + km/111.19508, "lon": -0.12, "at": at}
}

// TestTrackingTurnsPingsIntoETAsAndArrival books a job, sends en_route and
// streams pings along a path toward the job: the job view shows ETAs that
// decrease, then on_site at the arrival ping's time; the customer gets
// on_the_way and arrived; old and duplicate pings change nothing; a ping
// from the future ends on the rejects topic; the location shows on no
// other job and not after arrival.
func TestTrackingTurnsPingsIntoETAsAndArrival(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	base := "/v1/tenants/acme"
	must := func(path string, body any) map[string]any {
		t.Helper()
		st, out := in.post(t, path, body)
		require.Equal(t, http.StatusAccepted, st, "%s: %v", path, out)
		return out
	}
	bookedAutoJob(t, in, "acme", "t1", "t2")

	// Pings are in real time: one older than Config.MaxFuture ahead is rejected.
	start := time.Now().UTC().Add(-30 * time.Minute).Truncate(time.Second)
	must(base+"/jobs/t1/status", map[string]any{"status": "en_route", "at": start})
	in.waitJob(t, "acme", "t1", func(j *codecs.Job) bool { return j.Status == codecs.StatusEnRoute }, "en_route")

	// The tracking group learns about en_route through its own topic: pings
	// before that give no ETA, so a first ping (and a duplicate of it) is
	// sent until one does, each a millisecond later (a repeat of the same
	// time would be ignored as a duplicate); later ones give ETAs.
	at := func(i int) time.Time { return start.Add(time.Duration(i) * time.Minute) }
	var etas []int32
	post := func(pings ...map[string]any) { must(base+"/locations", pings) }
	etaAt := func(i int) *codecs.Job {
		return in.waitJob(t, "acme", "t1", func(j *codecs.Job) bool {
			return j.ETA != nil && j.ETA.UpdatedAt.Equal(at(i))
		}, "the ETA of ping "+at(i).Format(time.TimeOnly))
	}
	try := 0
	var j *codecs.Job
	eventually(t, 60*time.Second, func() bool {
		try++
		first := pingJSON("ana", 6, at(1).Add(time.Duration(try)*time.Millisecond))
		post(first, first)
		j = in.job(t, "acme", "t1")
		return j.ETA != nil
	}, "a first ETA")
	require.False(t, j.ETA.UpdatedAt.Before(at(1)), "the ETA of a first ping: %v", j.ETA.UpdatedAt)
	etas = append(etas, j.ETA.Minutes)
	require.NotNil(t, j.ETA.Position, "the job en route shows where the tradesperson is")
	assert.InDelta(t, 7.8, j.ETA.DistanceKm, 0.05, "6 km straight, × 1.3 by road")

	for i, km := range []float64{5, 4, 3, 2, 1} {
		post(pingJSON("ana", km, at(i+2)))
		etas = append(etas, etaAt(i+2).ETA.Minutes)
	}
	assert.True(t, slices.IsSortedFunc(etas, func(a, b int32) int { return int(b - a) }), "decreasing ETAs: %v", etas)
	assert.Greater(t, etas[0], etas[len(etas)-1], "%v", etas)

	// An old ping, a duplicate of the last, then a ping from the future as
	// a marker: once the marker is rejected the others were processed
	// (one key, one partition, in order) and changed nothing.
	before := in.job(t, "acme", "t1")
	post(pingJSON("ana", 40, at(3).Add(30*time.Second)), pingJSON("ana", 1, at(6)),
		pingJSON("ana", 1, time.Now().UTC().Add(time.Hour)))
	rejects := env.prefix + string(topology.RejectsTopic)
	eventually(t, 30*time.Second, func() bool {
		for _, m := range readAll(t, env.brokers, rejects) {
			v, err := in.app.cat.Rejects.Avro.Decode(m.Value)
			if r, ok := v.(*codecs.Rejection); err == nil && ok && r.Kind == "location" && strings.Contains(r.Reason, "in the future") {
				return true
			}
		}
		return false
	}, "the future ping on the rejects topic")
	// What they sent to the job, if anything, comes before the next ping's ETA.
	post(pingJSON("ana", 0.5, at(7)))
	after := etaAt(7)
	assert.Equal(t, before.Version+1, after.Version, "old and duplicate pings have no effect on the job")
	assert.Less(t, after.ETA.Minutes, etas[len(etas)-1])
	t.Logf("ETAs along the path: %v, then %d", etas, after.ETA.Minutes)

	// Within 150 m: on_site at the ping's time, and the location is gone.
	post(pingJSON("ana", 0.05, at(8)))
	j = in.waitJob(t, "acme", "t1", func(j *codecs.Job) bool { return j.Status == codecs.StatusOnSite }, "on_site")
	assert.Equal(t, codecs.StatusChange{Status: codecs.StatusOnSite, At: at(8)}, j.StatusHistory[len(j.StatusHistory)-1])
	assert.Nil(t, j.ETA, "no location once on site")
	waitNotification(t, in, "customers/cust-1", "on_the_way-t1-veta1-customer")
	waitNotification(t, in, "customers/cust-1", "arrived-t1-")
	for _, n := range *view[[]codecs.Notification](t, in, "acme", "tradespeople/ana/notifications") {
		assert.NotEqual(t, codecs.NoticeOnTheWay, n.Kind, "tracking notices go to the customer only")
	}

	// Pings after arrival go nowhere; the other job never saw a location.
	post(pingJSON("ana", 0.01, at(9)))
	must(base+"/jobs/t1/status", map[string]any{"status": "completed", "at": at(10)})
	j = in.waitJob(t, "acme", "t1", func(j *codecs.Job) bool { return j.Status == codecs.StatusCompleted }, "completed")
	assert.Nil(t, j.ETA)
	t2 := in.job(t, "acme", "t2")
	assert.Equal(t, codecs.StatusBooked, t2.Status)
	assert.Nil(t, t2.ETA, "a job the tradesperson is not en route to shows no location")

	// The group read most states back from its table's cache (each ping
	// reads the state the one before wrote), and none was modified there.
	cache := in.app.cat.Tracking.Cache()
	assert.Positive(t, cache.Stats().Hits, "%+v", cache.Stats())
	require.NoError(t, cache.Verify())
}

// enRoute sets job en_route at since and pings its tradesperson tp km away
// until the job has an ETA: the tracking group learns about en_route through
// its input log, and the pings on the log before that give none (each try is
// 100 ms later, a repeated time would be ignored as a duplicate).
func (in *instance) enRoute(t *testing.T, tenant, job, tp string, since time.Time, km float64) *codecs.Job {
	t.Helper()
	base := "/v1/tenants/" + tenant
	in.accept(t, "POST", base+"/jobs/"+job+"/status", map[string]any{"status": "en_route", "at": since})
	in.waitJob(t, tenant, job, func(j *codecs.Job) bool { return j.Status == codecs.StatusEnRoute }, "en_route")
	try := 0
	var j *codecs.Job
	eventually(t, 60*time.Second, func() bool {
		try++
		in.accept(t, "POST", base+"/locations", []any{pingJSON(tp, km, since.Add(time.Duration(try)*100*time.Millisecond))})
		j = in.job(t, tenant, job)
		return j.ETA != nil
	}, "a first ETA of %s", job)
	return j
}
