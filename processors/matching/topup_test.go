package matching

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

// TestAJobOfferedToFewerThanFiveWaitsForEachNewMember: a bid job offered
// to fewer than five comes back to wait naming its round's candidates
// (offered ones included); each member who joins releases it once with the
// whole ranking, and the same members are not sent again.
func TestAJobOfferedToFewerThanFiveWaitsForEachNewMember(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	toJobs := tt.NewQueueTracker(string(topology.JobCommandsTopic))
	key := "acme/plumber/515:-2"
	topic := string(topology.MatchEventsTopic)
	join := func(id string, lat float64, seq int64) {
		m := member(id, lat, -0.12, 20, 0, 0)
		m.Seq = seq
		tt.Consume(topic, key, &codecs.MatchEvent{Kind: codecs.MatchMember, TenantID: "acme", TradespersonID: id, Seq: seq, Member: &m})
	}
	next := func() *codecs.Command {
		_, v, ok := toJobs.Next()
		if !ok {
			return nil
		}
		return v.(*codecs.Command)
	}
	j := jobAt("j1", monday, monday.Add(13*time.Hour))
	join("tp1", 51.5, 1)
	tt.Consume(topic, key, &codecs.MatchEvent{Kind: codecs.MatchJob, TenantID: "acme", Job: j})
	require.NotNil(t, next(), "its first candidates")

	// Offered to tp1, it waits naming tp1: nobody new.
	tt.Consume(topic, key, &codecs.MatchEvent{Kind: codecs.MatchWait, TenantID: "acme", Seq: 1, Job: j,
		Candidates: []codecs.RankedCandidate{{TradespersonID: "tp1", Seq: 1}}})
	assert.Nil(t, next(), "nobody new: it waits")
	assert.Equal(t, []string{"j1"}, waitingIDs(*tt.TableValue(cat.Matching.Topic, key).(*codecs.MatchCell)))

	join("tp2", 51.51, 1)
	cmd := next()
	require.NotNil(t, cmd, "tp2 releases it")
	assert.Equal(t, "match-j1-after-tp2-1", cmd.CommandID)
	assert.Equal(t, []string{"tp1", "tp2"}, rankedIDs(cmd.Ranked), "the whole ranking: the job skips whom it offered")
	assert.Nil(t, next())

	// Its top-up round named both: it waits again, and a member far away
	// releases nothing.
	tt.Consume(topic, key, &codecs.MatchEvent{Kind: codecs.MatchWait, TenantID: "acme", Seq: 2, Job: j,
		Candidates: []codecs.RankedCandidate{{TradespersonID: "tp1", Seq: 1}, {TradespersonID: "tp2", Seq: 1}}})
	assert.Nil(t, next())
	assert.Equal(t, []string{"j1"}, waitingIDs(*tt.TableValue(cat.Matching.Topic, key).(*codecs.MatchCell)))
	join("tp9", 53.5, 1)
	assert.Nil(t, next(), "tp9 cannot reach it")

	// Once it leaves posted (or has five offers it sends no wait) it is gone.
	tt.Consume(topic, key, &codecs.MatchEvent{Kind: codecs.MatchClose, TenantID: "acme", Job: &codecs.MatchRequest{JobID: "j1"}})
	join("tp3", 51.52, 1)
	assert.Nil(t, next())
}
