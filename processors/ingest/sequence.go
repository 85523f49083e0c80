package ingest

import (
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// KeyWindow is how long an Idempotency-Key is remembered.
const KeyWindow = 24 * time.Hour

// MaxKeys bounds the keys remembered per tenant; the oldest go first.
const MaxKeys = 20000

// Outcome is what Sequence decided for one command.
type Outcome int

// Outcomes of Sequence.
const (
	// Forward means the command is sequenced and goes to its owner.
	Forward Outcome = iota
	// Duplicate means the Idempotency-Key was already used: no effect.
	Duplicate
	// Unroutable means no group owns the command kind.
	Unroutable
)

// Sequence decides what happens to cmd, read at offset of the tenant's
// partition, given the tenant's state. It returns the next state and stamps
// cmd.Seq. It is deterministic: a redelivered record gets the same answer.
func Sequence(st codecs.IngestState, cmd *codecs.Command, offset int64) (codecs.IngestState, Outcome) {
	if offset > st.LastOffset {
		st.LastOffset = offset
	}
	cmd.Seq = offset + 1
	if cmd.IdempotencyKey != "" {
		st.Keys = prune(st.Keys, cmd.AcceptedAt.Add(-KeyWindow))
		for _, e := range st.Keys {
			if e.Key == cmd.IdempotencyKey {
				if e.Offset == offset {
					break // a redelivery of the first record: route it again
				}
				return st, Duplicate
			}
		}
		if !contains(st.Keys, offset) {
			st.Keys = append(st.Keys, codecs.IdempotencyEntry{Key: cmd.IdempotencyKey, CommandID: cmd.CommandID,
				Offset: offset, AcceptedAt: cmd.AcceptedAt})
		}
		if len(st.Keys) > MaxKeys {
			st.Keys = append([]codecs.IdempotencyEntry(nil), st.Keys[len(st.Keys)-MaxKeys:]...)
		}
	}
	if owner, _ := Route(cmd); owner == NoOwner {
		return st, Unroutable
	}
	st.Pricing = NotePricing(st.Pricing, cmd)
	return st, Forward
}

// NotePricing returns the tenant's pricing after cmd: a set_pricing newer
// than cur replaces it (the pricing group applies the same rule), anything
// else leaves cur. The jobs group prices with the stamp ingest puts on its
// commands, so that its replay does not depend on the pricing table.
func NotePricing(cur *codecs.PricingStamp, cmd *codecs.Command) *codecs.PricingStamp {
	if cmd.Kind != codecs.KindSetPricing || cmd.SetPricing == nil || (cur != nil && cmd.Seq <= cur.Seq) {
		return cur
	}
	return &codecs.PricingStamp{TaxBps: cmd.SetPricing.TaxBps, PlatformFeeBps: cmd.SetPricing.PlatformFeeBps, Seq: cmd.Seq}
}

// Owner names the group a command is routed to.
type Owner int

// Owners of commands.
const (
	NoOwner Owner = iota
	Jobs
	Tradespeople
	Pricing
	Promos
	Payments
)

// Route returns the owning group of cmd and the key it is routed under, or
// NoOwner when no group owns the command or it lacks its entity id.
func Route(cmd *codecs.Command) (Owner, string) {
	t := cmd.TenantID
	switch cmd.Kind {
	case codecs.KindPostJob, codecs.KindCancelJob, codecs.KindRescheduleJob, codecs.KindSetJobStatus,
		codecs.KindSubmitBid, codecs.KindAcceptBid, codecs.KindGiveFeedback,
		codecs.KindPostMessage:
		return owned(Jobs, t, cmd.JobID)
	case codecs.KindUpsertTradesperson:
		return owned(Tradespeople, t, cmd.TradespersonID)
	case codecs.KindSetPricing:
		return Pricing, t
	case codecs.KindUpsertPromo:
		return owned(Promos, t, cmd.PromoCode)
	case codecs.KindPaymentEvent:
		// Through the job, which stamps it (codecs.PaymentJob) and
		// forwards it to the payments group.
		if o, _ := owned(Payments, t, cmd.PaymentID); o == NoOwner || cmd.JobID == "" {
			return owned(Payments, t, cmd.PaymentID)
		}
		return owned(Jobs, t, cmd.JobID)
	}
	return NoOwner, ""
}

func owned(o Owner, tenant, id string) (Owner, string) {
	if id == "" {
		return NoOwner, ""
	}
	return o, tenant + "/" + id
}

// JobKey is the key of a job in every job-keyed topic and table.
func JobKey(tenant, job string) string { return tenant + "/" + job }

// prune drops entries accepted before cutoff (entries are in accepted order).
func prune(keys []codecs.IdempotencyEntry, cutoff time.Time) []codecs.IdempotencyEntry {
	i := 0
	for i < len(keys) && keys[i].AcceptedAt.Before(cutoff) {
		i++
	}
	return keys[i:]
}

func contains(keys []codecs.IdempotencyEntry, offset int64) bool {
	for _, e := range keys {
		if e.Offset == offset {
			return true
		}
	}
	return false
}
