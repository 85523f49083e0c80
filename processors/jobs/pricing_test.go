package jobs

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

func ptr[T any](v T) *T { return &v }

func lines(amounts ...int64) []codecs.QuoteLine {
	var out []codecs.QuoteLine
	for _, a := range amounts {
		out = append(out, codecs.QuoteLine{Kind: "labor", AmountMinor: a})
	}
	return out
}

func TestPriceByTheContract(t *testing.T) {
	at := t0
	percent := &codecs.Promo{Code: "TEN", PercentOff: ptr(int32(10)), Active: true, ValidFrom: at.Add(-time.Hour), ValidTo: at.Add(time.Hour)}
	amount := &codecs.Promo{Code: "FIVER", AmountOffMinor: ptr(int64(500)), Active: true, ValidFrom: at.Add(-time.Hour), ValidTo: at.Add(time.Hour)}
	huge := &codecs.Promo{Code: "ALL", AmountOffMinor: ptr(int64(1_000_000)), Active: true, ValidFrom: at.Add(-time.Hour), ValidTo: at.Add(time.Hour)}
	cases := []struct {
		name  string
		lines []codecs.QuoteLine
		p     Pricing
		code  string
		promo *codecs.Promo
		want  codecs.Quote
	}{
		{"defaults: 15% fee, no tax", lines(10000, 2345), Pricing{0, 1500}, "", nil,
			codecs.Quote{SubtotalMinor: 12345, TaxMinor: 0, TotalMinor: 12345, PlatformFeeMinor: 1852, PayoutMinor: 10493}},
		{"percent promo rounds half away from zero", lines(12345), Pricing{2000, 1500}, "TEN", percent,
			// discount 1234.5 → 1235; taxable 11110; tax 2222; fee 1666.5 → 1667
			codecs.Quote{SubtotalMinor: 12345, DiscountMinor: 1235, TaxMinor: 2222, TotalMinor: 13332, PlatformFeeMinor: 1667, PayoutMinor: 9443, PromoApplied: true}},
		{"amount promo", lines(10000), Pricing{0, 0}, "FIVER", amount,
			codecs.Quote{SubtotalMinor: 10000, DiscountMinor: 500, TotalMinor: 9500, PayoutMinor: 9500, PromoApplied: true}},
		{"amount promo capped at the subtotal", lines(300), Pricing{2000, 1500}, "ALL", huge,
			codecs.Quote{SubtotalMinor: 300, DiscountMinor: 300, PromoApplied: true}},
		{"unknown promo code", lines(1000), Pricing{0, 1000}, "NOPE", nil,
			codecs.Quote{SubtotalMinor: 1000, TotalMinor: 1000, PlatformFeeMinor: 100, PayoutMinor: 900}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.Currency, tc.want.PromoCode = "EUR", tc.code
			assert.Equal(t, tc.want, Price(tc.lines, "EUR", tc.p, tc.code, tc.promo, "j1", at))
		})
	}
}

func TestPromoAppliesOnlyInItsWindowAndBelowMaxRedemptions(t *testing.T) {
	p := &codecs.Promo{Active: true, ValidFrom: t0, ValidTo: t0.Add(time.Hour), MaxRedemptions: ptr(int32(2)), Redeemed: []string{"a"}}
	assert.True(t, PromoApplies(p, "j", t0), "valid_from is inclusive")
	assert.False(t, PromoApplies(p, "j", t0.Add(time.Hour)), "valid_to is exclusive")
	assert.False(t, PromoApplies(p, "j", t0.Add(-time.Second)))
	p.Redeemed = []string{"a", "b"}
	assert.False(t, PromoApplies(p, "j", t0), "max redemptions reached")
	assert.True(t, PromoApplies(p, "b", t0), "a job that redeemed it keeps it")
	p.Active = false
	assert.False(t, PromoApplies(p, "b", t0))
}

// TestQuotesAlwaysReconcile is a property test over random quotes.
func TestQuotesAlwaysReconcile(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 20000 {
		n := 1 + rng.IntN(5)
		ls := make([]codecs.QuoteLine, n)
		for j := range ls {
			ls[j].AmountMinor = rng.Int64N(MaxSubtotalMinor / 5)
			if rng.IntN(4) == 0 {
				ls[j].AmountMinor = rng.Int64N(1000)
			}
		}
		p := Pricing{rng.Int64N(10001), rng.Int64N(10001)}
		promo := &codecs.Promo{Active: true, ValidFrom: t0, ValidTo: t0.Add(time.Hour)}
		if rng.IntN(2) == 0 {
			promo.PercentOff = ptr(int32(rng.IntN(101)))
		} else {
			promo.AmountOffMinor = ptr(rng.Int64N(MaxSubtotalMinor))
		}
		q := Price(ls, "EUR", p, "P", promo, "j", t0)
		taxable := q.SubtotalMinor - q.DiscountMinor
		require.Equal(t, taxable+q.TaxMinor, q.TotalMinor, "case %d", i)
		require.Equal(t, taxable, q.PayoutMinor+q.PlatformFeeMinor, "case %d", i)
		for _, v := range []int64{q.SubtotalMinor, q.DiscountMinor, taxable, q.TaxMinor, q.TotalMinor, q.PlatformFeeMinor, q.PayoutMinor} {
			require.GreaterOrEqual(t, v, int64(0), "case %d: %+v", i, q)
		}
		require.LessOrEqual(t, q.DiscountMinor, q.SubtotalMinor)
	}
}

