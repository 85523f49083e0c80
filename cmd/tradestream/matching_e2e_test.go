package main

import (
	"encoding/json"
	"net/http"
	"slices"
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

// TestABidJobIsNotOfferedToATradespersonBookedForItsWholeWindow books the
// nearest plumber for a Monday morning with an auto job, then posts a bid
// job for the same morning: only the plumber with a free slot hears of it,
// while a job on Tuesday is offered to both again.
func TestABidJobIsNotOfferedToATradespersonBookedForItsWholeWindow(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	base := "/v1/tenants/acme"
	for _, tp := range []struct {
		id  string
		lat float64
	}{{"nearer", 51.501}, {"near", 51.51}} {
		st, body := in.post(t, base+"/tradespeople", map[string]any{"id": tp.id, "name": tp.id, "trades": []string{"plumber"},
			"base": map[string]any{"lat": tp.lat, "lon": -0.12}, "radius_km": 20})
		require.Equal(t, http.StatusAccepted, st, body)
	}
	waitTP(t, in, "acme", "near")
	time.Sleep(100 * time.Millisecond) // index updates trail the profiles by one hop

	morning := func(id string, day int, mode string) map[string]any {
		b := jobBody(id, day) // 08:00–17:00
		start := time.Date(2030, 1, day, 8, 0, 0, 0, time.UTC)
		b["window"] = map[string]any{"earliest_start": start, "latest_end": start.Add(2 * time.Hour)}
		b["duration_minutes"], b["mode"] = 120, mode
		return b
	}
	st, _ := in.post(t, base+"/jobs", morning("busy", 7, "auto"))
	require.Equal(t, http.StatusAccepted, st)
	j := in.waitJob(t, "acme", "busy", func(j *codecs.Job) bool { return j.Status == codecs.StatusBooked }, "auto booked")
	require.Equal(t, "nearer", *j.AssignedTradespersonID)
	eventually(t, 10*time.Second, func() bool {
		tp := view[struct {
			Schedule []struct{ JobID string } `json:"schedule"`
		}](t, in, "acme", "tradespeople/nearer")
		return tp != nil && len(tp.Schedule) == 1
	}, "the booking in nearer's schedule")
	// No wait needed: the job probes nearer's calendar after the booking.

	st, _ = in.post(t, base+"/jobs", morning("same-morning", 7, "bid"))
	require.Equal(t, http.StatusAccepted, st)
	j = in.waitJob(t, "acme", "same-morning", func(j *codecs.Job) bool { return len(j.OfferedTo) > 0 }, "matched")
	assert.Equal(t, []string{"near"}, j.OfferedTo, "nearer has no free slot in 08:00–10:00 on Monday")

	st, _ = in.post(t, base+"/jobs", morning("tuesday", 8, "bid"))
	require.Equal(t, http.StatusAccepted, st)
	j = in.waitJob(t, "acme", "tuesday", func(j *codecs.Job) bool { return len(j.OfferedTo) > 0 }, "matched")
	assert.Equal(t, []string{"nearer", "near"}, j.OfferedTo, "on Tuesday both are free")
}

// TestABidJobNobodyHasRoomForIsOfferedToATradespersonWhoJoinsLater posts a
// bid job for a morning its only candidate is booked for: the job's
// calendar probes find no room, it goes back to wait in its cell, and the
// tradesperson who signs up next in range is offered it.
func TestABidJobNobodyHasRoomForIsOfferedToATradespersonWhoJoinsLater(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	base := "/v1/tenants/acme"
	signUp := func(id string, lat float64) {
		in.accept(t, "POST", base+"/tradespeople", map[string]any{"id": id, "name": id, "trades": []string{"plumber"},
			"base": map[string]any{"lat": lat, "lon": -0.12}, "radius_km": 20})
		waitTP(t, in, "acme", id)
	}
	signUp("solo", 51.501)
	time.Sleep(100 * time.Millisecond) // index updates trail the profiles by one hop
	morning := func(id, mode string) map[string]any {
		b := jobBody(id, 7)
		start := time.Date(2030, 1, 7, 8, 0, 0, 0, time.UTC)
		b["window"] = map[string]any{"earliest_start": start, "latest_end": start.Add(2 * time.Hour)}
		b["duration_minutes"], b["mode"] = 120, mode
		return b
	}
	in.accept(t, "POST", base+"/jobs", morning("busy", "auto"))
	j := in.waitJob(t, "acme", "busy", func(j *codecs.Job) bool { return j.Status == codecs.StatusBooked }, "auto booked")
	require.Equal(t, "solo", *j.AssignedTradespersonID)

	in.accept(t, "POST", base+"/jobs", morning("waits", "bid"))
	// Its candidate list comes back with no room: the job records the
	// probe's answer (a new version) and stays posted, offered to nobody.
	j = in.waitJob(t, "acme", "waits", func(j *codecs.Job) bool { return j.Version > 1 }, "the candidates probed")
	require.Empty(t, j.OfferedTo, "solo has no room on Monday morning")
	require.Equal(t, codecs.StatusPosted, j.Status)

	signUp("later", 51.51)
	j = in.waitJob(t, "acme", "waits", func(j *codecs.Job) bool { return len(j.OfferedTo) > 0 }, "offered to the newcomer")
	assert.Equal(t, []string{"later"}, j.OfferedTo)
	eventually(t, 30*time.Second, func() bool {
		notes := view[[]codecs.Notification](t, in, "acme", "tradespeople/later/notifications")
		return notes != nil && slices.ContainsFunc(*notes, func(n codecs.Notification) bool {
			return n.Kind == "job_offer" && n.JobID == "waits"
		})
	}, "the newcomer's job_offer")
	if solo := view[[]codecs.Notification](t, in, "acme", "tradespeople/solo/notifications"); solo != nil {
		assert.False(t, slices.ContainsFunc(*solo, func(n codecs.Notification) bool { return n.JobID == "waits" }), "solo was never offered it")
	}
}
