// Package payments is the processor group that tracks each payment's latest
// state on a compacted table keyed "<tenant>/<payment>". Every accepted event
// is appended to the payments ledger stream; settling appends the final
// record and then deletes the key with a tombstone, so the view answers 404.
//
// The ledger is at-least-once: after a crash between the tombstone and the
// offset commit, a payment's events may be appended again. Ledger consumers
// deduplicate by command id.
package payments

import (
	"fmt"
	"slices"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// Define returns the payments group graph. Payment events come through the
// jobs group, stamped with their job (codecs.PaymentJob): the job must
// exist and match the currency. No other group's table is read, so a replay
// decides every event as before.
func Define(cat *topology.Catalog) *goka.GroupGraph {
	p := &processor{cat: cat}
	return topology.DefineGroup(cat, cat.Payments,
		cat.PaymentCommands.Input(p.handle),
		cat.PaymentsLedger.Output(),
		cat.Rejects.Output(),
		cat.JobCommands.Output(),
	)
}

type processor struct{ cat *topology.Catalog }

func (p *processor) handle(ctx goka.Context, cmd *codecs.Command) {
	job := JobOf(cmd)
	next, reason := Apply(p.cat.Payments.Get(ctx), job, cmd)
	if reason != "" {
		rej := &codecs.Rejection{CommandID: cmd.CommandID, TenantID: cmd.TenantID, JobID: cmd.JobID, Kind: cmd.Kind,
			Code: "invalid_payment", Reason: reason, At: cmd.AcceptedAt}
		p.cat.Rejects.Emit(ctx, cmd.TenantID, rej)
		if job != nil {
			p.cat.JobCommands.Emit(ctx, cmd.TenantID+"/"+cmd.JobID, &codecs.Command{CommandID: cmd.CommandID + "/rejection",
				TenantID: cmd.TenantID, JobID: cmd.JobID, Kind: codecs.KindRecordRejection, AcceptedAt: cmd.AcceptedAt,
				Source: codecs.SourceInternal, Rejection: rej})
		}
		return
	}
	if next == nil {
		return // a redelivery
	}
	e := cmd.PaymentEvent
	p.cat.PaymentsLedger.Emit(ctx, cmd.TenantID, &codecs.LedgerEntry{TenantID: cmd.TenantID, PaymentID: e.PaymentID,
		JobID: cmd.JobID, Event: e.Event, AmountMinor: e.AmountMinor, Currency: e.Currency, At: cmd.AcceptedAt,
		CommandID: cmd.CommandID})
	if next.State == codecs.PaymentSettled {
		ctx.Delete()
		return
	}
	p.cat.Payments.Set(ctx, next)
}

// JobOf returns the job a payment event was stamped with by the jobs group
// (only the fields Apply checks), or nil when the job did not exist.
func JobOf(cmd *codecs.Command) *codecs.Job {
	if cmd.PaymentJob == nil {
		return nil
	}
	return &codecs.Job{ID: cmd.JobID, TenantID: cmd.TenantID, Currency: cmd.PaymentJob.Currency}
}

// allowed lists, per state, the events that may follow it.
var allowed = map[string][]string{
	"":                       {codecs.PaymentAuthorized, codecs.PaymentCaptured},
	codecs.PaymentAuthorized: {codecs.PaymentCaptured},
	codecs.PaymentCaptured:   {codecs.PaymentRefunded, codecs.PaymentSettled},
	codecs.PaymentRefunded:   {codecs.PaymentSettled},
}

// Apply returns the payment's next state, or a reason to reject the event.
// It returns (nil, "") for a redelivered event.
func Apply(cur *codecs.Payment, job *codecs.Job, cmd *codecs.Command) (*codecs.Payment, string) {
	e := cmd.PaymentEvent
	if e == nil {
		return nil, "payment_event without payload"
	}
	if cur != nil && cmd.Seq <= cur.Seq {
		return nil, ""
	}
	state := ""
	if cur != nil {
		state = cur.State
	}
	switch {
	case job == nil:
		return nil, "job " + cmd.JobID + " does not exist"
	case cur != nil && cur.JobID != cmd.JobID:
		return nil, fmt.Sprintf("payment %s belongs to job %s", e.PaymentID, cur.JobID)
	case e.Currency != job.Currency:
		return nil, fmt.Sprintf("payment currency %s does not match the job's %s", e.Currency, job.Currency)
	case e.AmountMinor <= 0:
		return nil, "amount_minor must be positive"
	case !slices.Contains(allowed[state], e.Event):
		if state == "" {
			return nil, fmt.Sprintf("payment %s is unknown: it cannot be %s", e.PaymentID, e.Event)
		}
		return nil, fmt.Sprintf("a %s payment cannot be %s", state, e.Event)
	case cur != nil && e.Event == codecs.PaymentRefunded && e.AmountMinor > cur.AmountMinor:
		return nil, "a refund cannot exceed the captured amount"
	}
	return &codecs.Payment{PaymentID: e.PaymentID, TenantID: cmd.TenantID, JobID: cmd.JobID, State: e.Event,
		AmountMinor: e.AmountMinor, Currency: e.Currency, UpdatedAt: cmd.AcceptedAt, Seq: cmd.Seq}, ""
}
