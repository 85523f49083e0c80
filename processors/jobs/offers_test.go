package jobs

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// candidatesCmd is matching's ranking tp1..tpN (tpK at K km, profile K).
func candidatesCmd(id string, n int) *codecs.Command {
	cmd := &codecs.Command{CommandID: id, TenantID: "acme", JobID: "j1", Kind: codecs.KindCandidates,
		AcceptedAt: t0, Source: codecs.SourceInternal, Ranked: []codecs.RankedCandidate{}}
	for k := 1; k <= n; k++ {
		cmd.Ranked = append(cmd.Ranked, codecs.RankedCandidate{TradespersonID: fmt.Sprint("tp", k), DistanceKm: float64(k), Seq: int64(k)})
	}
	return cmd
}

// probed returns the tradespeople the result probes, and checks each probe
// is a match probe: the job's window, no dependency bound, the round's attempt.
func probed(t *testing.T, cmd *codecs.Command, r Result) []string {
	t.Helper()
	out := []string{}
	for _, req := range calendarRequests(t, cmd, r) {
		require.Equal(t, codecs.CalendarProbe, req.Kind)
		assert.Equal(t, r.Job.BookingAttempt, req.Attempt)
		assert.Equal(t, r.Job.Window, req.Window)
		assert.True(t, req.NotBefore.IsZero())
		out = append(out, req.TradespersonID)
	}
	return out
}

// notices returns "<key> <id>: <message>" of the notifications r sends.
func notices(cmd *codecs.Command, r Result) []string {
	out := []string{}
	for _, e := range r.Effects {
		for _, m := range ScheduleMessages(cmd, r.Job, e) {
			if m.Notification != nil {
				out = append(out, m.Key+" "+m.Notification.ID+": "+m.Notification.Message)
			}
		}
	}
	return out
}

func matchEvents(r Result) []string {
	out := []string{}
	for _, e := range r.Effects {
		if e.To == ToMatching {
			out = append(out, e.Kind)
		}
	}
	return out
}

func probeAnswer(tp string, attempt int64, room bool) *codecs.Command {
	if room {
		return answerCmd(codecs.KindSlotProbed, tp, attempt, slot(t0.Add(time.Hour)), "")
	}
	return answerCmd(codecs.KindSlotProbed, tp, attempt, nil, "calendar: no free slot")
}

func TestTheJobOffersItselfToTheFirstFiveCandidatesWithRoomInRankOrder(t *testing.T) {
	j := step(t, nil, postCmd(1)).Job
	list := candidatesCmd("match-j1", 8)
	r := step(t, j, list)
	assert.Equal(t, []string{"tp1", "tp2", "tp3", "tp4", "tp5"}, probed(t, list, r))
	assert.Equal(t, codecs.StatusPosted, r.Job.Status)
	assert.Empty(t, r.Job.OfferedTo, "not before the calendars answered")
	attempt := r.Job.BookingAttempt
	again := Apply(r.Job, list, Env{})
	assert.Same(t, r.Job, again.Job, "a redelivered list changes nothing")
	assert.Equal(t, r.Effects, again.Effects, "and sends its probes again")

	// Answers in any order; each refusal probes the next candidate.
	j = r.Job
	steps := []struct {
		tp    string
		room  bool
		probe []string
	}{
		{"tp3", true, nil}, {"tp2", false, []string{"tp6"}}, {"tp1", true, nil}, {"tp6", false, []string{"tp7"}},
		{"tp5", true, nil}, {"tp7", true, nil},
	}
	for _, s := range steps {
		cmd := probeAnswer(s.tp, attempt, s.room)
		r = step(t, j, cmd)
		if s.probe == nil {
			assert.Empty(t, probed(t, cmd, r), s.tp)
		} else {
			assert.Equal(t, s.probe, probed(t, cmd, r), s.tp)
		}
		assert.Empty(t, r.Job.OfferedTo, "tp4 has not answered")
		j = r.Job
	}
	stale := probeAnswer("tp4", attempt-1, true)
	assert.Same(t, j, Apply(j, stale, Env{}).Job, "an answer to another attempt is stale")
	assert.Same(t, j, Apply(j, probeAnswer("tp8", attempt, true), Env{}).Job, "tp8 was never probed")

	last := probeAnswer("tp4", attempt, true)
	r = step(t, j, last)
	assert.Equal(t, []string{"tp1", "tp3", "tp4", "tp5", "tp7"}, r.Job.OfferedTo)
	assert.Equal(t, codecs.StatusPosted, r.Job.Status)
	assert.Equal(t, []string{
		"acme/tradesperson:tp1 offer-j1-tp1: New job near you (1.0 km): tap",
		"acme/tradesperson:tp3 offer-j1-tp3: New job near you (3.0 km): tap",
		"acme/tradesperson:tp4 offer-j1-tp4: New job near you (4.0 km): tap",
		"acme/tradesperson:tp5 offer-j1-tp5: New job near you (5.0 km): tap",
		"acme/tradesperson:tp7 offer-j1-tp7: New job near you (7.0 km): tap",
	}, notices(last, r))
	assert.Empty(t, matchEvents(r), "offered: it does not wait")
	again = Apply(r.Job, last, Env{})
	assert.Same(t, r.Job, again.Job, "a redelivered answer changes nothing")
	assert.Equal(t, notices(last, r), notices(last, again), "and sends the same offers again")
	assert.Same(t, r.Job, Apply(r.Job, candidatesCmd("match-j1-after-tp9-1", 9), Env{}).Job, "offered already")
}

