package jobs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// offeredOnce is a bid job offered to tp1 alone (tp1 was the only member
// when it was released), back waiting in its cell.
func offeredOnce(t *testing.T) Result {
	t.Helper()
	j := step(t, nil, postCmd(1)).Job
	r := step(t, j, candidatesCmd("match-j1-after-tp1-1", 1))
	last := probeAnswer("tp1", r.Job.BookingAttempt, true)
	r = step(t, r.Job, last)
	require.Equal(t, []string{"tp1"}, r.Job.OfferedTo)
	require.Len(t, notices(last, r), 1)
	return r
}

func TestAnOfferedBidJobWithRoomForMoreIsToppedUpByLaterCandidates(t *testing.T) {
	r := offeredOnce(t)
	assert.Equal(t, []string{codecs.MatchWait}, matchEvents(r), "fewer than five offers: it waits for more")
	assert.True(t, Waits(r.Job))
	assert.Equal(t, []string{"tp1"}, rankedIDsOf(MatchEventOf(r.Job, codecs.MatchWait).Candidates))

	// tp2 and tp3 join: only they are probed, for the four places left.
	list := candidatesCmd("match-j1-after-tp3-3", 3)
	list.Seq = 9
	r = step(t, r.Job, list)
	assert.Equal(t, []string{"tp2", "tp3"}, probed(t, list, r), "tp1 is offered already: not probed again")
	assert.Equal(t, []string{"tp1"}, r.Job.OfferedTo)
	assert.False(t, Waits(r.Job))
	attempt := r.Job.BookingAttempt
	assert.Same(t, r.Job, Apply(r.Job, list, Env{}).Job, "a redelivered list changes nothing")
	assert.Same(t, r.Job, Apply(r.Job, probeAnswer("tp1", attempt, true), Env{}).Job, "tp1 was not asked")

	r = step(t, r.Job, probeAnswer("tp3", attempt, false))
	assert.Empty(t, matchEvents(r), "tp2 has not answered")
	last := probeAnswer("tp2", attempt, true)
	r = step(t, r.Job, last)
	assert.Equal(t, []string{"tp1", "tp2"}, r.Job.OfferedTo)
	assert.Equal(t, []string{"acme/tradesperson:tp2 offer-j1-tp2: New job near you (2.0 km): tap"}, notices(last, r),
		"only the newly offered hears of it")
	assert.Equal(t, []string{codecs.MatchWait}, matchEvents(r))
	assert.Equal(t, []string{"tp1", "tp2", "tp3"}, rankedIDsOf(MatchEventOf(r.Job, codecs.MatchWait).Candidates),
		"the wait names everyone of the round: matching does not send them again")
	again := Apply(r.Job, last, Env{})
	assert.Same(t, r.Job, again.Job, "a redelivered answer changes nothing")
	assert.Equal(t, notices(last, r), notices(last, again))
	assert.Len(t, ScheduleMessages(last, r.Job, Effect{Kind: EffectOffer, To: ToOffers, Arg: "tp1"}), 1,
		"the first round's offer can still be re-sent from the outbox")

	// A retry after an older round's wait (a replay sends the waits
	// again) is stale; one after the last round's is taken.
	stale := candidatesCmd("match-j1-retry-1", 4)
	stale.Seq, stale.BookingAttempt = 11, r.Job.BookingAttempt-1
	assert.Same(t, r.Job, Apply(r.Job, stale, Env{}).Job, "a retry of an older round changes nothing")

	// Eight ranked now: three places left, tp3 is probed again.
	list = candidatesCmd("match-j1-retry-2", 8)
	list.Seq, list.BookingAttempt = 12, r.Job.BookingAttempt
	r = step(t, r.Job, list)
	attempt = r.Job.BookingAttempt
	assert.Equal(t, []string{"tp3", "tp4", "tp5"}, probed(t, list, r))
	r = step(t, r.Job, probeAnswer("tp4", attempt, false))
	assert.Equal(t, []string{"tp6"}, probed(t, list, r), "a refusal probes the next")
	r = step(t, r.Job, probeAnswer("tp3", attempt, true))
	r = step(t, r.Job, probeAnswer("tp6", attempt, true))
	last = probeAnswer("tp5", attempt, true)
	r = step(t, r.Job, last)
	assert.Equal(t, []string{"tp1", "tp2", "tp3", "tp5", "tp6"}, r.Job.OfferedTo)
	assert.Len(t, notices(last, r), 3)
	assert.Empty(t, matchEvents(r), "five offers: it waits no more")
	assert.False(t, Waits(r.Job))
	assert.Same(t, r.Job, Apply(r.Job, candidatesCmd("match-j1-after-tp9-9", 9), Env{}).Job, "never more than five")
}

func TestATopUpWithNobodyNewWaitsAgainAtOnce(t *testing.T) {
	r := offeredOnce(t)
	list := candidatesCmd("match-j1-after-tp1-7", 1)
	list.Ranked[0].Seq = 7 // tp1 changed its profile
	r = step(t, r.Job, list)
	assert.Empty(t, probed(t, list, r))
	assert.Empty(t, notices(list, r))
	assert.Equal(t, []string{"tp1"}, r.Job.OfferedTo)
	assert.Equal(t, []string{codecs.MatchWait}, matchEvents(r))
	assert.Equal(t, []codecs.RankedCandidate{{TradespersonID: "tp1", DistanceKm: 1, Seq: 7}},
		MatchEventOf(r.Job, codecs.MatchWait).Candidates, "with tp1's profile as ranked now")
	assert.True(t, Waits(r.Job))

	empty := candidatesCmd("match-j1-retry-9", 0)
	r = step(t, r.Job, empty)
	assert.Equal(t, []string{"tp1"}, r.Job.OfferedTo, "an empty list takes no offer back")
	assert.Equal(t, []string{codecs.MatchWait}, matchEvents(r))
}

func TestAnOfferedJobThatLeavesPostedLeavesItsCell(t *testing.T) {
	r := offeredOnce(t)
	r = step(t, r.Job, bidCmd(2, "b1", 100))
	require.Equal(t, codecs.StatusBidding, r.Job.Status)
	assert.Equal(t, []string{codecs.MatchClose}, matchEvents(r))
	assert.Same(t, r.Job, Apply(r.Job, candidatesCmd("match-j1-after-tp3-3", 3), Env{}).Job, "no top-up once bidding")

	auto := postCmd(1)
	auto.PostJob.Mode = "auto"
	a := step(t, nil, auto)
	a = step(t, a.Job, candidatesCmd("match-j1", 1))
	a = step(t, a.Job, probeAnswer("tp1", a.Job.BookingAttempt, true))
	require.Equal(t, codecs.StatusBooking, a.Job.Status)
	assert.Empty(t, matchEvents(a), "an auto job books: it does not wait")
}

func rankedIDsOf(rs []codecs.RankedCandidate) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.TradespersonID)
	}
	return out
}
