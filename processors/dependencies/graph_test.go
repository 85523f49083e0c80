package dependencies

import (
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
