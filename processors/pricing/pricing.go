// Package pricing is the processor group that owns each tenant's tax and
// platform fee, keyed by tenant. It also keeps the tenant's jobs that have
// open quotes, and on a change sends each of them a reprice command carrying
// the new pricing — the foreign-key update Goka has no join for.
package pricing

import (
	"slices"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// Define returns the pricing group graph.
func Define(cat *topology.Catalog) *goka.GroupGraph {
	p := &processor{cat: cat}
	return topology.DefineGroup(cat, cat.Pricing,
		cat.PricingCommands.Input(p.handle),
		cat.JobCommands.Output(),
	)
}

type processor struct{ cat *topology.Catalog }

func (p *processor) handle(ctx goka.Context, cmd *codecs.Command) {
	var cur codecs.TenantPricing
	if v := p.cat.Pricing.Get(ctx); v != nil {
		cur = *v
	}
	next, reprice := Apply(cur, cmd)
	if next != nil {
		p.cat.Pricing.Set(ctx, next)
	}
	for _, job := range reprice {
		p.cat.JobCommands.Emit(ctx, cmd.TenantID+"/"+job, &codecs.Command{CommandID: cmd.CommandID + "/reprice",
			TenantID: cmd.TenantID, JobID: job, Kind: codecs.KindReprice, AcceptedAt: cmd.AcceptedAt,
			Source: codecs.SourceInternal, SetPricing: cmd.SetPricing, Pricing: Stamp(cmd)})
	}
}

// Stamp is the pricing a reprice caused by the set_pricing cmd carries,
// ordered by its sequence number like the stamps of the ingest group.
func Stamp(cmd *codecs.Command) *codecs.PricingStamp {
	if cmd.SetPricing == nil {
		return nil
	}
	return &codecs.PricingStamp{TaxBps: cmd.SetPricing.TaxBps, PlatformFeeBps: cmd.SetPricing.PlatformFeeBps, Seq: cmd.Seq}
}

// Apply returns the tenant's new pricing state (nil: unchanged) and the jobs
// to re-price. A redelivered set_pricing changes nothing but re-prices again.
func Apply(cur codecs.TenantPricing, cmd *codecs.Command) (*codecs.TenantPricing, []string) {
	switch cmd.Kind {
	case codecs.KindSetPricing:
		switch {
		case cmd.SetPricing == nil || (cmd.Seq < cur.Seq && !cur.UpdatedAt.IsZero()):
			return nil, nil
		case cmd.Seq == cur.Seq && !cur.UpdatedAt.IsZero():
			// A redelivery of the last change: re-price again (jobs ignore
			// a price they have) in case a crash lost the messages.
			return nil, slices.Clone(cur.OpenJobs)
		}
		cur.TaxBps, cur.PlatformFeeBps = cmd.SetPricing.TaxBps, cmd.SetPricing.PlatformFeeBps
		cur.UpdatedAt, cur.Seq = cmd.AcceptedAt, cmd.Seq
		return &cur, slices.Clone(cur.OpenJobs)
	case codecs.KindTrackOpenJob:
		if slices.Contains(cur.OpenJobs, cmd.JobID) {
			return nil, nil
		}
		cur.OpenJobs = append(slices.Clone(cur.OpenJobs), cmd.JobID)
		return &cur, nil
	case codecs.KindUntrackOpenJob:
		i := slices.Index(cur.OpenJobs, cmd.JobID)
		if i < 0 {
			return nil, nil
		}
		cur.OpenJobs = slices.Delete(slices.Clone(cur.OpenJobs), i, i+1)
		return &cur, nil
	}
	return nil, nil
}
