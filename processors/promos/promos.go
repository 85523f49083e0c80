// Package promos is the processor group that owns promo codes, keyed
// "<tenant>/<code>". It is the single writer of each code's redemptions, so
// max_redemptions holds exactly even when jobs accept at the same moment, and
// a job redeems a code at most once however often the request is delivered.
// Like pricing, it re-prices the open quotes using a code when it changes.
//
// The client commands of a job with a code pass through the group on their
// way to the job, stamped with the code's state (Stamp): the job prices with
// the state of the log, so a replay of the jobs group prices as before.
package promos

import (
	"slices"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// Define returns the promos group graph.
func Define(cat *topology.Catalog) *goka.GroupGraph {
	p := &processor{cat: cat}
	return topology.DefineGroup(cat, cat.Promos,
		cat.PromoCommands.Input(p.handle),
		cat.JobCommands.Output(),
	)
}

type processor struct{ cat *topology.Catalog }

// Outcome is what Apply decided.
type Outcome struct {
	// Promo is the new state; nil when unchanged.
	Promo *codecs.Promo
	// Reprice lists jobs whose open quotes use the code.
	Reprice []string
	// Refused is set when a redemption was refused.
	Refused bool
	// Snapshot is the state a reprice carries when Promo is nil.
	Snapshot *codecs.Promo
}

func (p *processor) handle(ctx goka.Context, cmd *codecs.Command) {
	if PassesThrough(cmd) {
		p.cat.JobCommands.Emit(ctx, cmd.TenantID+"/"+cmd.JobID, Stamp(p.cat.Promos.Get(ctx), cmd))
		return
	}
	out := Apply(p.cat.Promos.Get(ctx), cmd)
	if out.Promo != nil {
		p.cat.Promos.Set(ctx, out.Promo)
	}
	internal := func(job, kind string) *codecs.Command {
		return &codecs.Command{CommandID: cmd.CommandID + "/" + kind, TenantID: cmd.TenantID, JobID: job, Kind: kind,
			PromoCode: cmd.PromoCode, AcceptedAt: cmd.AcceptedAt, Source: codecs.SourceInternal}
	}
	snapshot := out.Promo
	if snapshot == nil {
		snapshot = out.Snapshot
	}
	for _, job := range out.Reprice {
		c := internal(job, codecs.KindReprice)
		c.Promo = snapshot
		p.cat.JobCommands.Emit(ctx, cmd.TenantID+"/"+job, c)
	}
	if out.Refused {
		p.cat.JobCommands.Emit(ctx, cmd.TenantID+"/"+cmd.JobID, internal(cmd.JobID, codecs.KindPromoRefused))
	}
}

// PassesThrough reports whether cmd is a job's command sent through the
// group on its way to the job (the jobs group's promo.go): any kind but
// the group's own.
func PassesThrough(cmd *codecs.Command) bool {
	switch cmd.Kind {
	case codecs.KindUpsertPromo, codecs.KindRedeemPromo, codecs.KindTrackOpenJob, codecs.KindUntrackOpenJob:
		return false
	}
	return cmd.JobID != ""
}

// Stamp returns cmd as it goes on to its job: stamped with the code's state
// cur (nil: no such code) as of this point of the group's log, without the
// open jobs, which the job does not need.
func Stamp(cur *codecs.Promo, cmd *codecs.Command) *codecs.Command {
	out := *cmd
	out.PromoChecked, out.Promo = true, nil
	if cur != nil {
		snap := *cur
		snap.OpenJobs = nil
		out.Promo = &snap
	}
	return &out
}

// Apply applies a promo command to the code's state (nil when unknown).
func Apply(cur *codecs.Promo, cmd *codecs.Command) Outcome {
	switch cmd.Kind {
	case codecs.KindUpsertPromo:
		u := cmd.UpsertPromo
		switch {
		case u == nil || (cur != nil && cmd.Seq < cur.Seq):
			return Outcome{}
		case cur != nil && cmd.Seq == cur.Seq:
			// A redelivery: re-price again in case a crash lost the messages.
			return Outcome{Reprice: slices.Clone(cur.OpenJobs), Snapshot: cur}
		}
		next := &codecs.Promo{Code: u.Code, PercentOff: u.PercentOff, AmountOffMinor: u.AmountOffMinor,
			ValidFrom: u.ValidFrom, ValidTo: u.ValidTo, MaxRedemptions: u.MaxRedemptions, Active: u.Active,
			Redeemed: []string{}, OpenJobs: []string{}, Seq: cmd.Seq}
		if cur != nil {
			next.Redeemed, next.OpenJobs = cur.Redeemed, cur.OpenJobs
		}
		return Outcome{Promo: next, Reprice: slices.Clone(next.OpenJobs)}
	case codecs.KindRedeemPromo:
		if cur != nil && slices.Contains(cur.Redeemed, cmd.JobID) {
			return Outcome{} // already redeemed by this job
		}
		if cur == nil || !cur.Active || (cur.MaxRedemptions != nil && len(cur.Redeemed) >= int(*cur.MaxRedemptions)) {
			return Outcome{Refused: true}
		}
		next := *cur
		next.Redeemed = append(slices.Clone(cur.Redeemed), cmd.JobID)
		return Outcome{Promo: &next}
	case codecs.KindTrackOpenJob, codecs.KindUntrackOpenJob:
		if cur == nil {
			return Outcome{}
		}
		i := slices.Index(cur.OpenJobs, cmd.JobID)
		next := *cur
		switch {
		case cmd.Kind == codecs.KindTrackOpenJob && i < 0:
			next.OpenJobs = append(slices.Clone(cur.OpenJobs), cmd.JobID)
		case cmd.Kind == codecs.KindUntrackOpenJob && i >= 0:
			next.OpenJobs = slices.Delete(slices.Clone(cur.OpenJobs), i, i+1)
		default:
			return Outcome{}
		}
		return Outcome{Promo: &next}
	}
	return Outcome{}
}
