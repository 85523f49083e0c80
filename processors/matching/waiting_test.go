package matching

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

func waitingIDs(c codecs.MatchCell) []string {
	out := []string{}
	for _, w := range c.Waiting {
		out = append(out, w.JobID)
	}
	return out
}

func jobAt(id string, posted time.Time, windowEnd time.Time) *codecs.MatchRequest {
	j := job(51.5, -0.12, windowEnd.Add(-4*time.Hour), 4, 60)
	j.JobID, j.PostedAt = id, posted
	return j
}

func TestWaitKeepsEachJobOnceDropsEndedWindowsAndTheOldestPastTheBound(t *testing.T) {
	var c codecs.MatchCell
	c = Wait(c, jobAt("a", monday, monday.Add(13*time.Hour)))
	c = Wait(c, jobAt("b", monday.Add(time.Hour), monday.Add(37*time.Hour)))
	c = Wait(c, jobAt("a", monday.Add(2*time.Hour), monday.Add(13*time.Hour))) // redelivered
	assert.Equal(t, []string{"b", "a"}, waitingIDs(c))
	c = Wait(c, jobAt("c", monday.Add(14*time.Hour), monday.Add(40*time.Hour)))
	assert.Equal(t, []string{"b", "c"}, waitingIDs(c), "a's window ended before c was posted")

	for i := range MaxWaiting + 5 {
		c = Wait(c, jobAt(fmt.Sprint("n", i), monday.Add(15*time.Hour), monday.Add(40*time.Hour)))
	}
	require.Len(t, c.Waiting, MaxWaiting)
	assert.Equal(t, "n5", c.Waiting[0].JobID, "past the bound the oldest stop waiting")

	c, ok := Unwait(c, "n5")
	assert.True(t, ok)
	_, ok = Unwait(c, "n5")
	assert.False(t, ok)
}

func TestReleaseWaitingOffersOnlyTheJobsAMemberCanTake(t *testing.T) {
	var c codecs.MatchCell
	near := jobAt("near", monday, monday.Add(13*time.Hour))
	far := jobAt("far", monday, monday.Add(13*time.Hour))
	far.Location = codecs.GeoPoint{Lat: 51.9, Lon: -0.12} // about 44 km north
	c = Wait(Wait(c, near), far)
	c, released := ReleaseWaiting(c, "tp1")
	assert.Empty(t, released, "no members yet")
	c.Members = []codecs.CellMember{member("tp1", 51.5, -0.12, 20, 0, 0)}
	c, released = ReleaseWaiting(c, "tp1")
	require.Len(t, released, 1)
	assert.Equal(t, "near", released[0].Job.JobID)
	assert.Equal(t, []string{"tp1"}, ids(released[0].Candidates))
	assert.Equal(t, []string{"far"}, waitingIDs(c), "out of tp1's radius, it waits on")

	// near waits again (offered to tp1): a member who ranks for neither
	// job releases nothing, though tp1 still ranks for near.
	c = Wait(c, near)
	c.Members = append(c.Members, member("tp9", 53.5, -0.12, 20, 0, 0))
	c, released = ReleaseWaiting(c, "tp9")
	assert.Empty(t, released)
	assert.Equal(t, []string{"far", "near"}, waitingIDs(c))
}

