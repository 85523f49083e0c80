package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// TestTheFleetDrivesStraightToTheJobWithNoisyLateAndLostPings drives 30
// trucks to their jobs and checks what a tracking pipeline would see.
func TestTheFleetDrivesStraightToTheJobWithNoisyLateAndLostPings(t *testing.T) {
	f := newFleet(rand.New(rand.NewPCG(1, 2)))
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	job := codecs.GeoPoint{Lat: 51.5, Lon: -0.12}
	for i := range 30 {
		base := codecs.GeoPoint{Lat: 51.5 + float64(i%6)*0.02, Lon: -0.12 - float64(i/6)*0.02}
		f.add("acme", fmt.Sprintf("j%d", i), fmt.Sprintf("tp%d", i), base, job, now)
	}
	enRoute := map[string]time.Time{}
	completed := map[string]bool{}
	last := map[string]*codecs.LocationPing{}
	var pings, late int
	for step := 0; len(completed) < 30; step++ {
		require.Less(t, step, 5000, "every truck arrives")
		now = now.Add(time.Second)
		cmds, batch := f.step(now)
		for _, c := range cmds {
			switch c.SetJobStatus.Status {
			case codecs.StatusEnRoute:
				enRoute[c.JobID] = c.SetJobStatus.At
				assert.False(t, c.SetJobStatus.At.After(now))
			case codecs.StatusCompleted:
				completed[c.JobID] = true
			}
		}
		for _, p := range batch {
			pings++
			j := "j" + p.TradespersonID[2:]
			require.Contains(t, enRoute, j, "en_route comes before the pings")
			assert.False(t, p.At.After(now), "ping times are never ahead of the clock")
			assert.False(t, p.At.Before(enRoute[j]), "%s: ping %s before en_route %s", j, p.At, enRoute[j])
			if prev := last[j]; prev != nil && p.At.Before(prev.At) {
				late++
				continue
			}
			last[j] = p
		}
	}
	for j, p := range last {
		assert.InDelta(t, job.Lat, p.Lat, 0.0012, "%s ends at the job (within ~130 m)", j)
	}
	assert.Positive(t, late, "some pings come out of order")
	assert.Positive(t, f.dropped, "some pings are lost")
	t.Logf("%d pings, %d out of order, %d lost", pings, late, f.dropped)
}

// TestSimulatedTrucksReachTheirJobs runs the fleet against an instance:
// trucks of booked jobs make them en_route, give them ETAs and put them
// on_site, then complete them.
func TestSimulatedTrucksReachTheirJobs(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	base := codecs.GeoPoint{Lat: 51.55, Lon: -0.12}
	_, out := in.post(t, "/v1/tenants/acme/tradespeople", map[string]any{"id": "ana", "name": "Ana",
		"trades": []string{"plumber"}, "base": base, "radius_km": 30})
	require.NotNil(t, out)
	waitTP(t, in, "acme", "ana")
	time.Sleep(100 * time.Millisecond)
	b := jobBody("t1", 7)
	b["mode"] = "auto"
	st, _ := in.post(t, "/v1/tenants/acme/jobs", b)
	require.Equal(t, 202, st)
	in.waitJob(t, "acme", "t1", func(j *codecs.Job) bool { return j.Status == codecs.StatusBooked }, "booked")

	f := newFleet(rand.New(rand.NewPCG(3, 4)))
	f.warp = 100 // 7 km at 30–60 km/h in a few seconds
	f.add("acme", "t1", "ana", base, codecs.GeoPoint{Lat: 51.5, Lon: -0.12}, time.Now().UTC())
	sawETA := false
	eventually(t, 60*time.Second, func() bool {
		cmds, pings := f.step(time.Now().UTC())
		for _, c := range cmds {
			require.NoError(t, in.app.emitter.Emit(context.Background(), c.TenantID, c))
		}
		if len(pings) > 0 {
			require.NoError(t, in.app.emitter.EmitLocations(context.Background(), pings))
		}
		j := in.job(t, "acme", "t1")
		sawETA = sawETA || j.ETA != nil
		return j.Status == codecs.StatusCompleted
	}, "the truck's job completed")
	j := in.job(t, "acme", "t1")
	var statuses []string
	for _, s := range j.StatusHistory {
		statuses = append(statuses, s.Status)
	}
	assert.Subset(t, statuses, []string{codecs.StatusEnRoute, codecs.StatusOnSite, codecs.StatusCompleted})
	assert.True(t, sawETA || len(f.active) == 0, "an ETA showed on the way")
	waitNotification(t, in, "customers/cust-1", "arrived-t1-")
}
