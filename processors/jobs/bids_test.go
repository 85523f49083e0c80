package jobs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

var plumber = &codecs.Tradesperson{ID: "tp1", TenantID: "acme", Trades: []string{"plumber"}, Active: true}

func bidCmd(seq int64, id string, amounts ...int64) *codecs.Command {
	return &codecs.Command{CommandID: "c-bid-" + id, TenantID: "acme", JobID: "j1", Kind: codecs.KindSubmitBid,
		AcceptedAt: t0.Add(time.Duration(seq) * time.Minute), Seq: seq,
		SubmitBid: &codecs.SubmitBid{BidID: id, TradespersonID: "tp1", Currency: "GBP", Lines: lines(amounts...)}}
}

func acceptCmd(seq int64, id string) *codecs.Command {
	return &codecs.Command{CommandID: "c-accept", TenantID: "acme", JobID: "j1", Kind: codecs.KindAcceptBid,
		AcceptedAt: t0.Add(time.Duration(seq) * time.Minute), Seq: seq, AcceptBid: &codecs.AcceptBid{BidID: id}}
}

func tenPercent() *codecs.Promo {
	return &codecs.Promo{Code: "TEN", PercentOff: ptr(int32(10)), Active: true, ValidFrom: t0.Add(-time.Hour),
		ValidTo: t0.Add(24 * time.Hour), MaxRedemptions: ptr(int32(1))}
}

func postWithPromo() *codecs.Job {
	c := postCmd(1)
	c.PostJob.PromoCode = "TEN"
	return Apply(nil, c, Env{}).Job
}

func TestABidIsPricedAndOpensBidding(t *testing.T) {
	env := Env{Pricing: Pricing{2000, 1500}, Tradesperson: plumber, Promo: tenPercent()}
	r := Apply(postWithPromo(), bidCmd(2, "b1", 10000), env)
	require.Nil(t, r.Rejection)
	assert.Equal(t, codecs.StatusBidding, r.Job.Status)
	require.Len(t, r.Job.Bids, 1)
	assert.Equal(t, BidOpen, r.Job.Bids[0].Status)
	assert.Equal(t, codecs.Quote{SubtotalMinor: 10000, DiscountMinor: 1000, TaxMinor: 1800, TotalMinor: 10800,
		PlatformFeeMinor: 1350, PayoutMinor: 7650, Currency: "GBP", PromoCode: "TEN", PromoApplied: true}, r.Job.Bids[0].Quote)
	assert.ElementsMatch(t, []Effect{{Kind: codecs.KindTrackOpenJob, To: ToPricing}, {Kind: codecs.KindTrackOpenJob, To: ToPromo},
		{Kind: codecs.MatchClose, To: ToMatching}}, r.Effects,
		"the job's open quotes are tracked for re-pricing; a job bid on without offers waits in its cell no more")
}

func TestBadBidsAreRejectedWithAReason(t *testing.T) {
	open := postWithPromo()
	cancelled := Apply(open, cancelCmd(2), Env{}).Job
	other := &codecs.Tradesperson{ID: "tp1", Trades: []string{"painter"}, Active: true}
	withBid := Apply(open, bidCmd(2, "b1", 100), Env{Tradesperson: plumber}).Job
	euro := bidCmd(3, "b9", 100)
	euro.SubmitBid.Currency = "EUR"
	cases := []struct {
		name string
		job  *codecs.Job
		cmd  *codecs.Command
		env  Env
		want string
	}{
		{"bid on a cancelled job", cancelled, bidCmd(3, "b1", 100), Env{Tradesperson: plumber}, "cannot bid on a cancelled job"},
		{"unknown tradesperson", open, bidCmd(3, "b1", 100), Env{}, "tradesperson tp1 does not exist"},
		{"wrong trade", open, bidCmd(3, "b1", 100), Env{Tradesperson: other}, "does not do plumber"},
		{"negative amount", open, bidCmd(3, "b1", -5), Env{Tradesperson: plumber}, "must not be negative"},
		{"currency mismatch", open, euro, Env{Tradesperson: plumber}, "does not match the job's GBP"},
		{"same bid id twice", withBid, bidCmd(3, "b1", 100), Env{Tradesperson: plumber}, "already exists"},
		{"unknown bid accepted", withBid, acceptCmd(3, "b7"), Env{}, "bid b7 does not exist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Apply(tc.job, tc.cmd, tc.env)
			require.NotNil(t, r.Rejection)
			assert.Contains(t, r.Rejection.Reason, tc.want)
			assert.Equal(t, r.Rejection, r.Job.LastRejection, "visible in the job view")
			assert.Equal(t, len(tc.job.Bids), len(r.Job.Bids))
		})
	}
}