// TestAJobNobodyCouldTakeIsOfferedToTheFirstTradespersonWhoCan: a job
// matched before any tradesperson reached the cell (the tradesperson's
// profile and the job travel different paths) waits there; the first
// member who can take it is sent to the job as its candidate, once.
func TestAJobNobodyCouldTakeIsOfferedToTheFirstTradespersonWhoCan(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	toJobs := tt.NewQueueTracker(string(topology.JobCommandsTopic))
	key := "acme/plumber/515:-2"
	topic := string(topology.MatchEventsTopic)
	bid := jobAt("j1", monday, monday.Add(13*time.Hour))
	auto := jobAt("j2", monday, monday.Add(13*time.Hour))
	auto.Mode = "auto"
	closed := jobAt("j3", monday, monday.Add(13*time.Hour))
	for _, j := range []*codecs.MatchRequest{bid, auto, closed} {
		tt.Consume(topic, key, &codecs.MatchEvent{Kind: codecs.MatchJob, TenantID: "acme", Job: j})
	}
	tt.Consume(topic, key, &codecs.MatchEvent{Kind: codecs.MatchClose, TenantID: "acme", Job: &codecs.MatchRequest{JobID: "j3"}})
	cell, _ := tt.TableValue(cat.Matching.Topic, key).(*codecs.MatchCell)
	require.NotNil(t, cell)
	assert.Equal(t, []string{"j1"}, waitingIDs(*cell))
	var empty []string
	for {
		_, v, ok := toJobs.Next()
		if !ok {
			break
		}
		assert.Empty(t, v.(*codecs.Command).Ranked)
		empty = append(empty, v.(*codecs.Command).JobID)
	}
	assert.Equal(t, []string{"j1", "j2", "j3"}, empty, "every job hears it has no candidates yet")

	for i, id := range []string{"tp1", "tp2"} {
		m := member(id, 51.5+float64(i)*0.01, -0.12, 20, 0, 0)
		tt.Consume(topic, key, &codecs.MatchEvent{Kind: codecs.MatchMember, TenantID: "acme", TradespersonID: id, Seq: 1, Member: &m})
	}
	k, v, ok := toJobs.Next()
	require.True(t, ok)
	cmd := v.(*codecs.Command)
	assert.Equal(t, "acme/j1", k)
	assert.Equal(t, codecs.KindCandidates, cmd.Kind)
	assert.Equal(t, []string{"tp1"}, rankedIDs(cmd.Ranked))
	assert.Equal(t, "match-j1-after-tp1-1", cmd.CommandID, "not the first match's id, which the job already applied")
	_, _, ok = toJobs.Next()
	assert.False(t, ok, "only the bid job was waiting (auto needs attention at once; j3 was closed), and only once")
}

// TestAJobWhoseCandidatesHadNoRoomWaitsUnlessTheCellRanksSomeoneNew: a bid
// job whose probed candidates all had full calendars comes back to wait;
// if the cell meanwhile ranks a tradesperson it did not probe, or one whose
// profile changed, it is sent the new ranking at once instead.
func TestAJobWhoseCandidatesHadNoRoomWaitsUnlessTheCellRanksSomeoneNew(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	toJobs := tt.NewQueueTracker(string(topology.JobCommandsTopic))
	key := registerTwo(tt)
	topic := string(topology.MatchEventsTopic)
	j := jobAt("j1", monday, monday.Add(13*time.Hour))
	probed := []codecs.RankedCandidate{{TradespersonID: "tp1", Seq: 1}, {TradespersonID: "tp2", Seq: 1}}

	tt.Consume(topic, key, &codecs.MatchEvent{Kind: codecs.MatchWait, TenantID: "acme", Seq: 3, Job: j, Candidates: probed})
	_, _, ok := toJobs.Next()
	assert.False(t, ok, "nobody new: it waits")
	cell := tt.TableValue(cat.Matching.Topic, key).(*codecs.MatchCell)
	assert.Equal(t, []string{"j1"}, waitingIDs(*cell))

	// tp2 changes (seq 2): the waiting job is released to probe again.
	m := member("tp2", 51.51, -0.12, 20, 0, 0)
	m.Seq = 2
	tt.Consume(topic, key, &codecs.MatchEvent{Kind: codecs.MatchMember, TenantID: "acme", TradespersonID: "tp2", Seq: 2, Member: &m})
	_, v, ok := toJobs.Next()
	require.True(t, ok)
	assert.Equal(t, "match-j1-after-tp2-2", v.(*codecs.Command).CommandID)
	cell = tt.TableValue(cat.Matching.Topic, key).(*codecs.MatchCell)
	assert.Empty(t, cell.Waiting)

	// Its wait names the profiles it probed: tp2's is older than the cell's.
	tt.Consume(topic, key, &codecs.MatchEvent{Kind: codecs.MatchWait, TenantID: "acme", Seq: 4, Job: j, Candidates: probed})
	_, v, ok = toJobs.Next()
	require.True(t, ok)
	cmd := v.(*codecs.Command)
	assert.Equal(t, "match-j1-retry-4", cmd.CommandID)
	assert.Equal(t, int64(4), cmd.BookingAttempt, "the retry names the round it answers")
	assert.Equal(t, []string{"tp1", "tp2"}, rankedIDs(cmd.Ranked))
	cell = tt.TableValue(cat.Matching.Topic, key).(*codecs.MatchCell)
	assert.Empty(t, cell.Waiting, "it probes again instead")
}

func rankedIDs(rs []codecs.RankedCandidate) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.TradespersonID)
	}
	return out
}
