package dependencies

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

var t0 = time.Date(2030, 1, 7, 8, 0, 0, 0, time.UTC)

func track(job string, deps ...string) *codecs.Command {
	return &codecs.Command{CommandID: "deps-" + job, TenantID: "acme", JobID: job, Kind: codecs.KindTrackDependencies,
		DependsOn: deps, AcceptedAt: t0, Source: codecs.SourceInternal}
}

// apply runs cmds and returns the graph and "<kind> <job> <related>" of
// every command sent.
func apply(g *codecs.DependencyGraph, cmds ...*codecs.Command) (*codecs.DependencyGraph, []string) {
	var sent []string
	for _, c := range cmds {
		next, out := Apply(g, c)
		if next != nil {
			g = next
		}
		for _, o := range out {
			sent = append(sent, o.Kind+" "+o.JobID+" "+o.RelatedJobID)
		}
	}
	return g, sent
}

func TestEachDependencyIsAskedToTellItsDependent(t *testing.T) {
	g, sent := apply(nil, track("a"), track("b", "a"), track("c", "a", "b", "a", "c"))
	assert.Equal(t, []string{"subscribe_dependent a b", "subscribe_dependent a c", "subscribe_dependent b c"}, sent,
		"repeats and self-references are dropped")
	assert.Equal(t, []codecs.DependencyEdge{{JobID: "b", DependsOn: []string{"a"}}, {JobID: "c", DependsOn: []string{"a", "b"}}}, g.Edges,
		"only jobs with dependencies are stored")
}

func TestADependencyPostedLaterIsAskedWhenItArrives(t *testing.T) {
	g, sent := apply(nil, track("b", "a"))
	assert.Equal(t, []string{"subscribe_dependent a b"}, sent, "sent anyway: a may exist already")
	_, sent = apply(g, track("a"))
	assert.Equal(t, []string{"subscribe_dependent a b"}, sent, "and again once a is posted")
}

func TestARedeliveredTrackSendsTheSameCommandsAndChangesNothing(t *testing.T) {
	g, _ := apply(nil, track("b", "a"))
	next, out := Apply(g, track("b", "a"))
	assert.Nil(t, next)
	require.Len(t, out, 1)
	assert.Equal(t, "sub-b-a", out[0].CommandID, "deterministic ids")
}

func TestACycleIsRefusedAndItsJobStaysOutOfTheGraph(t *testing.T) {
	g, _ := apply(nil, track("a", "c"), track("b", "a"))
	next, out := Apply(g, track("c", "b"))
	assert.Nil(t, next)
	require.Len(t, out, 2)
	assert.Equal(t, codecs.KindDependencyCycle, out[0].Kind)
	assert.Equal(t, "c", out[0].JobID)
	assert.Equal(t, "depends_on closes a cycle: c → b → a → c", out[0].Reason)
	assert.Equal(t, "subscribe_dependent c a", out[1].Kind+" "+out[1].JobID+" "+out[1].RelatedJobID,
		"a, which named c, hears that c is cancelled")
	_, sent := apply(g, track("d", "b", "a"))
	assert.Equal(t, []string{"subscribe_dependent b d", "subscribe_dependent a d"}, sent, "a diamond is no cycle")
}

func trackSeq(job string, seq int64, deps ...string) *codecs.Command {
	c := track(job, deps...)
	c.Seq = seq
	return c
}

// run tracks cmds in order and returns the graph and every refusal sent
// (job → reason).
func run(t *testing.T, cmds []*codecs.Command) (*codecs.DependencyGraph, map[string]string) {
	t.Helper()
	var g *codecs.DependencyGraph
	refused := map[string]string{}
	for _, c := range cmds {
		next, out := Apply(g, c)
		if next != nil {
			g = next
		}
		for _, o := range out {
			if o.Kind == codecs.KindDependencyCycle {
				require.Equal(t, "cycle-"+o.JobID, o.CommandID)
				refused[o.JobID] = o.Reason
			}
		}
	}
	return g, refused
}

func TestACycleRefusesTheJobPostedLastWhicheverArrivesFirst(t *testing.T) {
	a, b := trackSeq("a", 1, "b"), trackSeq("b", 2, "a")
	for name, order := range map[string][]*codecs.Command{"in posting order": {a, b}, "b first": {b, a}} {
		t.Run(name, func(t *testing.T) {
			g, refused := run(t, order)
			assert.Equal(t, map[string]string{"b": "depends_on closes a cycle: b → a → b"}, refused)
			require.Len(t, g.Edges, 1)
			assert.Equal(t, "a", g.Edges[0].JobID, "b left the graph")
			_, sent := apply(g, order[1])
			assert.Contains(t, sent, "subscribe_dependent b a", "a hears that b was cancelled")
		})
	}
}

func TestARefusalAfterTheFactIsSentAgainOnRedelivery(t *testing.T) {
	g, _ := apply(nil, trackSeq("b", 2, "a"))
	next, out := Apply(g, trackSeq("a", 1, "b"))
	require.NotNil(t, next)
	assert.Equal(t, []codecs.DependencyEdge{{JobID: "a", DependsOn: []string{"b"}, PostedSeq: 1,
		Refused: []codecs.CycleRefusal{{JobID: "b", Reason: "depends_on closes a cycle: b → a → b"}}}}, next.Edges)
	require.Len(t, out, 2)
	assert.Equal(t, "cycle-b", out[0].CommandID)
	assert.Equal(t, "sub-a-b", out[1].CommandID)

	again, outAgain := Apply(next, trackSeq("a", 1, "b"))
	assert.Nil(t, again, "a redelivered track changes nothing")
	assert.Equal(t, out, outAgain, "and sends the same commands, the refusal included")
	_, outB := Apply(next, trackSeq("b", 2, "a"))
	require.NotEmpty(t, outB)
	assert.Equal(t, "cycle-b", outB[0].CommandID, "a redelivered track of b is refused again, under the same id")
}

