package dependencies

import (
	"cmp"
	"slices"

	"github.com/tradestream/tradestream/codecs"
)

// Apply applies a track or forget command to a tenant's graph (nil when it
// has none yet) and returns the new graph (nil when unchanged) and the
// commands to send to jobs. The commands depend only on the graph and cmd,
// so a redelivered command sends them again, with the same ids.
//
// A tracked job with dependencies is checked for cycles in posting order
// (cmd.Seq, the post's sequence number), whatever order the tracks arrive
// in: see [Admit]. A refused job gets a dependency_cycle (the new job then
// stays out of the graph; a job already tracked leaves it). Otherwise each
// dependency is asked to tell the job about its schedule
// (subscribe_dependent), and so is the tracked job for every job that
// named it before it existed.
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
	if i >= 0 { // a redelivery: the same commands again
		return nil, sends(cmd, edges, edges[i])
	}
	edge := codecs.DependencyEdge{JobID: cmd.JobID, DependsOn: unique(cmd.DependsOn, cmd.JobID), PostedSeq: cmd.Seq}
	if len(edge.DependsOn) == 0 { // it can close no cycle, and is not stored
		return nil, sends(cmd, edges, edge)
	}
	kept, refused, path := Admit(edges, edge)
	if path != nil {
		// Jobs that named it before it existed hear that it was cancelled.
		return nil, append([]*codecs.Command{cycle(cmd, cmd.JobID, reason(path))}, sends(cmd, edges, codecs.DependencyEdge{JobID: cmd.JobID})...)
	}
	edge.Refused = refused
	next := &codecs.DependencyGraph{Edges: append(kept, edge)}
	return next, sends(cmd, next.Edges, edge)
}

// Admit decides, in posting order, what adding edge to an acyclic graph
// does. A job refused for a cycle is the one of the cycle posted last, so
// the outcome is that of tracking the jobs in posting order whatever order
// they arrive in:
//   - edge closes a cycle with the jobs posted before it: it is refused,
//     path is the cycle (edge.JobID → … → edge.JobID) and the graph is
//     unchanged;
//   - otherwise it is admitted, and the tracked jobs posted after it are
//     checked again in posting order: each that now closes a cycle with the
//     jobs admitted before it is refused (listed in refused, with its cycle)
//     and its edge dropped from kept.
//
// A sequence number 0 is unknown: a job with it is refused on any cycle
// (first come, first served), and an edge with it counts as posted first.
func Admit(edges []codecs.DependencyEdge, edge codecs.DependencyEdge) (kept []codecs.DependencyEdge, refused []codecs.CycleRefusal, path []string) {
	if edge.PostedSeq == 0 {
		return slices.Clone(edges), nil, Cycle(edges, edge.JobID, edge.DependsOn)
	}
	var admitted, later []codecs.DependencyEdge
	for _, e := range edges {
		if e.PostedSeq > edge.PostedSeq {
			later = append(later, e)
		} else {
			admitted = append(admitted, e)
		}
	}
	if path := Cycle(admitted, edge.JobID, edge.DependsOn); path != nil {
		return edges, nil, path
	}
	admitted = append(admitted, edge)
	slices.SortStableFunc(later, func(a, b codecs.DependencyEdge) int { return cmp.Compare(a.PostedSeq, b.PostedSeq) })
	for _, e := range later {
		if p := Cycle(admitted, e.JobID, e.DependsOn); p != nil {
			refused = append(refused, codecs.CycleRefusal{JobID: e.JobID, Reason: reason(p)})
		} else {
			admitted = append(admitted, e)
		}
	}
	if len(refused) == 0 {
		return slices.Clone(edges), nil, nil
	}
	for _, e := range edges {
		if !slices.ContainsFunc(refused, func(r codecs.CycleRefusal) bool { return r.JobID == e.JobID }) {
			kept = append(kept, e)
		}
	}
	return kept, refused, nil
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

// sends are the commands of tracking edge in the graph edges: the refusals
// its arrival caused, a subscribe to each of its dependencies, and one for
// each job that named it.
func sends(cause *codecs.Command, edges []codecs.DependencyEdge, edge codecs.DependencyEdge) []*codecs.Command {
	var out []*codecs.Command
	for _, r := range edge.Refused {
		out = append(out, cycle(cause, r.JobID, r.Reason))
	}
	for _, d := range edge.DependsOn {
		out = append(out, subscribe(cause, d, edge.JobID))
	}
	for _, e := range edges {
		if slices.Contains(e.DependsOn, edge.JobID) {
			out = append(out, subscribe(cause, edge.JobID, e.JobID))
		}
	}
	return out
}

// cycle refuses job: its depends_on closes a cycle.
func cycle(cause *codecs.Command, job, why string) *codecs.Command {
	return command(cause, job, codecs.KindDependencyCycle, "cycle-"+job, func(c *codecs.Command) { c.Reason = why })
}

func reason(path []string) string { return codecs.CycleReason(path) }

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