func TestThePricingStampIsTheNewestOfTheCommandsAndTheJobs(t *testing.T) {
	old := &codecs.PricingStamp{TaxBps: 1000, PlatformFeeBps: 1000, Seq: 3}
	newer := &codecs.PricingStamp{TaxBps: 2000, PlatformFeeBps: 500, Seq: 8}
	kept := &codecs.Job{Pricing: newer}
	legacy := &codecs.Command{SetPricing: &codecs.SetPricing{TaxBps: 7}}
	cases := []struct {
		name string
		job  *codecs.Job
		cmd  *codecs.Command
		want *codecs.PricingStamp
	}{
		{"no stamp anywhere: defaults", nil, &codecs.Command{}, nil},
		{"the command's stamp", nil, &codecs.Command{Pricing: old}, old},
		{"the job's stamp when the command has none", kept, &codecs.Command{}, newer},
		{"an older stamp loses", kept, &codecs.Command{Pricing: old}, newer},
		{"a newer stamp wins", &codecs.Job{Pricing: old}, &codecs.Command{Pricing: newer}, newer},
		{"an unstamped reprice applies to a job without a stamp", &codecs.Job{}, legacy, &codecs.PricingStamp{TaxBps: 7, Seq: -1}},
		{"an unstamped reprice loses to any stamp", kept, legacy, newer},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, PricingStampOf(c.job, c.cmd), c.name)
	}
}

func TestABidIsPricedWithTheStampedPricingAndTheJobKeepsIt(t *testing.T) {
	stamp := &codecs.PricingStamp{TaxBps: 2000, PlatformFeeBps: 1000, Seq: 2}
	bid := bidCmd(2, "b1", 10000)
	bid.Pricing = stamp
	r := Apply(Apply(nil, postCmd(1), Env{}).Job, bid, Env{Pricing: Pricing{0, 0}, Tradesperson: plumber})
	require.Nil(t, r.Rejection)
	assert.Equal(t, int64(2000), r.Job.Bids[0].Quote.TaxMinor, "the stamp, not the env's pricing")
	assert.Equal(t, stamp, r.Job.Pricing)
	// A later reprice from the promos group carries no pricing: the job's is used.
	later := Apply(r.Job, &codecs.Command{Kind: codecs.KindReprice, Source: codecs.SourceInternal, CommandID: "x/reprice",
		TenantID: "acme", JobID: "j1", AcceptedAt: t0.Add(time.Hour)}, Env{})
	assert.Equal(t, r.Job, later.Job, "nothing moves: the quote keeps the job's pricing")
}

func TestTheCommandsOfAPromoJobGoThroughThePromosGroup(t *testing.T) {
	promoJob := postWithPromo()
	plain := Apply(nil, postCmd(1), Env{}).Job
	chat := messageCmd(5, "j1")
	pay := &codecs.Command{Kind: codecs.KindPaymentEvent, Seq: 5}
	checked := bidCmd(5, "b1", 100)
	checked.PromoChecked = true
	cases := []struct {
		name string
		job  *codecs.Job
		cmd  *codecs.Command
		want bool
	}{
		{"a bid on a promo job", promoJob, bidCmd(5, "b1", 100), true},
		{"a bid on a job without promo", plain, bidCmd(5, "b1", 100), false},
		{"a post (no job yet)", nil, postCmd(1), false},
		{"the bid coming back", promoJob, checked, false},
		{"a redelivery", promoJob, bidCmd(1, "b1", 100), false},
		{"an internal command", promoJob, &codecs.Command{Kind: codecs.KindReprice, Source: codecs.SourceInternal}, false},
		{"a chat message", promoJob, chat, false},
		{"a payment", promoJob, pay, false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Bounces(c.job, c.cmd), c.name)
	}
}

func TestAPromoJobPricesWithTheStampedPromoAndKeepsIt(t *testing.T) {
	post := postCmd(1)
	post.PostJob.PromoCode = "TEN"
	j := Apply(nil, post, Env{}).Job
	post.PromoChecked, post.Promo = true, tenPercent()
	j = Apply(j, post, Env{}).Job
	require.Nil(t, j.LastRejection)
	assert.Equal(t, tenPercent(), j.PromoState)
	bid := bidCmd(2, "b1", 10000)
	bid.PromoChecked, bid.Promo = true, tenPercent()
	r := Apply(j, bid, Env{Tradesperson: plumber})
	assert.Equal(t, int64(1000), r.Job.Bids[0].Quote.DiscountMinor, "the stamped promo applies")
	exhausted := tenPercent()
	exhausted.Redeemed = []string{"other"}
	accept := acceptCmd(3, "b1")
	accept.PromoChecked, accept.Promo = true, exhausted
	a := Apply(r.Job, accept, Env{Promo: tenPercent()})
	assert.False(t, a.Job.Quote.PromoApplied, "the stamp, not the env: the code was exhausted")
	assert.Equal(t, exhausted, a.Job.PromoState)
	assert.NotContains(t, a.Effects, Effect{Kind: codecs.KindRedeemPromo, To: ToPromo})
	// A pricing reprice carries no promo: the job's is used.
	open := Apply(j, bid, Env{Tradesperson: plumber}).Job
	rp := Apply(open, &codecs.Command{Kind: codecs.KindReprice, Source: codecs.SourceInternal, CommandID: "p/reprice",
		Pricing: &codecs.PricingStamp{TaxBps: 1000, Seq: 9}, AcceptedAt: t0}, Env{})
	assert.Equal(t, int64(1000), rp.Job.Bids[0].Quote.DiscountMinor)
	assert.Equal(t, int64(900), rp.Job.Bids[0].Quote.TaxMinor)
}
