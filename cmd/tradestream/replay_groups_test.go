package main

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// TestReplayOfEveryGroupReproducesTheViews runs a marketplace day
// (profiles, pricing, a promo redeemed by an accepted bid, auto bookings
// with a dependency, a bid job offered only where a calendar has room, a
// cancel, field reports, feedback, a payment, a chat, and a job tracked on
// its way until it arrives), stops, replays every processor group from
// earliest (`replay --group all`), and checks that the restarted instance
// serves the same tradespeople (with their schedules from the calendars and
// their insight stats), promo, notifications, jobs (offers, ETAs), payment,
// conversation and daily insights, and that the tracking table is the same.
// The replayed groups send their outputs again: every receiver must treat
// them as redeliveries.
func TestReplayOfEveryGroupReproducesTheViews(t *testing.T) {
	env := newTestEnv(t)
	dir := t.TempDir()
	today := time.Now().UTC()
	in := env.start(t, "a", dir)
	base := "/v1/tenants/acme"
	must := func(method, path string, body any) { t.Helper(); in.accept(t, method, path, body) }
	must("POST", base+"/tradespeople", map[string]any{"id": "ana", "name": "Ana", "trades": []string{"plumber"},
		"base": map[string]any{"lat": 51.5, "lon": -0.12}, "radius_km": 30})
	must("POST", base+"/tradespeople", map[string]any{"id": "ben", "name": "Ben", "trades": []string{"plumber", "hvac"},
		"base": map[string]any{"lat": 51.52, "lon": -0.12}, "radius_km": 30})
	must("PUT", base+"/pricing", map[string]any{"tax_bps": 2000, "platform_fee_bps": 1500})
	must("POST", base+"/promos", map[string]any{"code": "SPRING", "percent_off": 10, "max_redemptions": 5,
		"valid_from": time.Now().Add(-time.Hour).UTC(), "valid_to": time.Now().Add(time.Hour).UTC()})
	waitTP(t, in, "acme", "ben")
	time.Sleep(100 * time.Millisecond) // index updates and profiles trail the table by one hop

	bidJob := jobBody("bid", 7)
	bidJob["promo_code"] = "SPRING"
	must("POST", base+"/jobs", bidJob)
	for try := 0; ; try++ { // the jobs group's profile lookup may trail the profile
		id := "b" + string(rune('0'+try))
		must("POST", base+"/jobs/bid/bids", map[string]any{"id": id, "tradesperson_id": "ana", "currency": "GBP",
			"lines": []map[string]any{{"kind": "labor", "amount_minor": 10000}}})
		j := in.waitJob(t, "acme", "bid", func(j *codecs.Job) bool { return len(j.Bids) == 1 || j.LastRejection != nil }, "bid")
		if len(j.Bids) == 1 {
			must("POST", base+"/jobs/bid/accept", map[string]any{"bid_id": id})
			break
		}
		require.Less(t, try, 9, "the jobs group never saw ana")
		time.Sleep(50 * time.Millisecond)
	}
	in.waitJob(t, "acme", "bid", func(j *codecs.Job) bool { return j.Status == codecs.StatusBooked }, "accepted and booked")

	auto := func(id string, day int, deps ...string) {
		b := jobBody(id, day)
		b["mode"] = "auto"
		if len(deps) > 0 {
			b["depends_on"] = deps
		}
		must("POST", base+"/jobs", b)
	}
	auto("first", 8)
	auto("after", 8, "first")
	auto("gone", 9)
	for _, id := range []string{"first", "after", "gone"} {
		in.waitJob(t, "acme", id, func(j *codecs.Job) bool { return j.Status == codecs.StatusBooked }, "booked")
	}
	// gone holds ana's first hour of day 9: a bid job in that hour is
	// offered to ben only. gone's cancel then frees ana, and the job,
	// offered to fewer than five, waits in its cell: a later change of
	// ana's profile tops it up with her (the replay must do the same).
	gone := in.waitJob(t, "acme", "gone", func(j *codecs.Job) bool { return j.Appointment != nil }, "booked")
	require.Equal(t, "ana", *gone.AssignedTradespersonID)
	busy := jobBody("busy", 9)
	busy["window"] = map[string]any{"earliest_start": gone.Appointment.Start, "latest_end": gone.Appointment.End}
	must("POST", base+"/jobs", busy)
	j := in.waitJob(t, "acme", "busy", func(j *codecs.Job) bool { return len(j.OfferedTo) > 0 }, "offered")
	require.Equal(t, []string{"ben"}, j.OfferedTo, "ana's calendar has no room")
	must("POST", base+"/jobs/gone/cancel", map[string]any{"reason": "sold the house"})
	in.waitJob(t, "acme", "gone", func(j *codecs.Job) bool { return j.Status == codecs.StatusCancelled }, "cancelled")

	// The field, the money and the chat: insights, insight-days and
	// conversations have inputs to replay too.
	day := func(h, m int) time.Time { return time.Date(2030, 1, 8, h, m, 0, 0, time.UTC) }
	first := in.job(t, "acme", "first")
	require.Equal(t, day(8, 0), first.Appointment.Start, "first is booked at 08:00 on its day")
	report(t, in, "acme", "first", day(7, 50), day(8, 5), day(9, 5))
	must("POST", base+"/jobs/first/feedback", map[string]any{"rating": 4, "comment": "tidy"})
	must("POST", base+"/jobs/first/payments", map[string]any{"payment_id": "pay-1", "event": "captured", "amount_minor": 12000, "currency": "GBP"})
	must("POST", base+"/jobs/bid/messages", map[string]any{"from": "customer", "text": "The gate code is 1234."})
	must("POST", base+"/jobs/bid/messages", map[string]any{"from": "tradesperson", "text": "Thanks, see you then."})
	in.waitJob(t, "acme", "first", func(j *codecs.Job) bool { return j.Feedback != nil }, "feedback given")

	// On the way to "after": pings become its ETA, then it arrives.
	tp := *in.job(t, "acme", "after").AssignedTradespersonID
	start := time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Second)
	ping := func(km float64, when time.Time) { must("POST", base+"/locations", []any{pingJSON(tp, km, when)}) }
	in.enRoute(t, "acme", "after", tp, start, 5)
	ping(3, start.Add(2*time.Minute))
	in.waitJob(t, "acme", "after", func(j *codecs.Job) bool { return j.ETA != nil && j.ETA.UpdatedAt.Equal(start.Add(2*time.Minute)) }, "an ETA")
	ping(0.05, start.Add(4*time.Minute))
	in.waitJob(t, "acme", "after", func(j *codecs.Job) bool { return j.Status == codecs.StatusOnSite }, "arrived")

	paths := []string{"tradespeople/ana", "tradespeople/ben", "promos/SPRING",
		"tradespeople/ana/notifications", "tradespeople/ben/notifications", "customers/cust-1/notifications",
		"jobs/bid", "jobs/first", "jobs/after", "jobs/gone", "jobs/busy", "payments/pay-1", "jobs/bid/messages",
		"insights?from=2030-01-07&to=2030-01-09", "insights?from=" + today.AddDate(0, 0, -1).Format(time.DateOnly) +
			"&to=" + today.AddDate(0, 0, 1).Format(time.DateOnly)}
	snapshot := func(in *instance) map[string]string {
		m := map[string]string{}
		for _, p := range paths {
			m[p] = rawView(t, in, base+"/"+p)
		}
		return m
	}
	// Internal records may still be changing the views: take the snapshot
	// once two reads 300 ms apart agree.
	var before map[string]string
	eventually(t, 30*time.Second, func() bool {
		a := snapshot(in)
		time.Sleep(300 * time.Millisecond)
		before = snapshot(in)
		return maps.Equal(a, before)
	}, "the views settled")
	require.Contains(t, before["tradespeople/ana"], `"job_id":"bid"`, "ana's schedule holds the accepted job")
	require.Contains(t, before["promos/SPRING"], `"redemptions":1`)
	require.Contains(t, before["jobs/bid/messages"], "see you then")
	require.Contains(t, before["insights?from=2030-01-07&to=2030-01-09"], `"jobs_completed":1`)
	require.Contains(t, before["tradespeople/ana"], `"jobs_completed":1`, "ana's stats count first")
	require.Contains(t, before["jobs/after"], `"status":"on_site"`)
	var tracking string
	eventually(t, 30*time.Second, func() bool {
		tracking = trackingOf(t, env, "acme/"+tp)
		var st codecs.TrackingState
		return tracking != "" && json.Unmarshal([]byte(tracking), &st) == nil && st.Last != nil && st.Last.At.Equal(start.Add(4*time.Minute))
	}, "the tracking table holds the last ping")

	require.NoError(t, in.stop())
	code, out, stderr := runCLI(t, "replay", "--brokers", env.brokers, "--topic-prefix", env.prefix, "--group", "all")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, len(groupNames()), strings.Count(out, "reset "), out)

	again := env.start(t, "a", dir)
	for _, p := range paths {
		want := before[p]
		deadline := time.Now().Add(60 * time.Second)
		for got := rawView(t, again, base+"/"+p); got != want; got = rawView(t, again, base+"/"+p) {
			require.True(t, time.Now().Before(deadline), "%s not rebuilt identically:\nwant %s\ngot  %s", p, want, got)
			time.Sleep(20 * time.Millisecond)
		}
	}
	eventually(t, 60*time.Second, func() bool { return trackingOf(t, env, "acme/"+tp) == tracking }, "the tracking table rebuilt identically")
	// And it stays so: the re-routed commands changed nothing downstream.
	time.Sleep(500 * time.Millisecond)
	for _, p := range paths {
		assert.Equal(t, before[p], rawView(t, again, base+"/"+p), p)
	}
	assert.Equal(t, tracking, trackingOf(t, env, "acme/"+tp))
}

// rawView is the body of GET path, or its status when it is not a 200.
func rawView(t *testing.T, in *instance, path string) string {
	t.Helper()
	resp, err := http.Get(in.url + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if resp.StatusCode != http.StatusOK {
		return resp.Status
	}
	var v any // normalise: the views' JSON is compared by value
	require.NoError(t, json.Unmarshal(b, &v), string(b))
	n, err := json.Marshal(v)
	require.NoError(t, err)
	return string(n)
}
