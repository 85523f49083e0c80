package calendar

import (
	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// Define returns the calendar group graph: calendar requests in, answers
// to the jobs out.
func Define(cat *topology.Catalog) *goka.GroupGraph {
	p := &processor{cat: cat}
	return topology.DefineGroup(cat, cat.Calendars,
		cat.CalendarCommands.Input(p.handle),
		cat.JobCommands.Output(),
	)
}

type processor struct{ cat *topology.Catalog }

func (p *processor) handle(ctx goka.Context, req *codecs.CalendarRequest) {
	next, answers := Apply(p.cat.Calendars.Get(ctx), req)
	if next != nil {
		p.cat.Calendars.Set(ctx, next)
	}
	for _, a := range answers {
		p.cat.JobCommands.Emit(ctx, a.TenantID+"/"+a.JobID, a)
	}
}

// Key is the calendar key of a tradesperson.
func Key(tenant, tradesperson string) string { return tenant + "/" + tradesperson }
