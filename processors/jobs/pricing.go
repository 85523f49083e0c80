package jobs

import (
	"slices"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// Default pricing of a tenant that never set its own.
const (
	DefaultTaxBps         = 0
	DefaultPlatformFeeBps = 1500
)

// MaxSubtotalMinor bounds a quote so integer arithmetic never overflows.
const MaxSubtotalMinor = 1_000_000_000_000_0 // 10^13 minor units

// Pricing is a tenant's tax and platform fee in basis points.
type Pricing struct {
	TaxBps, PlatformFeeBps int64
}

// PricingOf returns the tenant's pricing, or the defaults when unset.
func PricingOf(p *codecs.TenantPricing) Pricing {
	if p == nil || p.UpdatedAt.IsZero() {
		return Pricing{DefaultTaxBps, DefaultPlatformFeeBps}
	}
	return Pricing{int64(p.TaxBps), int64(p.PlatformFeeBps)}
}

// PricingStampOf returns the pricing cmd applies to job (nil when none):
// the newer, by sequence number, of the command's stamp and the one the
// job kept. A reprice without a stamp (written before stamps existed)
// carries its set_pricing, taken as older than any stamp.
func PricingStampOf(job *codecs.Job, cmd *codecs.Command) *codecs.PricingStamp {
	s := cmd.Pricing
	if s == nil && cmd.SetPricing != nil {
		s = &codecs.PricingStamp{TaxBps: cmd.SetPricing.TaxBps, PlatformFeeBps: cmd.SetPricing.PlatformFeeBps, Seq: -1}
	}
	if job == nil || job.Pricing == nil || (s != nil && s.Seq >= job.Pricing.Seq) {
		return s
	}
	return job.Pricing
}

// PromoApplies reports whether promo discounts job's quote at time at:
// active, valid_from ≤ at < valid_to, and redemptions below the maximum
// (a job that already redeemed it keeps it).
func PromoApplies(promo *codecs.Promo, job string, at time.Time) bool {
	switch {
	case promo == nil || !promo.Active:
		return false
	case at.Before(promo.ValidFrom) || !at.Before(promo.ValidTo):
		return false
	case promo.MaxRedemptions != nil && len(promo.Redeemed) >= int(*promo.MaxRedemptions):
		return slices.Contains(promo.Redeemed, job)
	}
	return true
}

// PromoProblem says why code does not apply to job at time at, or "" when it
// applies (or no code was given).
func PromoProblem(promo *codecs.Promo, code, job string, at time.Time) string {
	switch {
	case code == "" || PromoApplies(promo, job, at):
		return ""
	case promo == nil:
		return "promo " + code + " does not exist"
	case !promo.Active:
		return "promo " + code + " is not active"
	case at.Before(promo.ValidFrom):
		return "promo " + code + " is valid from " + promo.ValidFrom.Format(time.RFC3339)
	case !at.Before(promo.ValidTo):
		return "promo " + code + " expired at " + promo.ValidTo.Format(time.RFC3339)
	}
	return "promo " + code + " reached its maximum redemptions"
}

// Price prices lines (all amounts ≥ 0, sum ≤ MaxSubtotalMinor) by the rules of
// CONTRACT.md §3. code is the job's promo code ("" for none); promo is its
// state, applied when PromoApplies.
func Price(lines []codecs.QuoteLine, currency string, p Pricing, code string, promo *codecs.Promo, job string, at time.Time) codecs.Quote {
	q := codecs.Quote{Currency: currency, PromoCode: code}
	for _, l := range lines {
		q.SubtotalMinor += l.AmountMinor
	}
	if code != "" && PromoApplies(promo, job, at) {
		q.PromoApplied = true
		switch {
		case promo.PercentOff != nil:
			q.DiscountMinor = roundDiv(q.SubtotalMinor*int64(*promo.PercentOff), 100)
		case promo.AmountOffMinor != nil:
			q.DiscountMinor = min(*promo.AmountOffMinor, q.SubtotalMinor)
		}
	}
	taxable := q.SubtotalMinor - q.DiscountMinor
	q.TaxMinor = roundDiv(taxable*p.TaxBps, 10_000)
	q.TotalMinor = taxable + q.TaxMinor
	q.PlatformFeeMinor = roundDiv(taxable*p.PlatformFeeBps, 10_000)
	q.PayoutMinor = taxable - q.PlatformFeeMinor
	return q
}

// roundDiv is n/d rounded half away from zero, for d > 0.
func roundDiv(n, d int64) int64 {
	if n < 0 {
		return -roundDiv(-n, d)
	}
	return (n + d/2) / d
}
