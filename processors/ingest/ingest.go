package ingest

import (
	"fmt"
	"log/slog"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// Define returns the ingest group graph.
func Define(cat *topology.Catalog) *goka.GroupGraph {
	p := &processor{cat: cat, streams: map[Owner]*topology.Stream[codecs.Command]{
		Jobs: cat.JobCommands, Tradespeople: cat.TradespersonCommands, Pricing: cat.PricingCommands,
		Promos: cat.PromoCommands, Payments: cat.PaymentCommands,
	}}
	return topology.DefineGroup(cat, cat.Ingest,
		cat.Commands.Input(p.handle),
		cat.JobCommands.Output(),
		cat.TradespersonCommands.Output(),
		cat.PricingCommands.Output(),
		cat.PromoCommands.Output(),
		cat.PaymentCommands.Output(),
		cat.Rejects.Output(),
	)
}

type processor struct {
	cat     *topology.Catalog
	streams map[Owner]*topology.Stream[codecs.Command]
}

func (p *processor) handle(ctx goka.Context, cmd *codecs.Command) {
	if cmd.TenantID != ctx.Key() {
		p.cat.DeadLetter(ctx, nil, fmt.Errorf("ingest: command %s of tenant %q under key %q", cmd.CommandID, cmd.TenantID, ctx.Key()))
		return
	}
	var st codecs.IngestState
	if cur := p.cat.Ingest.Get(ctx); cur != nil {
		st = *cur
	}
	next, outcome := Sequence(st, cmd, ctx.Offset())
	if cmd.IdempotencyKey != "" || next.Pricing != st.Pricing {
		p.cat.Ingest.Set(ctx, &next) // only keyed commands and pricing change the state
	}
	switch outcome {
	case Forward:
		owner, key := Route(cmd)
		if owner == Jobs {
			cmd.Pricing = next.Pricing
		}
		p.streams[owner].Emit(ctx, key, cmd)
	case Duplicate:
		slog.Debug("ingest: repeated idempotency key", "tenant", cmd.TenantID, "key", cmd.IdempotencyKey)
	case Unroutable:
		p.cat.Rejects.Emit(ctx, cmd.TenantID, &codecs.Rejection{CommandID: cmd.CommandID, TenantID: cmd.TenantID,
			JobID: cmd.JobID, Kind: cmd.Kind, Code: "unroutable", Reason: "no processor owns command kind " + cmd.Kind,
			At: cmd.AcceptedAt})
	}
}