func TestABidJobWhoseCandidatesHaveNoRoomGoesBackToWaitInItsCell(t *testing.T) {
	j := step(t, nil, postCmd(1)).Job
	r := step(t, j, candidatesCmd("match-j1", 2))
	attempt := r.Job.BookingAttempt
	r = step(t, r.Job, probeAnswer("tp1", attempt, false))
	assert.Empty(t, matchEvents(r))
	last := probeAnswer("tp2", attempt, false)
	r = step(t, r.Job, last)
	assert.Empty(t, r.Job.OfferedTo)
	assert.Empty(t, notices(last, r))
	assert.Equal(t, []string{codecs.MatchWait}, matchEvents(r))
	assert.True(t, Waits(r.Job))
	ev := MatchEventOf(r.Job, codecs.MatchWait)
	assert.Equal(t, []codecs.RankedCandidate{{TradespersonID: "tp1", DistanceKm: 1, Seq: 1}, {TradespersonID: "tp2", DistanceKm: 2, Seq: 2}},
		ev.Candidates, "the wait names the profiles it probed")
	assert.Equal(t, attempt, ev.Seq)
	assert.Equal(t, "j1", ev.Job.JobID)

	// The first list again, beyond the outbox: by its id or its position,
	// it is not taken twice.
	waiting := *r.Job
	waiting.Outbox = nil
	first := candidatesCmd("match-j1", 2)
	assert.Same(t, &waiting, Apply(&waiting, first, Env{}).Job, "its id was applied")
	replayed := candidatesCmd("match-j1-other-id", 2)
	replayed.Seq = 5
	waiting.MatchListSeq = 5
	assert.Same(t, &waiting, Apply(&waiting, replayed, Env{}).Job, "its position was applied")

	// Released again with a newcomer: a new round.
	list := candidatesCmd("match-j1-after-tp3-1", 3)
	list.Seq = 9
	r = step(t, r.Job, list)
	assert.Equal(t, []string{"tp1", "tp2", "tp3"}, probed(t, list, r))
	assert.Greater(t, r.Job.BookingAttempt, attempt)
	assert.Equal(t, []string{"match-j1", "match-j1-after-tp3-1"}, r.Job.MatchLists)
	assert.Equal(t, int64(9), r.Job.MatchListSeq)
	assert.False(t, Waits(r.Job), "probing: a wait re-sent now is not sent")
	assert.Same(t, r.Job, Apply(r.Job, candidatesCmd("match-j1-retry-9", 4), Env{}).Job, "a list while probing is not taken")
}

func TestAnAutoJobBooksWithTheCandidatesThatHaveRoomOrNeedsAttention(t *testing.T) {
	post := postCmd(1)
	post.PostJob.Mode = "auto"
	j := step(t, nil, post).Job

	r := step(t, j, candidatesCmd("match-j1", 3))
	attempt := r.Job.BookingAttempt
	r = step(t, r.Job, probeAnswer("tp1", attempt, false))
	r = step(t, r.Job, probeAnswer("tp2", attempt, true))
	last := probeAnswer("tp3", attempt, true)
	r = step(t, r.Job, last)
	assert.Equal(t, []string{"tp2", "tp3"}, r.Job.OfferedTo)
	assert.Equal(t, codecs.StatusBooking, r.Job.Status)
	assert.True(t, r.Job.Probing, "it probes its offered candidates for the booking")
	reqs := calendarRequests(t, last, r)
	require.Len(t, reqs, 2)
	assert.Equal(t, r.Job.BookingAttempt, reqs[0].Attempt)
	assert.Len(t, notices(last, r), 2, "each offered candidate hears of it")

	r = step(t, j, candidatesCmd("match-j1", 1))
	r = step(t, r.Job, probeAnswer("tp1", r.Job.BookingAttempt, false))
	assert.Equal(t, codecs.StatusNeedsAttention, r.Job.Status)
	assert.Empty(t, matchEvents(r), "an auto job does not wait")
	r = step(t, j, candidatesCmd("match-j1", 0))
	assert.Equal(t, codecs.StatusNeedsAttention, r.Job.Status, "nobody ranked at all")
}

func TestAJobThatLeavesPostedWhileProbingStopsOrStillOffers(t *testing.T) {
	j := step(t, nil, postCmd(1)).Job
	j = step(t, j, candidatesCmd("match-j1", 2)).Job
	attempt := j.BookingAttempt

	cancelled := step(t, j, cancelCmd(2)).Job
	assert.False(t, cancelled.MatchProbing)
	for _, tp := range []string{"tp1", "tp2"} {
		assert.Same(t, cancelled, Apply(cancelled, probeAnswer(tp, attempt, true), Env{}).Job, "a cancelled job takes no answer")
		assert.Empty(t, ScheduleMessages(cancelCmd(2), cancelled, Effect{Kind: codecs.CalendarProbe, To: ToCalendar, Arg: tp}),
			"nor re-sends a probe")
	}

	bidding := step(t, j, bidCmd(2, "b1", 100)).Job
	require.Equal(t, codecs.StatusBidding, bidding.Status)
	r := step(t, bidding, probeAnswer("tp1", attempt, true))
	last := probeAnswer("tp2", attempt, false)
	r = step(t, r.Job, last)
	assert.Equal(t, []string{"tp1"}, r.Job.OfferedTo, "a bid came first: the offer goes out all the same")
	assert.Len(t, notices(last, r), 1)
	assert.Empty(t, matchEvents(r))
}
