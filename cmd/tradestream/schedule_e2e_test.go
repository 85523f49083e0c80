package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// monday0800 is Monday 7 January 2030, 08:00 UTC.
var monday0800 = time.Date(2030, 1, 7, 8, 0, 0, 0, time.UTC)

// TestSchedulingBooksCancelsReschedulesAndFollowsDependencies walks the
// scheduling engine over HTTP: accepting bids books the bidder at the
// earliest free slot, a cancel frees the slot for the next booking, a
// reschedule books again or needs attention, an auto job takes the
// candidate with the earliest start, dependents wait for and follow their
// dependencies, and a dependency cycle is refused.
func TestSchedulingBooksCancelsReschedulesAndFollowsDependencies(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	base := "/v1/tenants/acme"
	must := func(path string, body any) {
		t.Helper()
		st, out := in.post(t, path, body)
		require.Equal(t, http.StatusAccepted, st, "%s: %v", path, out)
	}
	must(base+"/tradespeople", map[string]any{"id": "ana", "name": "Ana", "trades": []string{"plumber"},
		"base": map[string]any{"lat": 51.5, "lon": -0.12}, "radius_km": 30})
	must(base+"/tradespeople", map[string]any{"id": "ben", "name": "Ben", "trades": []string{"plumber"},
		"base": map[string]any{"lat": 51.52, "lon": -0.12}, "radius_km": 30})
	waitTP(t, in, "acme", "ben")
	time.Sleep(100 * time.Millisecond) // index updates and profiles trail the table by one hop

	job := func(id string, day int, mode string, deps ...string) map[string]any {
		b := jobBody(id, 7+day)
		b["mode"] = mode
		if len(deps) > 0 {
			b["depends_on"] = deps
		}
		return b
	}
	booked := func(id string) *codecs.Job {
		t.Helper()
		return in.waitJob(t, "acme", id, func(j *codecs.Job) bool { return j.Status == codecs.StatusBooked }, "booked")
	}
	bidAndAccept := func(id, tp string) {
		t.Helper()
		// The jobs group sees profiles through a lookup that may trail the
		// profile by a fetch: a bid refused for an unknown bidder is retried.
		for try := 0; ; try++ {
			bid := fmt.Sprintf("b-%s-%d", id, try)
			st, out := in.post(t, base+"/jobs/"+id+"/bids", map[string]any{"id": bid, "tradesperson_id": tp, "currency": "GBP",
				"lines": []map[string]any{{"kind": "labor", "amount_minor": 5000}}})
			require.Equal(t, http.StatusAccepted, st, out)
			j := in.waitJob(t, "acme", id, func(j *codecs.Job) bool {
				return len(j.Bids) == 1 || (j.LastRejection != nil && j.LastRejection.CommandID == out["command_id"])
			}, "bid")
			if len(j.Bids) == 1 {
				must(base+"/jobs/"+id+"/accept", map[string]any{"bid_id": bid})
				return
			}
			require.Less(t, try, 50, "the jobs group never saw %s", tp)
			time.Sleep(20 * time.Millisecond)
		}
	}

	// Accepting a bid books the bidder at the earliest free slot.
	must(base+"/jobs", job("j1", 0, "bid"))
	must(base+"/jobs", job("j2", 0, "bid"))
	bidAndAccept("j1", "ana")
	j1 := booked("j1")
	assert.Equal(t, codecs.Appointment{Start: monday0800, End: monday0800.Add(time.Hour)}, *j1.Appointment)
	bidAndAccept("j2", "ana")
	j2 := booked("j2")
	assert.Equal(t, monday0800.Add(time.Hour), j2.Appointment.Start, "right after j1, same place: no travel")
	waitSchedule(t, in, "ana", []scheduleRow{{"j1", monday0800, monday0800.Add(time.Hour)},
		{"j2", monday0800.Add(time.Hour), monday0800.Add(2 * time.Hour)}})

	// A cancel frees the slot at once: the next booking takes it.
	must(base+"/jobs/j1/cancel", map[string]any{"reason": "fixed it myself"})
	in.waitJob(t, "acme", "j1", func(j *codecs.Job) bool { return j.Status == codecs.StatusCancelled }, "cancelled")
	must(base+"/jobs", job("j3", 0, "bid"))
	bidAndAccept("j3", "ana")
	assert.Equal(t, monday0800, booked("j3").Appointment.Start, "j1's freed slot")
	waitNotification(t, in, "customers/cust-1", "cancelled-j1-")
	waitNotification(t, in, "tradespeople/ana", "cancelled-j1-")

	// A reschedule books inside the new window, or needs attention.
	tuesday := map[string]any{"earliest_start": monday0800.AddDate(0, 0, 1), "latest_end": monday0800.AddDate(0, 0, 1).Add(9 * time.Hour)}
	must(base+"/jobs/j2/reschedule", map[string]any{"window": tuesday})
	j2 = in.waitJob(t, "acme", "j2", func(j *codecs.Job) bool {
		return j.Status == codecs.StatusBooked && j.Appointment.Start.Equal(monday0800.AddDate(0, 0, 1))
	}, "rebooked on Tuesday")
	waitNotification(t, in, "customers/cust-1", "rescheduled-j2-")
	waitNotification(t, in, "tradespeople/ana", "rescheduled-j2-")
	saturday := map[string]any{"earliest_start": monday0800.AddDate(0, 0, 5), "latest_end": monday0800.AddDate(0, 0, 5).Add(9 * time.Hour)}
	must(base+"/jobs/j2/reschedule", map[string]any{"window": saturday})
	j2 = in.waitJob(t, "acme", "j2", func(j *codecs.Job) bool { return j.Status == codecs.StatusNeedsAttention }, "no Saturday work")
	require.NotNil(t, j2.AttentionReason)
	assert.Contains(t, *j2.AttentionReason, "cannot book inside the new window")
	assert.Nil(t, j2.Appointment)
	waitSchedule(t, in, "ana", []scheduleRow{{"j3", monday0800, monday0800.Add(time.Hour)}})

	// An auto job takes the candidate with the earliest start: Ana is
	// nearer but busy at 08:00, Ben is free.
	must(base+"/jobs", job("a1", 0, "auto"))
	a1 := booked("a1")
	assert.Equal(t, "ben", *a1.AssignedTradespersonID)
	assert.Equal(t, monday0800, a1.Appointment.Start)

	// A dependent waits for its dependency (posted after it), starts after
	// it ends, follows it when it moves, and needs attention when it is cancelled.
	must(base+"/jobs", job("d2", 2, "auto", "d1"))
	in.waitJob(t, "acme", "d2", func(j *codecs.Job) bool { return j.Status == codecs.StatusWaitingDependencies }, "waiting")
	must(base+"/jobs", job("d1", 2, "auto"))
	d1 := booked("d1")
	d2 := booked("d2")
	assert.False(t, d2.Appointment.Start.Before(d1.Appointment.End), "d2 %v starts after d1 %v", d2.Appointment, d1.Appointment)
	later := map[string]any{"earliest_start": d2.Appointment.End, "latest_end": d2.Appointment.End.Add(5 * time.Hour)}
	must(base+"/jobs/d1/reschedule", map[string]any{"window": later})
	d1 = in.waitJob(t, "acme", "d1", func(j *codecs.Job) bool {
		return j.Status == codecs.StatusBooked && !j.Appointment.Start.Before(later["earliest_start"].(time.Time))
	}, "d1 later")
	d2 = in.waitJob(t, "acme", "d2", func(j *codecs.Job) bool {
		return j.Status == codecs.StatusBooked && !j.Appointment.Start.Before(d1.Appointment.End)
	}, "d2 moved after d1")
	must(base+"/jobs/d1/cancel", map[string]any{})
	d2 = in.waitJob(t, "acme", "d2", func(j *codecs.Job) bool { return j.Status == codecs.StatusNeedsAttention }, "d2 needs attention")
	assert.Contains(t, *d2.AttentionReason, "dependency d1 was cancelled")

	// A cycle is refused at posting.
	must(base+"/jobs", job("c1", 3, "bid", "c2"))
	must(base+"/jobs", job("c2", 3, "bid", "c1"))
	c2 := in.waitJob(t, "acme", "c2", func(j *codecs.Job) bool { return j.Status == codecs.StatusCancelled }, "cycle refused")
	require.NotNil(t, c2.LastRejection)
	assert.Equal(t, "dependency_cycle", c2.LastRejection.Code)
	assert.Contains(t, c2.LastRejection.Reason, "c2 → c1 → c2")
	in.waitJob(t, "acme", "c1", func(j *codecs.Job) bool { return j.Status == codecs.StatusNeedsAttention }, "c1 lost its dependency")
}

