package main

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// TestPostedJobsAreOfferedToTheNearestTradespeople registers tradespeople
// around London, posts a job, and reads the job_offer notifications and
// the job's offered_to; an "auto" job is booked with the best one and
// an "auto" job nobody can take needs attention.
func TestPostedJobsAreOfferedToTheNearestTradespeople(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	base := "/v1/tenants/acme"
	tp := func(id string, lat, lon, radius float64, trades ...string) {
		st, body := in.post(t, base+"/tradespeople", map[string]any{"id": id, "name": id, "trades": trades,
			"base": map[string]any{"lat": lat, "lon": lon}, "radius_km": radius})
		require.Equal(t, http.StatusAccepted, st, body)
	}
	tp("near", 51.51, -0.12, 20, "plumber")
	tp("nearer", 51.501, -0.121, 20, "plumber", "hvac")
	tp("far", 51.7, -0.12, 30, "plumber")
	tp("small-radius", 51.56, -0.12, 2, "plumber")
	tp("painter", 51.5, -0.12, 20, "painter")
	waitTP(t, in, "acme", "painter")
	time.Sleep(100 * time.Millisecond) // index updates trail the profiles by one hop

	st, _ := in.post(t, base+"/jobs", jobBody("j1", 7)) // plumber at 51.5,-0.12, Monday 08:00–17:00
	require.Equal(t, http.StatusAccepted, st)
	j := in.waitJob(t, "acme", "j1", func(j *codecs.Job) bool { return len(j.OfferedTo) > 0 }, "matched")
	assert.Equal(t, []string{"nearer", "near", "far"}, j.OfferedTo)
	assert.Equal(t, codecs.StatusPosted, j.Status, "a bid job waits for bids")

	var notes []codecs.Notification
	eventually(t, 10*time.Second, func() bool {
		resp, err := http.Get(in.url + base + "/tradespeople/nearer/notifications")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(&notes) == nil && len(notes) == 1
	}, "a job_offer notification")
	assert.Equal(t, "job_offer", notes[0].Kind)
	assert.Equal(t, "j1", notes[0].JobID)
	resp, err := http.Get(in.url + base + "/tradespeople/painter/notifications")
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&notes))
	resp.Body.Close()
	assert.Empty(t, notes, "another trade hears nothing")

	auto := jobBody("j2", 8)
	auto["mode"] = "auto"
	st, _ = in.post(t, base+"/jobs", auto)
	require.Equal(t, http.StatusAccepted, st)
	j2 := in.waitJob(t, "acme", "j2", func(j *codecs.Job) bool { return j.Status == codecs.StatusBooked }, "auto booked")
	assert.Equal(t, "nearer", *j2.AssignedTradespersonID, "every candidate starts at 08:00: the nearest wins")
	assert.Equal(t, time.Date(2030, 1, 8, 8, 0, 0, 0, time.UTC), j2.Appointment.Start)

	nobody := jobBody("j3", 8)
	nobody["mode"], nobody["trade"] = "auto", "roofer"
	st, _ = in.post(t, base+"/jobs", nobody)
	require.Equal(t, http.StatusAccepted, st)
	j3 := in.waitJob(t, "acme", "j3", func(j *codecs.Job) bool { return j.Status == codecs.StatusNeedsAttention }, "needs attention")
	require.NotNil(t, j3.AttentionReason)
	assert.Contains(t, *j3.AttentionReason, "no tradesperson")
}
