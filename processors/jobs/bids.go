package jobs

import (
	"fmt"
	"slices"

	"github.com/tradestream/tradestream/codecs"
)

// Bid statuses.
const (
	BidOpen     = "open"
	BidAccepted = "accepted"
	BidDeclined = "declined"
)

func submitBid(j *codecs.Job, cmd *codecs.Command, env Env) (*codecs.Job, *codecs.Rejection) {
	b, tp := cmd.SubmitBid, env.Tradesperson
	switch {
	case b == nil:
		return nil, reject(cmd, CodeInvalid, "submit_bid without payload")
	case j.Status != codecs.StatusPosted && j.Status != codecs.StatusBidding:
		return nil, reject(cmd, CodeInvalidTransition, "cannot bid on a "+j.Status+" job")
	case slices.ContainsFunc(j.Bids, func(x codecs.Bid) bool { return x.ID == b.BidID }):
		return nil, reject(cmd, CodeConflict, "bid "+b.BidID+" already exists")
	case tp == nil:
		return nil, reject(cmd, CodeNotFound, "tradesperson "+b.TradespersonID+" does not exist")
	case !tp.Active:
		return nil, reject(cmd, CodeInvalid, "tradesperson "+tp.ID+" is not active")
	case !slices.Contains(tp.Trades, j.Trade):
		return nil, reject(cmd, CodeInvalid, fmt.Sprintf("tradesperson %s does not do %s", tp.ID, j.Trade))
	case b.Currency != j.Currency:
		return nil, reject(cmd, CodeInvalid, fmt.Sprintf("bid currency %s does not match the job's %s", b.Currency, j.Currency))
	}
	if err := checkLines(b.Lines); err != "" {
		return nil, reject(cmd, CodeInvalid, err)
	}
	j.Bids = append(j.Bids, codecs.Bid{ID: b.BidID, TradespersonID: tp.ID, Status: BidOpen,
		Lines: slices.Clone(b.Lines), SubmittedAt: cmd.AcceptedAt,
		Quote: Price(b.Lines, j.Currency, env.Pricing, deref(j.PromoCode), env.Promo, j.ID, cmd.AcceptedAt)})
	if j.Status == codecs.StatusPosted {
		transition(j, codecs.StatusBidding, cmd)
	}
	return j, nil
}

func checkLines(lines []codecs.QuoteLine) string {
	if len(lines) == 0 {
		return "a bid needs at least one line"
	}
	var sum int64
	for _, l := range lines {
		switch {
		case l.AmountMinor < 0:
			return "line amounts must not be negative"
		case l.Kind != "labor" && l.Kind != "materials":
			return `line kind must be "labor" or "materials"`
		}
		sum += l.AmountMinor
		if sum > MaxSubtotalMinor {
			return "bid total is too large"
		}
	}
	return ""
}

// acceptBid freezes the bid's quote, priced at the acceptance time, and
// declines the others. The job then waits for booking.
func acceptBid(j *codecs.Job, cmd *codecs.Command, env Env) (*codecs.Job, *codecs.Rejection) {
	if cmd.AcceptBid == nil {
		return nil, reject(cmd, CodeInvalid, "accept_bid without payload")
	}
	if j.Status != codecs.StatusPosted && j.Status != codecs.StatusBidding {
		return nil, reject(cmd, CodeInvalidTransition, "cannot accept a bid on a "+j.Status+" job")
	}
	i := slices.IndexFunc(j.Bids, func(b codecs.Bid) bool { return b.ID == cmd.AcceptBid.BidID })
	if i < 0 {
		return nil, reject(cmd, CodeNotFound, "bid "+cmd.AcceptBid.BidID+" does not exist")
	}
	if j.Bids[i].Status != BidOpen {
		return nil, reject(cmd, CodeInvalidTransition, "bid "+j.Bids[i].ID+" is "+j.Bids[i].Status)
	}
	for k := range j.Bids {
		if j.Bids[k].Status == BidOpen {
			j.Bids[k].Status = BidDeclined
		}
	}
	bid := &j.Bids[i]
	bid.Status = BidAccepted
	bid.Quote = Price(bid.Lines, j.Currency, env.Pricing, deref(j.PromoCode), env.Promo, j.ID, cmd.AcceptedAt)
	q := bid.Quote
	j.Quote = &q
	notePromo(j, cmd, env)
	j.AssignedTradespersonID = &bid.TradespersonID
	startBooking(j, cmd, CauseAccept)
	return j, nil
}

// reprice re-prices every open quote with the pricing (env, see
// PricingStampOf) or promo the command carries; it changes nothing when no
// quote moves.
func reprice(j *codecs.Job, cmd *codecs.Command, env Env) *codecs.Job {
	changed := false
	for k := range j.Bids {
		b := &j.Bids[k]
		if b.Status != BidOpen || !hasOpenQuotes(j) {
			continue
		}
		q := Price(b.Lines, j.Currency, env.Pricing, deref(j.PromoCode), env.Promo, j.ID, cmd.AcceptedAt)
		if q != b.Quote {
			b.Quote, changed = q, true
		}
	}
	if !changed {
		return nil
	}
	return j
}

// promoRefused re-prices a frozen quote without the promo when the promo
// group could not redeem it (its last redemption went to another job).
func promoRefused(j *codecs.Job, cmd *codecs.Command, env Env) *codecs.Job {
	if j.Quote == nil || !j.Quote.PromoApplied {
		return nil
	}
	i := slices.IndexFunc(j.Bids, func(b codecs.Bid) bool { return b.Status == BidAccepted })
	if i < 0 {
		return nil
	}
	q := Price(j.Bids[i].Lines, j.Currency, env.Pricing, deref(j.PromoCode), nil, j.ID, cmd.AcceptedAt)
	j.Bids[i].Quote = q
	j.Quote = &q
	j.LastRejection = reject(cmd, "promo_exhausted", "promo "+deref(j.PromoCode)+" reached its maximum redemptions")
	return j
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
