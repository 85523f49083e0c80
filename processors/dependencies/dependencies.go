// Package dependencies is the processor group that owns each tenant's
// depends_on graph, keyed by tenant: one writer per tenant, so two posts
// that would close a cycle together are seen one after the other.
//
// # Why a per-tenant graph
//
// A cycle needs a job to name a dependency that was not posted yet (depends_on
// is fixed at posting). Catching it needs every edge of the tenant in one
// place: the jobs group tracks every posted job here, and a job whose edges
// would close a cycle is refused (dependency_cycle: the job is cancelled
// with the rejection in its view and on the rejects topic).
//
// # Refused in posting order
//
// The jobs group sends the tracks from its job-keyed partitions, so they
// arrive here in an order that is not the tenant's. Each track carries
// its post's sequence number, and of the jobs on a cycle the one posted
// last is refused, as if the tracks had arrived in posting order: when a
// job arrives after a job posted later that already closed the cycle with
// it, that later job is refused after the fact (it leaves the graph and is
// cancelled, freeing any slot; its dependents hear it). The newcomer keeps
// the refusals it caused, so a redelivered track sends them again.
//
// # Dependents
//
// The graph also introduces jobs to their dependencies: for each edge it
// asks the dependency to subscribe the dependent, which then hears about
// the dependency's schedule directly, job to job, on every change. A
// dependency named before it existed is asked when it is posted. Only the
// jobs with dependencies are stored, and a job leaves the graph when it
// completes or is cancelled (it can then close no cycle that matters).
package dependencies

import (
	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// Define returns the dependencies group graph.
func Define(cat *topology.Catalog) *goka.GroupGraph {
	p := &processor{cat: cat}
	return topology.DefineGroup(cat, cat.Dependencies,
		cat.DependencyCommands.Input(p.handle),
		cat.JobCommands.Output(),
	)
}

type processor struct{ cat *topology.Catalog }

func (p *processor) handle(ctx goka.Context, cmd *codecs.Command) {
	next, out := Apply(p.cat.Dependencies.Get(ctx), cmd)
	if next != nil {
		p.cat.Dependencies.Set(ctx, next)
	}
	for _, c := range out {
		p.cat.JobCommands.Emit(ctx, c.TenantID+"/"+c.JobID, c)
	}
}
