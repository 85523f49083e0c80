package main

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/state"
)

// clock is a settable clock for the API: the accepted time of commands.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time)         { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func mon(h, m int) time.Time             { return time.Date(2030, 1, 7, h, m, 0, 0, time.UTC) }
func tue(h, m int) time.Time             { return mon(h, m).AddDate(0, 0, 1) }
func fptr(v float64) *float64            { return &v }
func dayOf(date string) state.InsightDay { return state.InsightDay{Date: date} }

func insightsOf(t *testing.T, in *instance, tenant, from, to string) []state.InsightDay {
	t.Helper()
	resp, err := http.Get(in.url + "/v1/tenants/" + tenant + "/insights?from=" + from + "&to=" + to)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var body struct{ Days []state.InsightDay }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return body.Days
}

// waitDay waits until the day's insights equal want.
func waitDay(t *testing.T, in *instance, want state.InsightDay, what string) {
	t.Helper()
	var got state.InsightDay
	eventually(t, 30*time.Second, func() bool {
		got = insightsOf(t, in, "kpi", want.Date, want.Date)[0]
		return assert.ObjectsAreEqual(want, got)
	}, "insights %s: %s (last %+v)", want.Date, what, &got)
}

// TestInsightsScenarioMatchesTheHandComputedFixture runs two days of a
// tenant through the real groups — jobs posted, booked, reported, rated,
// cancelled, paid and refunded — with a clock under the test's control, an
// out-of-order report within the grace period and two reports after the
// day closed, and compares GET .../insights with numbers computed by hand.
func TestInsightsScenarioMatchesTheHandComputedFixture(t *testing.T) {
	clk := &clock{t: mon(6, 0)}
	env := newTestEnv(t)
	start := func() *instance {
		cfg := env.config(t, "a", t.TempDir())
		cfg.now = clk.now
		return env.startConfig(t, cfg, nil)
	}
	in := start()
	base := "/v1/tenants/kpi"
	for _, id := range []string{"ana", "ben"} {
		mustPost(t, in, base+"/tradespeople", map[string]any{"id": id, "name": id, "trades": []string{"plumber"},
			"base": map[string]any{"lat": 51.5, "lon": -0.12}, "radius_km": 30})
		waitTP(t, in, "kpi", id)
	}

	// Monday 7 January 2030.
	clk.set(mon(7, 0))
	for _, id := range []string{"j1", "j2", "j3", "j4", "jL"} {
		mustPost(t, in, base+"/jobs", jobBody(id, 7))
	}
	require.Equal(t, mon(8, 0), bookWith(t, in, "kpi", "j1", "ana").Appointment.Start)
	require.Equal(t, mon(8, 0), bookWith(t, in, "kpi", "j2", "ben").Appointment.Start)
	require.Equal(t, mon(9, 0), bookWith(t, in, "kpi", "j3", "ana").Appointment.Start)
	require.Equal(t, mon(9, 0), bookWith(t, in, "kpi", "jL", "ben").Appointment.Start)
	report(t, in, "kpi", "j1", mon(7, 50), mon(8, 5), mon(9, 5))     // 5 min late; 60 min on site
	report(t, in, "kpi", "j2", mon(7, 55), mon(8, 25), mon(10, 25))  // 25 min late; 120 min
	report(t, in, "kpi", "j3", mon(8, 50), mon(8, 55), time.Time{})  // 5 min early; completed later
	report(t, in, "kpi", "jL", mon(8, 55), time.Time{}, time.Time{}) // on site and completed: reported too late
	clk.set(mon(10, 0))
	mustPost(t, in, base+"/jobs/j1/feedback", map[string]any{"rating": 5})
	clk.set(mon(10, 30))
	mustPost(t, in, base+"/jobs/j1/payments", map[string]any{"payment_id": "p1", "event": "captured", "amount_minor": 10000, "currency": "GBP"})
	clk.set(mon(11, 0))
	mustPost(t, in, base+"/jobs/j2/feedback", map[string]any{"rating": 2})
	clk.set(mon(11, 30))
	mustPost(t, in, base+"/jobs/j2/payments", map[string]any{"payment_id": "p2", "event": "captured", "amount_minor": 8000, "currency": "GBP"})
	clk.set(mon(12, 0))
	mustPost(t, in, base+"/jobs/j4/cancel", map[string]any{"reason": "sold the house"})
	clk.set(mon(12, 30))
	mustPost(t, in, base+"/jobs/j2/payments", map[string]any{"payment_id": "p2", "event": "refunded", "amount_minor": 3000, "currency": "GBP"})

	monday := state.InsightDay{Date: "2030-01-07",
		JobsPosted: 5, JobsCancelled: 1, // j1 j2 j3 j4 jL; j4
		JobsCompleted:   2,          // j1 j2 so far
		AvgDelayMinutes: fptr(10),   // arrivals j1 5, j2 25, j3 0 (early): 30 / 3
		OnTimeRate:      fptr(0.67), // j1 and j3 within 10 min: 2/3 = 0.666… → 0.67
		AvgRating:       fptr(3.5),  // (5 + 2) / 2
		HoursWorked:     3,          // j1 60 + j2 120 = 180 min
		RevenueMinor:    15000,      // 10000 + 8000 − 3000
	}
	waitDay(t, in, monday, "Monday as it happened")

	// Tuesday 00:20: stream time moves into Tuesday; Monday is open until
	// 01:00 (grace), so j3's completion at Monday 09:40, reported now, counts.
	clk.set(tue(0, 20))
	mustPost(t, in, base+"/jobs", jobBody("j6", 8))
	waitDay(t, in, state.InsightDay{Date: "2030-01-08", JobsPosted: 1}, "j6 posted")
	report(t, in, "kpi", "j3", time.Time{}, time.Time{}, mon(9, 40))
	monday.JobsCompleted = 3  // + j3
	monday.HoursWorked = 3.75 // + j3 45 min: 225 min
	waitDay(t, in, monday, "j3's out-of-order completion counted")

	// Tuesday 07:00: Monday closes (stream time ≥ Tuesday 01:00).
	clk.set(tue(7, 0))
	mustPost(t, in, base+"/jobs", jobBody("j5", 8))
	monday.Final = true
	waitDay(t, in, monday, "Monday final")
	// jL's reports for Monday come after it closed: late, not counted.
	report(t, in, "kpi", "jL", time.Time{}, mon(9, 10), mon(10, 0))
	late := waitLate(t, env, 2)
	assert.ElementsMatch(t, []string{"jL/arrived", "jL/completed"}, late)

	require.Equal(t, tue(8, 0), bookWith(t, in, "kpi", "j5", "ana").Appointment.Start)
	report(t, in, "kpi", "j5", tue(7, 50), tue(8, 12), tue(9, 12)) // 12 min late; 60 min
	clk.set(tue(10, 0))
	mustPost(t, in, base+"/jobs/j5/feedback", map[string]any{"rating": 4})
	clk.set(tue(10, 30))
	mustPost(t, in, base+"/jobs/j5/payments", map[string]any{"payment_id": "p5", "event": "captured", "amount_minor": 6000, "currency": "GBP"})
	tuesday := state.InsightDay{Date: "2030-01-08",
		JobsPosted: 2, JobsCompleted: 1, // j6 j5; j5
		AvgDelayMinutes: fptr(12), // j5: 12 / 1
		OnTimeRate:      fptr(0),  // 12 min > 10: 0 / 1
		AvgRating:       fptr(4),  // 4 / 1
		HoursWorked:     1,        // 60 min
		RevenueMinor:    6000,
	}
	waitDay(t, in, tuesday, "Tuesday as it happened")

	// Wednesday 02:00: Tuesday closes.
	clk.set(tue(26, 0))
	mustPost(t, in, base+"/jobs", jobBody("j9", 9))
	tuesday.Final = true
	waitDay(t, in, tuesday, "Tuesday final")

	sunday := dayOf("2030-01-06")
	sunday.Final = true // nothing happened, and stream time is past its end + grace
	wednesday := dayOf("2030-01-09")
	wednesday.JobsPosted = 1
	assert.Equal(t, []state.InsightDay{sunday, monday, tuesday, wednesday}, insightsOf(t, in, "kpi", "2030-01-06", "2030-01-09"))

	// Ana's week (ISO 2030-W02, the clock's): j1, j3 and j5 completed, one
	// hour each, in 50 working hours (Mon–Fri 08:00–18:00).
	type stats struct {
		JobsCompleted int64    `json:"jobs_completed"`
		Week          string   `json:"week"`
		BookedHours   float64  `json:"booked_hours"`
		WorkingHours  float64  `json:"working_hours"`
		Utilisation   *float64 `json:"utilisation"`
	}
	var ana *struct{ Stats stats }
	eventually(t, 30*time.Second, func() bool {
		ana = view[struct{ Stats stats }](t, in, "kpi", "tradespeople/ana")
		return ana.Stats.JobsCompleted == 3
	}, "ana's three completions")
	assert.Equal(t, stats{JobsCompleted: 3, Week: "2030-W02", BookedHours: 3, WorkingHours: 50, Utilisation: fptr(0.06)}, ana.Stats)

	j := in.job(t, "kpi", "jL")
	assert.Equal(t, codecs.StatusCompleted, j.Status, "a late report still moves the job; only insights leave it out")

	// A data engineer reprocesses the insights from the start: the same
	// finals (the replay reads the merged log in its first order).
	want := []state.InsightDay{sunday, monday, tuesday, wednesday}
	require.NoError(t, in.stop())
	code, out, stderr := runCLI(t, "replay", "--brokers", env.brokers, "--topic-prefix", env.prefix, "--group", "insights,insight-days")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "tradestream.insights-loop", "the loopback is replayed too")
	again := start()
	var got []state.InsightDay
	eventually(t, 60*time.Second, func() bool {
		got = insightsOf(t, again, "kpi", "2030-01-06", "2030-01-09")
		return assert.ObjectsAreEqual(want, got)
	}, "the replayed insights equal the first ones (last %+v)", got)
}

// waitLate waits until the insights late topic holds n records and returns
// their ids.
func waitLate(t *testing.T, env *testEnv, n int) []string {
	t.Helper()
	cat, err := catalog(env.config(t, "reader", ""))
	require.NoError(t, err)
	var ids []string
	eventually(t, 30*time.Second, func() bool {
		ids = ids[:0]
		for _, m := range readAll(t, env.brokers, string(cat.InsightsLate.Topic)) {
			r, err := cat.InsightsLate.Avro.Unmarshal(m.Value)
			require.NoError(t, err)
			ids = append(ids, r.ID)
		}
		return len(ids) >= n
	}, "%d late records", n)
	return ids
}
