package dependencies

import (
	"slices"
	"strings"

	"github.com/tradestream/tradestream/codecs"
)

// Apply applies a track or forget command to a tenant's graph (nil when it
// has none yet) and returns the new graph (nil when unchanged) and the
// commands to send to jobs. The commands depend only on the graph and cmd,
// so a redelivered command sends them again, with the same ids.
//
// A tracked job with dependencies is checked for a cycle: its edges close
// one exactly when one of its dependencies reaches it through the graph
// (a dependency that was named before it was posted). Such a job gets a
// dependency_cycle and stays out of the graph. Otherwise each dependency
// is asked to tell the job about its schedule (subscribe_dependent), and
// so is the tracked job for every job that named it before it existed.
func Apply(g *codecs.DependencyGraph, cmd *codecs.Command) (*codecs.DependencyGraph, []*codecs.Command) {
	var edges []codecs.DependencyEdge
	if g != nil {
		edges = g.Edges
	}
	i := slices.IndexFunc(edges, func(e codecs.DependencyEdge) bool { return e.JobID == cmd.JobID })
	switch cmd.Kind {
	case codecs.KindForgetDependencies:
		if i < 0 {
			return nil, nil
		}
		return &codecs.DependencyGraph{Edges: slices.Delete(slices.Clone(edges), i, i+1)}, nil
	case codecs.KindTrackDependencies:
	default:
		return nil, nil
	}
	var (
		next *codecs.DependencyGraph
		out  []*codecs.Command
	)
	deps := unique(cmd.DependsOn, cmd.JobID)
	switch path := Cycle(edges, cmd.JobID, deps); {
	case i >= 0:
		deps = edges[i].DependsOn
	case path != nil:
		deps = nil
		out = append(out, command(cmd, cmd.JobID, codecs.KindDependencyCycle, "cycle-"+cmd.JobID,
			func(c *codecs.Command) { c.Reason = "depends_on closes a cycle: " + strings.Join(path, " → ") }))
	case len(deps) > 0:
		next = &codecs.DependencyGraph{Edges: append(slices.Clone(edges), codecs.DependencyEdge{JobID: cmd.JobID, DependsOn: deps})}
	}
	for _, d := range deps {
		out = append(out, subscribe(cmd, d, cmd.JobID))
	}
	// Jobs that named this one before it existed (even if it is refused:
	// they then hear that it was cancelled).
	for _, e := range edges {
		if slices.Contains(e.DependsOn, cmd.JobID) {
			out = append(out, subscribe(cmd, cmd.JobID, e.JobID))
		}
	}
	return next, out
}

// Cycle returns the cycle job → dep → … → job that adding job's edges to
// deps would close, or nil.
func Cycle(edges []codecs.DependencyEdge, job string, deps []string) []string {
	adj := make(map[string][]string, len(edges))
	for _, e := range edges {
		adj[e.JobID] = e.DependsOn
	}
	seen := map[string]bool{}
	var path []string
	var visit func(n string) bool
	visit = func(n string) bool {
		if n == job {
			return true
		}
		if seen[n] {
			return false
		}
		seen[n] = true
		for _, m := range adj[n] {
			path = append(path, m)
			if visit(m) {
				return true
			}
			path = path[:len(path)-1]
		}
		return false
	}
	for _, d := range deps {
		path = []string{job, d}
		if visit(d) {
			return path
		}
	}
	return nil
}

// subscribe asks dependency to tell dependent about its schedule.
func subscribe(cause *codecs.Command, dependency, dependent string) *codecs.Command {
	return command(cause, dependency, codecs.KindSubscribeDependent, "sub-"+dependent+"-"+dependency,
		func(c *codecs.Command) { c.RelatedJobID = dependent })
}

func command(cause *codecs.Command, job, kind, id string, set func(*codecs.Command)) *codecs.Command {
	c := &codecs.Command{CommandID: id, TenantID: cause.TenantID, JobID: job, Kind: kind,
		AcceptedAt: cause.AcceptedAt, Source: codecs.SourceInternal}
	set(c)
	return c
}

// unique returns ids without repeats and without self.
func unique(ids []string, self string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != self && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
