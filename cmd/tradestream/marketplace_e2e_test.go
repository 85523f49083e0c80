package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// TestMarketplaceFlowFromPostToSettlement walks a job through the
// marketplace over HTTP: tradespeople, pricing and a promo, a job with the
// promo, bids priced live, a pricing change re-pricing the open quotes,
// acceptance freezing the quote and redeeming the promo once, a bad
// payment rejected, then captured and settled (the payment view answers 404).
func TestMarketplaceFlowFromPostToSettlement(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	must := func(method, path string, body any) map[string]any {
		t.Helper()
		return in.accept(t, method, path, body)
	}
	base := "/v1/tenants/acme"
	must("POST", base+"/tradespeople", map[string]any{"id": "tp1", "name": "Ana", "trades": []string{"plumber"},
		"base": map[string]any{"lat": 51.5, "lon": -0.12}, "radius_km": 20})
	must("POST", base+"/tradespeople", map[string]any{"id": "tp2", "name": "Ben", "trades": []string{"plumber", "hvac"},
		"base": map[string]any{"lat": 51.51, "lon": -0.1}, "radius_km": 30})
	must("POST", base+"/promos", map[string]any{"code": "SPRING", "percent_off": 10, "max_redemptions": 1,
		"valid_from": time.Now().Add(-time.Hour).UTC(), "valid_to": time.Now().Add(time.Hour).UTC()})
	must("PUT", base+"/pricing", map[string]any{"tax_bps": 2000, "platform_fee_bps": 1500})
	// The jobs group reads profiles through a lookup that
	// trails its table by milliseconds: a probe job tells when it sees them.
	must("POST", base+"/jobs", map[string]any{"id": "probe", "customer_id": "c", "trade": "plumber", "location": map[string]any{"lat": 51.5, "lon": -0.1},
		"window": jobBody("x", 7)["window"], "duration_minutes": 30, "currency": "GBP", "promo_code": "SPRING"})
	for i := 0; ; i++ {
		must("POST", base+"/jobs/probe/bids", map[string]any{"id": fmt.Sprint("probe-", i), "tradesperson_id": "tp2", "currency": "GBP",
			"lines": []map[string]any{{"kind": "labor", "amount_minor": 100}}})
		p := in.waitJob(t, "acme", "probe", func(j *codecs.Job) bool { return j.Version > int64(i+1) }, "probe bid handled")
		if n := len(p.Bids); n > 0 && p.Bids[n-1].Quote.PromoApplied && p.Bids[n-1].Quote.TaxMinor == 18 {
			break
		}
		require.Less(t, i, 100, "the jobs group never saw the profile, promo and pricing")
		time.Sleep(10 * time.Millisecond)
	}

	job := jobBody("j1", 7)
	job["promo_code"] = "SPRING"
	must("POST", base+"/jobs", job)
	bid := func(id, tp string, amount int64) {
		must("POST", base+"/jobs/j1/bids", map[string]any{"id": id, "tradesperson_id": tp, "currency": "GBP",
			"lines": []map[string]any{{"description": "work", "kind": "labor", "amount_minor": amount}}})
	}
	bid("b1", "tp1", 10000)
	bid("b2", "tp2", 8000)
	j := in.waitJob(t, "acme", "j1", func(j *codecs.Job) bool { return len(j.Bids) == 2 }, "two bids")
	assert.Equal(t, codecs.StatusBidding, j.Status)
	// 10000 − 10% = 9000 taxable; tax 20% = 1800; fee 15% = 1350.
	assert.Equal(t, codecs.Quote{SubtotalMinor: 10000, DiscountMinor: 1000, TaxMinor: 1800, TotalMinor: 10800,
		PlatformFeeMinor: 1350, PayoutMinor: 7650, Currency: "GBP", PromoCode: "SPRING", PromoApplied: true}, j.Bids[0].Quote)

	must("PUT", base+"/pricing", map[string]any{"tax_bps": 1000, "platform_fee_bps": 1000})
	j = in.waitJob(t, "acme", "j1", func(j *codecs.Job) bool { return j.Bids[0].Quote.TaxMinor == 900 }, "re-priced within 1 s")
	assert.Equal(t, int64(9900), j.Bids[0].Quote.TotalMinor)
	assert.Equal(t, int64(720), j.Bids[1].Quote.TaxMinor)

	must("POST", base+"/jobs/j1/accept", map[string]any{"bid_id": "b2"})
	j = in.waitJob(t, "acme", "j1", func(j *codecs.Job) bool { return j.Quote != nil }, "accepted")
	assert.Contains(t, []string{codecs.StatusBooking, codecs.StatusBooked}, j.Status, "accepting books the bidder")
	assert.Equal(t, "tp2", *j.AssignedTradespersonID)
	assert.True(t, j.Quote.PromoApplied)
	assert.Equal(t, int64(7920), j.Quote.TotalMinor, "8000 − 800 + 10% tax")

	// A second job with the same code: the one redemption is gone.
	eventually(t, 10*time.Second, func() bool {
		var p struct{ Redemptions int }
		resp, err := http.Get(in.url + base + "/promos/SPRING")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(&p) == nil && p.Redemptions == 1
	}, "the promo redeemed once")
	time.Sleep(100 * time.Millisecond) // the jobs group's lookup trails the table by a fetch
	job2 := jobBody("j2", 8)
	job2["promo_code"] = "SPRING"
	must("POST", base+"/jobs", job2)
	bid2 := map[string]any{"id": "b1", "tradesperson_id": "tp1", "currency": "GBP",
		"lines": []map[string]any{{"kind": "materials", "amount_minor": 5000}}}
	must("POST", base+"/jobs/j2/bids", bid2)
	j2 := in.waitJob(t, "acme", "j2", func(j *codecs.Job) bool { return len(j.Bids) == 1 }, "bid")
	assert.False(t, j2.Bids[0].Quote.PromoApplied, "max_redemptions reached")

	must("PUT", base+"/pricing", map[string]any{"tax_bps": 0, "platform_fee_bps": 0})
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, int64(7920), in.job(t, "acme", "j1").Quote.TotalMinor, "a frozen quote is not re-priced")

	pay := func(event string, amount int64, currency string) {
		must("POST", base+"/jobs/j1/payments", map[string]any{"payment_id": "p1", "event": event, "amount_minor": amount, "currency": currency})
	}
	pay("captured", 7920, "EUR")
	in.waitJob(t, "acme", "j1", func(j *codecs.Job) bool { return j.LastRejection != nil }, "currency mismatch rejected")
	assert.Contains(t, in.job(t, "acme", "j1").LastRejection.Reason, "does not match the job's GBP")
	pay("authorized", 7920, "GBP")
	pay("captured", 7920, "GBP")
	eventually(t, 30*time.Second, func() bool {
		p := in.payment(t, "acme", "p1")
		return p != nil && p.State == codecs.PaymentCaptured
	}, "payment captured")
	pay("settled", 7920, "GBP")
	eventually(t, 30*time.Second, func() bool { return in.payment(t, "acme", "p1") == nil }, "settled payment gone (404)")
}

func waitTP(t *testing.T, in *instance, tenant, id string) {
	t.Helper()
	eventually(t, 30*time.Second, func() bool {
		resp, err := http.Get(in.url + "/v1/tenants/" + tenant + "/tradespeople/" + id)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, "tradesperson %s", id)
}

func (in *instance) payment(t *testing.T, tenant, id string) *codecs.Payment {
	t.Helper()
	return view[codecs.Payment](t, in, tenant, "payments/"+id)
}

func waitFor(in *instance, path string, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		resp, err := http.Get(in.url + path)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
