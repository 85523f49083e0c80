package jobs

import (
	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// Define returns the jobs group graph.
func Define(cat *topology.Catalog) *goka.GroupGraph {
	p := &processor{cat: cat}
	return topology.DefineGroup(cat, cat.Jobs,
		cat.JobCommands.Input(p.handle),
		cat.Rejects.Output(),
	)
}

type processor struct {
	cat *topology.Catalog
}

func (p *processor) handle(ctx goka.Context, cmd *codecs.Command) {
	cur := p.cat.Jobs.Get(ctx)
	next, rej := Apply(cur, cmd)
	if next != nil && next != cur {
		p.cat.Jobs.Set(ctx, next)
	}
	if rej != nil {
		p.cat.Rejects.Emit(ctx, cmd.TenantID, rej)
	}
}