func TestAcceptFreezesTheQuoteAndRedeemsThePromoOnce(t *testing.T) {
	env := Env{Pricing: Pricing{0, 1500}, Tradesperson: plumber, Promo: tenPercent()}
	j := Apply(postWithPromo(), bidCmd(2, "b1", 10000), env).Job
	j = Apply(j, bidCmd(3, "b2", 20000), env).Job
	r := Apply(j, acceptCmd(4, "b2"), env)
	require.Nil(t, r.Rejection)
	assert.Equal(t, codecs.StatusBooking, r.Job.Status)
	assert.Equal(t, "tp1", *r.Job.AssignedTradespersonID)
	assert.Equal(t, []string{BidDeclined, BidAccepted}, []string{r.Job.Bids[0].Status, r.Job.Bids[1].Status})
	require.NotNil(t, r.Job.Quote)
	assert.Equal(t, int64(2000), r.Job.Quote.DiscountMinor)
	assert.Contains(t, r.Effects, Effect{Kind: codecs.KindRedeemPromo, To: ToPromo})
	assert.Contains(t, r.Effects, Effect{Kind: codecs.KindUntrackOpenJob, To: ToPricing})

	again := Apply(r.Job, acceptCmd(4, "b2"), env)
	assert.Same(t, r.Job, again.Job, "a redelivered accept changes nothing")
	assert.Equal(t, r.Effects, again.Effects,
		"it re-sends the same effects, which the promo group counts once per job, in case a crash lost them")
	older := Apply(r.Job, bidCmd(3, "b2", 20000), env)
	assert.Empty(t, older.Effects, "an older redelivery sends nothing")

	repriced := Apply(r.Job, &codecs.Command{Kind: codecs.KindReprice, Source: codecs.SourceInternal, TenantID: "acme",
		JobID: "j1", AcceptedAt: t0.Add(time.Hour), SetPricing: &codecs.SetPricing{TaxBps: 2500, PlatformFeeBps: 100}}, env)
	assert.Same(t, r.Job, repriced.Job, "a frozen quote does not move")
}

func TestRepriceMovesOpenQuotes(t *testing.T) {
	env := Env{Pricing: Pricing{0, 1500}, Tradesperson: plumber}
	j := Apply(postCmdFor("j1"), bidCmd(2, "b1", 10000), env).Job
	r := Apply(j, &codecs.Command{Kind: codecs.KindReprice, Source: codecs.SourceInternal, TenantID: "acme", JobID: "j1",
		AcceptedAt: t0.Add(time.Hour), SetPricing: &codecs.SetPricing{TaxBps: 2000, PlatformFeeBps: 1000}}, env)
	require.NotNil(t, r.Job)
	assert.Equal(t, int64(12000), r.Job.Bids[0].Quote.TotalMinor)
	assert.Equal(t, int64(1000), r.Job.Bids[0].Quote.PlatformFeeMinor)
	assert.Equal(t, j.Seq, r.Job.Seq, "internal commands do not move the sequence watermark")
	same := Apply(r.Job, &codecs.Command{Kind: codecs.KindReprice, Source: codecs.SourceInternal, TenantID: "acme", JobID: "j1",
		AcceptedAt: t0.Add(time.Hour), SetPricing: &codecs.SetPricing{TaxBps: 2000, PlatformFeeBps: 1000}}, env)
	assert.Same(t, r.Job, same.Job, "a repeated reprice changes nothing")
}

func TestRefusedPromoIsTakenOffTheFrozenQuote(t *testing.T) {
	env := Env{Pricing: Pricing{0, 0}, Tradesperson: plumber, Promo: tenPercent()}
	j := Apply(postWithPromo(), bidCmd(2, "b1", 10000), env).Job
	j = Apply(j, acceptCmd(3, "b1"), env).Job
	require.True(t, j.Quote.PromoApplied)
	r := Apply(j, &codecs.Command{Kind: codecs.KindPromoRefused, Source: codecs.SourceInternal, TenantID: "acme", JobID: "j1",
		AcceptedAt: t0.Add(time.Hour)}, env)
	assert.False(t, r.Job.Quote.PromoApplied)
	assert.Equal(t, int64(10000), r.Job.Quote.TotalMinor)
	assert.Equal(t, "promo_exhausted", r.Job.LastRejection.Code)
}

func postCmdFor(id string) *codecs.Job {
	c := postCmd(1)
	c.JobID = id
	return Apply(nil, c, Env{}).Job
}

func TestAnUnusablePromoIsExplainedInTheJobView(t *testing.T) {
	expired := tenPercent()
	expired.ValidTo = t0.Add(-time.Minute)
	c := postCmd(1)
	c.PostJob.PromoCode = "TEN"
	for name, tc := range map[string]struct {
		promo *codecs.Promo
		want  string
	}{
		"unknown": {nil, "promo TEN does not exist"},
		"expired": {expired, "promo TEN expired at"},
	} {
		t.Run(name, func(t *testing.T) {
			r := Apply(nil, c, Env{Promo: tc.promo})
			require.NotNil(t, r.Job, "the job is posted anyway")
			assert.Nil(t, r.Rejection)
			assert.Nil(t, r.Job.LastRejection, "the promo is checked when the post comes back through the promos group")
			assert.Contains(t, r.Effects, Effect{Kind: codecs.KindPostJob, To: ToPromo})
			checked := *c
			checked.PromoChecked, checked.Promo = true, tc.promo
			back := Apply(r.Job, &checked, Env{})
			require.NotNil(t, back.Job.LastRejection)
			assert.Equal(t, CodePromoNotApplicable, back.Job.LastRejection.Code)
			assert.Contains(t, back.Job.LastRejection.Reason, tc.want)
			assert.Equal(t, c.CommandID, back.Job.LastRejection.CommandID, "as the post would have said it")
			assert.Equal(t, r.Job.Version, back.Job.Version, "the check completes the post")
			assert.Same(t, back.Job, Apply(back.Job, &checked, Env{}).Job, "a repeat changes nothing")
		})
	}
	env := Env{Tradesperson: plumber, Promo: expired}
	j := Apply(Apply(nil, c, env).Job, bidCmd(2, "b1", 100), env).Job
	r := Apply(j, acceptCmd(3, "b1"), env)
	assert.False(t, r.Job.Quote.PromoApplied)
	assert.Contains(t, r.Job.LastRejection.Reason, "expired", "the accepted quote says why it has no discount")
}
