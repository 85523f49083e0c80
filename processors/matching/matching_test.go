package matching

import (
	"testing"
	"time"

	"github.com/lovoo/goka/tester"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

func TestAPostedJobIsSentItsCellsRankedCandidates(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	toJobs := tt.NewQueueTracker(string(topology.JobCommandsTopic))
	key := registerTwo(tt)
	ev := &codecs.MatchEvent{Kind: codecs.MatchJob, TenantID: "acme", Job: job(51.5, -0.12, monday.Add(9*time.Hour), 4, 60)}
	tt.Consume(string(topology.MatchEventsTopic), key, ev)
	tt.Consume(string(topology.MatchEventsTopic), key, ev) // sent twice: a second record
	var got []*codecs.Command
	for {
		k, v, ok := toJobs.Next()
		if !ok {
			break
		}
		assert.Equal(t, "acme/j1", k)
		got = append(got, v.(*codecs.Command))
	}
	require.Len(t, got, 2)
	assert.Equal(t, int64(3), got[0].Seq, "the position of the match event (offset 2) + 1")
	assert.Equal(t, int64(4), got[1].Seq)
	second := *got[1]
	second.Seq = got[0].Seq
	assert.Equal(t, got[0], &second, "the same list with the same id, which the job applies once")
	c := got[0]
	assert.Equal(t, codecs.KindCandidates, c.Kind)
	assert.Equal(t, "match-j1", c.CommandID)
	assert.Equal(t, []string{"tp1", "tp2"}, rankedIDs(c.Ranked))
	assert.InDelta(t, 1.1, c.Ranked[1].DistanceKm, 0.05, "the distance the offer's message shows")
	assert.Equal(t, int64(1), c.Ranked[1].Seq)
	cell := tt.TableValue(cat.Matching.Topic, key).(*codecs.MatchCell)
	assert.Empty(t, cell.Waiting, "it has candidates: it does not wait")
}

// registerTwo puts plumbers tp1 and tp2 (about 1 km further) into the cell
// of 51.5,-0.12 and returns its key.
func registerTwo(tt *tester.Tester) string {
	key := "acme/plumber/515:-2"
	for i, id := range []string{"tp1", "tp2"} {
		m := member(id, 51.5+float64(i)*0.01, -0.12, 20, 0, 0)
		m.Seq = 1
		tt.Consume(string(topology.MatchEventsTopic), key, &codecs.MatchEvent{Kind: codecs.MatchMember, TenantID: "acme",
			TradespersonID: id, Seq: 1, Member: &m})
	}
	return key
}