type scheduleRow struct {
	JobID      string    `json:"job_id"`
	Start, End time.Time `json:"-"`
}

// waitSchedule waits until a tradesperson's schedule is want (the view
// trails the bookings), and fails with the last one read.
func waitSchedule(t *testing.T, in *instance, tp string, want []scheduleRow) {
	t.Helper()
	var rows []scheduleRow
	eventually(t, 30*time.Second, func() bool {
		resp, err := http.Get(in.url + "/v1/tenants/acme/tradespeople/" + tp)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var v struct {
			Schedule []struct {
				JobID string    `json:"job_id"`
				Start time.Time `json:"start"`
				End   time.Time `json:"end"`
			} `json:"schedule"`
		}
		if json.NewDecoder(resp.Body).Decode(&v) != nil {
			return false
		}
		rows = rows[:0]
		for _, s := range v.Schedule {
			rows = append(rows, scheduleRow{s.JobID, s.Start, s.End})
		}
		return slices.EqualFunc(rows, want, func(a, b scheduleRow) bool {
			return a.JobID == b.JobID && a.Start.Equal(b.Start) && a.End.Equal(b.End)
		})
	}, "the schedule of %s to be %v (last read: %v)", tp, want, &rows)
}

// waitNotification waits for a notification whose id starts with prefix in
// a recipient's list ("customers/<id>" or "tradespeople/<id>").
func waitNotification(t *testing.T, in *instance, who, prefix string) {
	t.Helper()
	eventually(t, 10*time.Second, func() bool {
		resp, err := http.Get(in.url + "/v1/tenants/acme/" + who + "/notifications")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var items []codecs.Notification
		if json.NewDecoder(resp.Body).Decode(&items) != nil {
			return false
		}
		for _, n := range items {
			if len(n.ID) >= len(prefix) && n.ID[:len(prefix)] == prefix {
				return true
			}
		}
		return false
	}, "notification %s for %s", prefix, who)
}