func TestCycleRefusalsDoNotDependOnArrivalOrder(t *testing.T) {
	for name, tc := range map[string]struct {
		jobs    []*codecs.Command
		refused []string
	}{
		"a 3-cycle refuses its last": {
			[]*codecs.Command{trackSeq("a", 1, "b"), trackSeq("b", 2, "c"), trackSeq("c", 3, "a")}, []string{"c"}},
		"a 3-cycle closed by its first": {
			[]*codecs.Command{trackSeq("a", 1, "c"), trackSeq("b", 2, "a"), trackSeq("c", 3, "b")}, []string{"c"}},
		"two cycles through one job": {
			[]*codecs.Command{trackSeq("a", 1, "b", "c"), trackSeq("b", 2, "a"), trackSeq("c", 3, "a")}, []string{"b", "c"}},
		"a cycle and a diamond": {
			[]*codecs.Command{trackSeq("a", 1), trackSeq("b", 2, "a"), trackSeq("c", 3, "a", "d"), trackSeq("d", 4, "b", "c")}, []string{"d"}},
		"a job closing two cycles": {
			[]*codecs.Command{trackSeq("x", 1, "b"), trackSeq("a", 2, "b"), trackSeq("b", 3, "a", "x")}, []string{"b"}},
		"no cycle": {
			[]*codecs.Command{trackSeq("a", 1, "b"), trackSeq("b", 2, "c"), trackSeq("c", 3)}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			want, wantRefused := run(t, tc.jobs)
			assert.ElementsMatch(t, tc.refused, keys(wantRefused), "in posting order")
			for _, order := range permutations(tc.jobs) {
				g, refused := run(t, order)
				assert.ElementsMatch(t, tc.refused, keys(refused), "arrival order %v", ids(order))
				assert.ElementsMatch(t, edgeSet(want), edgeSet(g), "arrival order %v", ids(order))
			}
		})
	}
}

func TestAJobWithAnUnknownSeqIsRefusedOnAnyCycle(t *testing.T) {
	_, refused := run(t, []*codecs.Command{trackSeq("b", 2, "a"), trackSeq("a", 0, "b")})
	assert.Equal(t, []string{"a"}, keys(refused), "first come, first served")
	_, refused = run(t, []*codecs.Command{trackSeq("b", 0, "a"), trackSeq("a", 1, "b")})
	assert.Equal(t, []string{"a"}, keys(refused), "an edge of unknown seq counts as posted first")
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func ids(cmds []*codecs.Command) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.JobID)
	}
	return out
}

// edgeSet is the graph's edges without their refusals (who refused whom
// depends on the arrival order).
func edgeSet(g *codecs.DependencyGraph) []string {
	var out []string
	if g != nil {
		for _, e := range g.Edges {
			out = append(out, fmt.Sprint(e.JobID, e.DependsOn, e.PostedSeq))
		}
	}
	return out
}

func permutations(cmds []*codecs.Command) [][]*codecs.Command {
	if len(cmds) <= 1 {
		return [][]*codecs.Command{cmds}
	}
	var out [][]*codecs.Command
	for i := range cmds {
		rest := append(slices.Clone(cmds[:i]), cmds[i+1:]...)
		for _, p := range permutations(rest) {
			out = append(out, append([]*codecs.Command{cmds[i]}, p...))
		}
	}
	return out
}

func TestAFinishedJobLeavesTheGraph(t *testing.T) {
	g, _ := apply(nil, track("b", "a"))
	g, _ = apply(g, &codecs.Command{TenantID: "acme", JobID: "b", Kind: codecs.KindForgetDependencies})
	assert.Empty(t, g.Edges)
	next, _ := Apply(g, &codecs.Command{TenantID: "acme", JobID: "b", Kind: codecs.KindForgetDependencies})
	assert.Nil(t, next, "forgetting twice changes nothing")
}

func TestTheGroupSendsItsCommandsToTheJobs(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	jobs := tt.NewQueueTracker(string(topology.JobCommandsTopic))
	tt.Consume(string(topology.DependencyCommandsTopic), "acme", track("b", "a"))
	k, v, ok := jobs.Next()
	require.True(t, ok)
	assert.Equal(t, "acme/a", k)
	assert.Equal(t, codecs.KindSubscribeDependent, v.(*codecs.Command).Kind)
	g, ok := tt.TableValue(cat.Dependencies.Topic, "acme").(*codecs.DependencyGraph)
	require.True(t, ok)
	assert.Len(t, g.Edges, 1)
}

func TestTheGroupRefusesATrackedJobPostedAfterANewcomer(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	jobs := tt.NewQueueTracker(string(topology.JobCommandsTopic))
	tt.Consume(string(topology.DependencyCommandsTopic), "acme", trackSeq("b", 2, "a"))
	tt.Consume(string(topology.DependencyCommandsTopic), "acme", trackSeq("a", 1, "b"))
	var sent []string
	for {
		k, v, ok := jobs.Next()
		if !ok {
			break
		}
		c := v.(*codecs.Command)
		sent = append(sent, k+" "+c.Kind+" "+c.Reason)
	}
	assert.Equal(t, []string{"acme/a subscribe_dependent ", "acme/b dependency_cycle depends_on closes a cycle: b → a → b",
		"acme/b subscribe_dependent "}, sent)
	g, ok := tt.TableValue(cat.Dependencies.Topic, "acme").(*codecs.DependencyGraph)
	require.True(t, ok)
	require.Len(t, g.Edges, 1)
	assert.Equal(t, "a", g.Edges[0].JobID)
	assert.Equal(t, int64(1), g.Edges[0].PostedSeq)
}
