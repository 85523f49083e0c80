package main

import (
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// TestReplayOfJobsAndPaymentsDecidesWithTheStampsOfTheLog prices bids
// under one pricing, re-prices an open bid under a second, accepts both
// jobs, and then sets a third pricing (no quote is open: no view moves) that
// only a third job's bid sees; a bid on it by a tradesperson registered
// only after is refused. A promo job is discounted and accepted, and
// its code switched off after; another job names a code created only after.
// A payment on a job not posted yet is refused before the job is posted. A
// replay of the jobs and payments groups from earliest must decide as the
// first time, with the pricing, promo state, bidder and job stamped in the
// log — not the current pricing, promos, tradespeople and jobs tables.
func TestReplayOfJobsAndPaymentsDecidesWithTheStampsOfTheLog(t *testing.T) {
	env := newTestEnv(t)
	dir := t.TempDir()
	in := env.start(t, "a", dir)
	base := "/v1/tenants/acme"
	must := func(method, path string, body any) { t.Helper(); in.accept(t, method, path, body) }
	must("POST", base+"/tradespeople", map[string]any{"id": "ana", "name": "Ana", "trades": []string{"plumber"},
		"base": map[string]any{"lat": 51.5, "lon": -0.12}, "radius_km": 30})
	must("PUT", base+"/pricing", map[string]any{"tax_bps": 2000, "platform_fee_bps": 1500})
	waitTP(t, in, "acme", "ana")
	must("POST", base+"/jobs", jobBody("p1", 7))
	must("POST", base+"/jobs", jobBody("p2", 8))
	bid(t, in, "p1")
	bid(t, in, "p2")
	must("POST", base+"/jobs/p1/accept", map[string]any{"bid_id": "b-p1"})
	in.waitJob(t, "acme", "p1", func(j *codecs.Job) bool { return j.Status == codecs.StatusBooked }, "booked")

	// p2's open bid is re-priced by the pricing group, then accepted.
	must("PUT", base+"/pricing", map[string]any{"tax_bps": 500, "platform_fee_bps": 1000})
	in.waitJob(t, "acme", "p2", func(j *codecs.Job) bool { return j.Bids[0].Quote.TaxMinor == 500 }, "re-priced")
	must("POST", base+"/jobs/p2/accept", map[string]any{"bid_id": "b-p2"})
	in.waitJob(t, "acme", "p2", func(j *codecs.Job) bool { return j.Status == codecs.StatusBooked }, "booked")

	// Today's pricing differs from every pricing the bids saw.
	must("PUT", base+"/pricing", map[string]any{"tax_bps": 0, "platform_fee_bps": 100})
	must("POST", base+"/jobs", jobBody("p3", 9))
	bid(t, in, "p3")
	in.waitJob(t, "acme", "p3", func(j *codecs.Job) bool { return j.Bids[0].Quote.PlatformFeeMinor == 100 }, "priced today")

	// A bid by a tradesperson who does not exist yet is refused; zed comes
	// after (doing another trade).
	must("POST", base+"/jobs/p3/bids", map[string]any{"id": "b-zed", "tradesperson_id": "zed", "currency": "GBP",
		"lines": []map[string]any{{"kind": "labor", "amount_minor": 100}}})
	in.waitJob(t, "acme", "p3", func(j *codecs.Job) bool { return j.LastRejection != nil }, "zed refused")
	must("POST", base+"/tradespeople", map[string]any{"id": "zed", "name": "Zed", "trades": []string{"hvac"},
		"base": map[string]any{"lat": 51.5, "lon": -0.12}, "radius_km": 30})
	waitTP(t, in, "acme", "zed")

	// A promo job's bid is discounted and accepted; a job names a code that
	// does not exist yet. Then the first code is switched off and the
	// second created: today's promo table differs from what the jobs saw.
	must("POST", base+"/promos", map[string]any{"code": "SPRING", "percent_off": 10, "max_redemptions": 5,
		"valid_from": time.Now().Add(-time.Hour).UTC(), "valid_to": time.Now().Add(time.Hour).UTC()})
	spring := jobBody("spring", 11)
	spring["promo_code"] = "SPRING"
	must("POST", base+"/jobs", spring)
	bid(t, in, "spring")
	in.waitJob(t, "acme", "spring", func(j *codecs.Job) bool { return j.Bids[0].Quote.PromoApplied }, "discounted")
	must("POST", base+"/jobs/spring/accept", map[string]any{"bid_id": "b-spring"})
	in.waitJob(t, "acme", "spring", func(j *codecs.Job) bool { return j.Status == codecs.StatusBooked }, "booked")
	ghost := jobBody("ghost", 12)
	ghost["promo_code"] = "LATER"
	must("POST", base+"/jobs", ghost)
	in.waitJob(t, "acme", "ghost", func(j *codecs.Job) bool { return j.LastRejection != nil }, "told the code does not exist")
	must("POST", base+"/promos", map[string]any{"code": "SPRING", "percent_off": 10, "max_redemptions": 5, "active": false,
		"valid_from": time.Now().Add(-time.Hour).UTC(), "valid_to": time.Now().Add(time.Hour).UTC()})
	must("POST", base+"/promos", map[string]any{"code": "LATER", "percent_off": 50,
		"valid_from": time.Now().Add(-time.Hour).UTC(), "valid_to": time.Now().Add(time.Hour).UTC()})
	eventually(t, 30*time.Second, func() bool {
		p := view[codecs.Promo](t, in, "acme", "promos/LATER")
		s := view[codecs.Promo](t, in, "acme", "promos/SPRING")
		return p != nil && s != nil && !s.Active
	}, "the promos changed")

	// A payment on a job not posted yet is refused; the job comes after.
	// A payment on p1 is taken.
	must("POST", base+"/jobs/late/payments", map[string]any{"payment_id": "pay-early", "event": "captured",
		"amount_minor": 5000, "currency": "GBP"})
	must("POST", base+"/jobs", jobBody("late", 10))
	must("POST", base+"/jobs/p1/payments", map[string]any{"payment_id": "pay-p1", "event": "authorized",
		"amount_minor": 12000, "currency": "GBP"})
	eventually(t, 30*time.Second, func() bool { return in.payment(t, "acme", "pay-p1") != nil }, "payment taken")
	in.waitJob(t, "acme", "late", func(*codecs.Job) bool { return true }, "posted")

	paths := []string{"jobs/p1", "jobs/p2", "jobs/p3", "jobs/spring", "jobs/ghost", "jobs/late", "payments/pay-p1", "payments/pay-early"}
	before := settledViews(t, in, base, paths)
	assert.Contains(t, before["jobs/p1"], `"tax_minor":2000`, "p1 keeps the first pricing")
	assert.Contains(t, before["jobs/p2"], `"tax_minor":500`, "p2 keeps the second")
	assert.Equal(t, "404 Not Found", before["payments/pay-early"], "refused: its job did not exist yet")
	assert.Contains(t, before["jobs/spring"], `"promo_applied":true`)
	assert.Contains(t, before["jobs/ghost"], "promo LATER does not exist")
	assert.Contains(t, before["jobs/p3"], "tradesperson zed does not exist")

	require.NoError(t, in.stop())
	code, _, stderr := runCLI(t, "replay", "--brokers", env.brokers, "--topic-prefix", env.prefix, "--group", "jobs,payments")
	require.Equal(t, 0, code, stderr)
	again := env.start(t, "a", dir)
	assertViewsRebuilt(t, again, base, before)
}

// bid submits bid "b-<job>" of 10 000 by ana on job, again while the jobs
// group does not know ana yet (its profile lookup trails the profile).
func bid(t *testing.T, in *instance, job string) {
	t.Helper()
	path := "/v1/tenants/acme/jobs/" + job + "/bids"
	for try := 0; ; try++ {
		st, out := in.post(t, path, map[string]any{"id": "b-" + job, "tradesperson_id": "ana", "currency": "GBP",
			"lines": []map[string]any{{"kind": "labor", "amount_minor": 10000}}})
		require.Equal(t, http.StatusAccepted, st, "%v", out)
		j := in.waitJob(t, "acme", job, func(j *codecs.Job) bool { return len(j.Bids) == 1 || j.LastRejection != nil }, "bid")
		if len(j.Bids) == 1 {
			return
		}
		require.Less(t, try, 9, "the jobs group never saw ana")
		time.Sleep(100 * time.Millisecond)
	}
}

// settledViews reads the views at paths (under base) once two reads 300 ms
// apart agree: internal records may still be changing them.
func settledViews(t *testing.T, in *instance, base string, paths []string) map[string]string {
	t.Helper()
	snapshot := func() map[string]string {
		m := map[string]string{}
		for _, p := range paths {
			m[p] = rawView(t, in, base+"/"+p)
		}
		return m
	}
	var views map[string]string
	eventually(t, 30*time.Second, func() bool {
		a := snapshot()
		time.Sleep(300 * time.Millisecond)
		views = snapshot()
		return maps.Equal(a, views)
	}, "the views settled")
	return views
}

// assertViewsRebuilt waits for every view to be as before, then checks it
// stays so: records sent again by the replayed groups change nothing.
func assertViewsRebuilt(t *testing.T, in *instance, base string, before map[string]string) {
	t.Helper()
	for p, want := range before {
		eventually(t, 60*time.Second, func() bool { return rawView(t, in, base+"/"+p) == want }, "%s rebuilt identically", p)
	}
	time.Sleep(500 * time.Millisecond)
	for p, want := range before {
		assert.Equal(t, want, rawView(t, in, base+"/"+p), p)
	}
}
