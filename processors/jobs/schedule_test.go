package jobs

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// step applies cmd and fails the test on a rejection.
func step(t *testing.T, j *codecs.Job, cmd *codecs.Command) Result {
	t.Helper()
	r := Apply(j, cmd, Env{Tradesperson: plumber})
	require.Nil(t, r.Rejection, "%s: %v", cmd.Kind, r.Rejection)
	require.NotNil(t, r.Job)
	return r
}

// accepted is j1 with tp1's bid accepted: booking, attempt 1.
func accepted(t *testing.T, deps ...string) *codecs.Job {
	post := postCmd(1)
	post.PostJob.DependsOn = deps
	j := step(t, nil, post).Job
	j = step(t, j, bidCmd(2, "b1", 100)).Job
	return step(t, j, acceptCmd(3, "b1")).Job
}

func answerCmd(kind, tp string, attempt int64, slot *codecs.Slot, reason string) *codecs.Command {
	return &codecs.Command{CommandID: "cal-" + tp + "-j1-" + itoa(attempt) + "-" + kind, TenantID: "acme", JobID: "j1",
		Kind: kind, TradespersonID: tp, BookingAttempt: attempt, Slot: slot, Reason: reason, AcceptedAt: t0,
		Source: codecs.SourceInternal}
}

func depCmd(dep, state string, end time.Time, version int64) *codecs.Command {
	return &codecs.Command{CommandID: "dep-" + dep + "-v" + itoa(version) + "-j1", TenantID: "acme", JobID: "j1",
		Kind: codecs.KindDependencyUpdate, AcceptedAt: t0, Source: codecs.SourceInternal,
		Dependency: &codecs.DependencyState{JobID: dep, State: state, Start: end.Add(-time.Hour), End: end, Version: version}}
}

func slot(start time.Time) *codecs.Slot { return &codecs.Slot{Start: start, End: start.Add(time.Hour)} }

func calendarRequests(t *testing.T, cmd *codecs.Command, r Result) []*codecs.CalendarRequest {
	var out []*codecs.CalendarRequest
	for _, e := range r.Effects {
		for _, m := range ScheduleMessages(cmd, r.Job, e) {
			if m.Calendar != nil {
				assert.Equal(t, "acme/"+m.Calendar.TradespersonID, m.Key)
				out = append(out, m.Calendar)
			}
		}
	}
	return out
}

func TestAcceptingABidReservesTheBiddersCalendar(t *testing.T) {
	post := step(t, nil, postCmd(1))
	assert.Contains(t, post.Effects, Effect{Kind: codecs.KindTrackDependencies, To: ToDependencies},
		"every posted job is introduced to the dependency graph")
	j := step(t, post.Job, bidCmd(2, "b1", 100)).Job
	cmd := acceptCmd(3, "b1")
	r := step(t, j, cmd)
	assert.Equal(t, codecs.StatusBooking, r.Job.Status)
	reqs := calendarRequests(t, cmd, r)
	require.Len(t, reqs, 1)
	assert.Equal(t, &codecs.CalendarRequest{Kind: codecs.CalendarReserve, TenantID: "acme", TradespersonID: "tp1", JobID: "j1",
		Attempt: 1, Window: j.Window, DurationMinutes: 60, Location: j.Location, At: cmd.AcceptedAt}, reqs[0])
	assert.Equal(t, []string{"#1 2/job", "#1 9/job_event/posted", "#1 5/track_dependencies", "#2 0/track_open_job", "#2 2/close", "#3 0/untrack_open_job", "#3 3/reserve"},
		r.Job.Outbox, "the reserve is re-sent if the accept is redelivered")
	again := Apply(r.Job, cmd, Env{})
	assert.Same(t, r.Job, again.Job)
	assert.Equal(t, r.Effects, again.Effects)
}

func TestAConfirmationBooksOnceAndNotifiesTheCustomerAndTheTradesperson(t *testing.T) {
	j := accepted(t)
	confirm := answerCmd(codecs.KindSlotConfirmed, "tp1", 1, slot(t0), "")
	r := step(t, j, confirm)
	assert.Equal(t, codecs.StatusBooked, r.Job.Status)
	assert.Equal(t, &codecs.Appointment{Start: t0, End: t0.Add(time.Hour)}, r.Job.Appointment)
	require.Equal(t, []Effect{{Kind: EffectNotify, To: ToNotify, Arg: "booked/4"}}, r.Effects)
	msgs := ScheduleMessages(confirm, r.Job, r.Effects[0])
	require.Len(t, msgs, 2)
	assert.Equal(t, "acme/customer:cust", msgs[0].Key)
	assert.Equal(t, "acme/tradesperson:tp1", msgs[1].Key)
	assert.Equal(t, "booked-j1-v4-customer", msgs[0].Notification.ID)
	assert.Equal(t, "Booked: tap Mon 30 Nov 2026 08:00–09:00 UTC", msgs[0].Notification.Message)

	again := Apply(r.Job, confirm, Env{})
	assert.Same(t, r.Job, again.Job, "a redelivered confirmation changes nothing")
	assert.Equal(t, r.Effects, again.Effects, "and re-sends its effects (same notification ids)")
	later := Apply(step(t, r.Job, statusCmd(4, codecs.StatusEnRoute)).Job, confirm, Env{})
	assert.Equal(t, r.Effects, later.Effects, "an older repeat too: the notification ids name the version it happened in")
	assert.Equal(t, codecs.StatusEnRoute, later.Job.Status)
}

func TestAStaleConfirmationIsReleased(t *testing.T) {
	j := accepted(t)
	r := Apply(j, answerCmd(codecs.KindSlotConfirmed, "tp9", 7, slot(t0), ""), Env{})
	assert.Same(t, j, r.Job)
	require.Equal(t, []Effect{{Kind: codecs.CalendarRelease, To: ToCalendar, Arg: "tp9/7"}}, r.Effects)
	reqs := calendarRequests(t, &codecs.Command{}, r)
	require.Len(t, reqs, 1)
	assert.Equal(t, int64(7), reqs[0].Attempt, "only a slot taken by that attempt (or before) is freed")

	cancelled := step(t, j, cancelCmd(4)).Job
	r = Apply(cancelled, answerCmd(codecs.KindSlotConfirmed, "tp1", 1, slot(t0), ""), Env{})
	assert.Equal(t, []Effect{{Kind: codecs.CalendarRelease, To: ToCalendar, Arg: "tp1/1"}}, r.Effects,
		"a confirmation after the cancel (a duplicate reserve placed again) is released too")

	booked := step(t, j, answerCmd(codecs.KindSlotConfirmed, "tp1", 1, slot(t0), "")).Job
	other := answerCmd(codecs.KindSlotConfirmed, "tp1", 1, slot(t0.Add(time.Hour)), "")
	r = Apply(booked, other, Env{})
	assert.Same(t, booked, r.Job, "a slot the job does not hold is not taken, even under an id seen before")
}

func TestARefusedBidderNeedsAttentionWithTheReason(t *testing.T) {
	r := step(t, accepted(t), answerCmd(codecs.KindSlotRefused, "tp1", 1, nil, "calendar: every slot that fits the job is taken"))
	assert.Equal(t, codecs.StatusNeedsAttention, r.Job.Status)
	assert.Equal(t, "the tradesperson cannot take the job: tp1: calendar: every slot that fits the job is taken", *r.Job.AttentionReason)
	assert.Equal(t, []Effect{{Kind: EffectNotify, To: ToNotify, Arg: "needs_attention/4"}}, r.Effects,
		"nothing to release: the calendar holds nothing for a refused attempt")
	again := Apply(r.Job, answerCmd(codecs.KindSlotRefused, "tp1", 1, nil, "again"), Env{})
	assert.Same(t, r.Job, again.Job, "a redelivered refusal changes nothing")
}

func TestAnAutoJobProbesEveryCandidateAndBooksTheEarliestStart(t *testing.T) {
	j := step(t, nil, postCmd(1)).Job
	j.Mode = "auto"
	matched := &codecs.Command{CommandID: "match-j1", TenantID: "acme", JobID: "j1", Kind: codecs.KindMatched, AcceptedAt: t0,
		Source: codecs.SourceInternal, Candidates: []string{"near", "mid", "far"}}
	r := step(t, j, matched)
	assert.Equal(t, codecs.StatusBooking, r.Job.Status)
	probes := calendarRequests(t, matched, r)
	require.Len(t, probes, 3)
	for i, tp := range []string{"near", "mid", "far"} {
		assert.Equal(t, codecs.CalendarProbe, probes[i].Kind)
		assert.Equal(t, tp, probes[i].TradespersonID)
	}
	j = r.Job
	probed := func(tp string, s *codecs.Slot, reason string) *codecs.Command {
		return answerCmd(codecs.KindSlotProbed, tp, 1, s, reason)
	}
	j = step(t, j, probed("near", slot(t0.Add(2*time.Hour)), "")).Job
	j = step(t, j, probed("far", slot(t0.Add(2*time.Hour)), "")).Job
	last := probed("mid", nil, "full")
	r = step(t, j, last)
	assert.Equal(t, []string{"near", "far"}, r.Job.BookingOrder, "the earliest start, then the matching rank")
	reqs := calendarRequests(t, last, r)
	require.Len(t, reqs, 1)
	assert.Equal(t, codecs.CalendarReserve, reqs[0].Kind)
	assert.Equal(t, "near", reqs[0].TradespersonID)
	assert.Equal(t, int64(2), reqs[0].Attempt)

	refused := answerCmd(codecs.KindSlotRefused, "near", 2, nil, "taken meanwhile")
	r = step(t, r.Job, refused)
	reqs = calendarRequests(t, refused, r)
	require.Len(t, reqs, 1)
	assert.Equal(t, "far", reqs[0].TradespersonID, "the next candidate")
	r = step(t, r.Job, answerCmd(codecs.KindSlotRefused, "far", 3, nil, "taken too"))
	assert.Equal(t, codecs.StatusNeedsAttention, r.Job.Status)
	assert.Equal(t, "no candidate can take the job in its window: mid: full; near: taken meanwhile; far: taken too", *r.Job.AttentionReason)
}

func TestBookingOrderBreaksTiesByMatchingRank(t *testing.T) {
	probes := []codecs.ProbeAnswer{{TradespersonID: "c", Start: t0}, {TradespersonID: "a", Start: t0.Add(time.Hour)},
		{TradespersonID: "b", Start: t0}, {TradespersonID: "d", Reason: "no"}}
	assert.Equal(t, []string{"b", "c", "a"}, BookingOrder([]string{"a", "b", "c", "d"}, probes))
}

func TestADependentWaitsForItsDependenciesThenFollowsThem(t *testing.T) {
	j := accepted(t, "d1", "d2")
	assert.Equal(t, codecs.StatusWaitingDependencies, j.Status)
	j = step(t, j, depCmd("d1", codecs.DependencyBooked, t0.Add(2*time.Hour), 3)).Job
	assert.Equal(t, codecs.StatusWaitingDependencies, j.Status, "d2 is not booked yet")
	cmd := depCmd("d2", codecs.DependencyBooked, t0.Add(3*time.Hour+7*time.Minute), 5)
	r := step(t, j, cmd)
	assert.Equal(t, codecs.StatusBooking, r.Job.Status)
	reqs := calendarRequests(t, cmd, r)
	require.Len(t, reqs, 1)
	assert.Equal(t, t0.Add(3*time.Hour+7*time.Minute), reqs[0].NotBefore, "not before the latest dependency end")
	j = step(t, r.Job, answerCmd(codecs.KindSlotConfirmed, "tp1", 1, slot(t0.Add(3*time.Hour+10*time.Minute)), "")).Job

	stale := Apply(j, depCmd("d2", codecs.DependencyBooked, t0.Add(6*time.Hour), 4), Env{})
	assert.Same(t, j, stale.Job, "an older dependency version is ignored")
	earlier := step(t, j, depCmd("d2", codecs.DependencyBooked, t0.Add(time.Hour), 6))
	assert.Equal(t, codecs.StatusBooked, earlier.Job.Status, "a dependency moving earlier moves nothing")
	later := depCmd("d2", codecs.DependencyBooked, t0.Add(5*time.Hour), 7)
	r = step(t, earlier.Job, later)
	assert.Equal(t, codecs.StatusBooking, r.Job.Status, "a dependency moving later moves the dependent")
	assert.Equal(t, CauseDependency, r.Job.BookingCause)
	reqs = calendarRequests(t, later, r)
	require.Len(t, reqs, 1)
	assert.Equal(t, int64(2), reqs[0].Attempt)
	assert.Equal(t, t0.Add(5*time.Hour), reqs[0].NotBefore)
	j = step(t, r.Job, answerCmd(codecs.KindSlotConfirmed, "tp1", 2, slot(t0.Add(5*time.Hour)), "")).Job
	assert.Equal(t, codecs.StatusBooked, j.Status)

	cancel := depCmd("d1", codecs.DependencyCancelled, time.Time{}, 8)
	r = step(t, j, cancel)
	assert.Equal(t, codecs.StatusNeedsAttention, r.Job.Status)
	assert.Equal(t, "dependency d1 was cancelled", *r.Job.AttentionReason)
	assert.Nil(t, r.Job.Appointment)
	reqs = calendarRequests(t, cancel, r)
	require.Len(t, reqs, 1)
	assert.Equal(t, codecs.CalendarRelease, reqs[0].Kind, "its slot is freed")
}

func TestAJobTellsItsDependentsWhenItsScheduleChanges(t *testing.T) {
	j := accepted(t)
	sub := &codecs.Command{CommandID: "sub-j9-j1", TenantID: "acme", JobID: "j1", Kind: codecs.KindSubscribeDependent,
		RelatedJobID: "j9", AcceptedAt: t0, Source: codecs.SourceInternal}
	r := step(t, j, sub)
	assert.Equal(t, []string{"j9"}, r.Job.Dependents)
	require.Equal(t, []Effect{{Kind: codecs.KindDependencyUpdate, To: ToJob, Arg: "j9"}}, r.Effects)
	msgs := ScheduleMessages(sub, r.Job, r.Effects[0])
	require.Len(t, msgs, 1)
	assert.Equal(t, "acme/j9", msgs[0].Key)
	assert.Equal(t, codecs.DependencyUnbooked, msgs[0].Command.Dependency.State)
	again := Apply(r.Job, &codecs.Command{CommandID: "other-id", TenantID: "acme", JobID: "j1",
		Kind: codecs.KindSubscribeDependent, RelatedJobID: "j9", Source: codecs.SourceInternal}, Env{})
	assert.Same(t, r.Job, again.Job, "subscribing twice keeps one dependent")
	assert.Len(t, again.Effects, 1, "and tells it the schedule again")

	confirm := answerCmd(codecs.KindSlotConfirmed, "tp1", 1, slot(t0), "")
	r = step(t, r.Job, confirm)
	assert.Contains(t, r.Effects, Effect{Kind: codecs.KindDependencyUpdate, To: ToJob, Arg: "j9"})
	st := DependencyStateOf(r.Job)
	assert.Equal(t, codecs.DependencyState{JobID: "j1", State: codecs.DependencyBooked, Start: t0, End: t0.Add(time.Hour),
		Version: r.Job.Version}, st)
	r = step(t, r.Job, cancelCmd(4))
	assert.Contains(t, r.Effects, Effect{Kind: codecs.KindDependencyUpdate, To: ToJob, Arg: "j9"})
	assert.Contains(t, r.Effects, Effect{Kind: codecs.CalendarRelease, To: ToCalendar, Arg: "tp1/2"})
	assert.Contains(t, r.Effects, Effect{Kind: EffectNotify, To: ToNotify, Arg: "cancelled/6"})
}

func TestARescheduledJobBooksAgainWithTheSameTradesperson(t *testing.T) {
	j := step(t, accepted(t), answerCmd(codecs.KindSlotConfirmed, "tp1", 1, slot(t0), "")).Job
	w := codecs.Window{EarliestStart: t0.Add(24 * time.Hour), LatestEnd: t0.Add(30 * time.Hour)}
	cmd := &codecs.Command{CommandID: "r", TenantID: "acme", JobID: "j1", Kind: codecs.KindRescheduleJob, Seq: 4,
		AcceptedAt: t0, RescheduleJob: &codecs.RescheduleJob{Window: w}}
	r := step(t, j, cmd)
	reqs := calendarRequests(t, cmd, r)
	require.Len(t, reqs, 1)
	assert.Equal(t, codecs.CalendarReserve, reqs[0].Kind, "a later attempt moves the slot in one step")
	assert.Equal(t, w, reqs[0].Window)
	r = step(t, r.Job, answerCmd(codecs.KindSlotConfirmed, "tp1", 2, slot(w.EarliestStart), ""))
	assert.Contains(t, r.Effects, Effect{Kind: EffectNotify, To: ToNotify, Arg: "rescheduled/6"})
}

func TestARevokedSlotIsBookedAgain(t *testing.T) {
	j := step(t, accepted(t), answerCmd(codecs.KindSlotConfirmed, "tp1", 1, slot(t0), "")).Job
	r := step(t, j, answerCmd(codecs.KindSlotRefused, "tp1", 1, nil, "calendar: the tradesperson's working hours changed"))
	assert.Equal(t, codecs.StatusBooking, r.Job.Status)
	assert.Equal(t, CauseRevoked, r.Job.BookingCause)
	assert.Equal(t, int64(2), r.Job.BookingAttempt)
}

func TestACycleCancelsTheJobAndPublishesTheRejection(t *testing.T) {
	j := step(t, nil, postCmd(1)).Job
	r := Apply(j, &codecs.Command{CommandID: "cycle-j1", TenantID: "acme", JobID: "j1", Kind: codecs.KindDependencyCycle,
		Reason: "depends_on closes a cycle: j1 → j2 → j1", AcceptedAt: t0, Source: codecs.SourceInternal}, Env{})
	assert.Equal(t, codecs.StatusCancelled, r.Job.Status)
	require.NotNil(t, r.Rejection)
	assert.Equal(t, CodeDependencyCycle, r.Rejection.Code)
	assert.Equal(t, r.Rejection, r.Job.LastRejection)
}

func cycleCmd() *codecs.Command {
	return &codecs.Command{CommandID: "cycle-j1", TenantID: "acme", JobID: "j1", Kind: codecs.KindDependencyCycle,
		Reason: "depends_on closes a cycle: j1 → d1 → j1", AcceptedAt: t0.Add(time.Hour), Source: codecs.SourceInternal}
}

func TestTheTrackOfAPostCarriesItsSeq(t *testing.T) {
	post := postCmd(7)
	post.PostJob.DependsOn = []string{"d1"}
	r := step(t, nil, post)
	msgs := ScheduleMessages(post, r.Job, Effect{Kind: codecs.KindTrackDependencies, To: ToDependencies})
	require.Len(t, msgs, 1)
	assert.Equal(t, "acme", msgs[0].Key)
	assert.Equal(t, int64(7), msgs[0].Command.Seq, "the dependencies group refuses the job of a cycle posted last")
	assert.Equal(t, []string{"d1"}, msgs[0].Command.DependsOn)
}

func TestACycleRefusedAfterTheFactCancelsAWaitingJob(t *testing.T) {
	j := accepted(t, "d1")
	require.Equal(t, codecs.StatusWaitingDependencies, j.Status)
	r := Apply(j, cycleCmd(), Env{})
	assert.Equal(t, codecs.StatusCancelled, r.Job.Status)
	require.NotNil(t, r.Rejection)
	assert.Equal(t, CodeDependencyCycle, r.Rejection.Code)
	assert.Empty(t, calendarRequests(t, cycleCmd(), r), "it held no slot")
	assert.Contains(t, r.Effects, Effect{Kind: codecs.KindForgetDependencies, To: ToDependencies})
	again := Apply(r.Job, cycleCmd(), Env{})
	assert.Same(t, r.Job, again.Job, "a redelivered refusal changes nothing")
}

func TestACycleRefusedAfterTheFactFreesABookedJobsSlot(t *testing.T) {
	j := accepted(t, "d1")
	j = step(t, j, depCmd("d1", codecs.DependencyBooked, t0.Add(time.Hour), 3)).Job
	j = step(t, j, answerCmd(codecs.KindSlotConfirmed, "tp1", 1, slot(t0.Add(time.Hour)), "")).Job
	require.Equal(t, codecs.StatusBooked, j.Status)
	cmd := cycleCmd()
	r := Apply(j, cmd, Env{})
	assert.Equal(t, codecs.StatusCancelled, r.Job.Status)
	assert.Nil(t, r.Job.Appointment)
	require.NotNil(t, r.Rejection)
	assert.Equal(t, "depends_on closes a cycle: j1 → d1 → j1", r.Rejection.Reason)
	reqs := calendarRequests(t, cmd, r)
	require.Len(t, reqs, 1)
	assert.Equal(t, codecs.CalendarRelease, reqs[0].Kind)
	assert.Equal(t, "tp1", reqs[0].TradespersonID)
	assert.Equal(t, int64(2), reqs[0].Attempt, "frees what attempt 1 took")
	assert.Contains(t, r.Effects, Effect{Kind: EffectNotify, To: ToNotify, Arg: "cancelled/" + itoa(r.Job.Version)},
		"the customer and the tradesperson hear of it")
	assert.Equal(t, codecs.DependencyCancelled, DependencyStateOf(r.Job).State, "its dependents hear it was cancelled")
}

func TestASlotRevokedUnderWayNeedsAttention(t *testing.T) {
	j := step(t, accepted(t), answerCmd(codecs.KindSlotConfirmed, "tp1", 1, slot(t0), "")).Job
	j = step(t, j, statusCmd(4, codecs.StatusEnRoute)).Job
	r := step(t, j, answerCmd(codecs.KindSlotRefused, "tp1", 1, nil, "calendar: the tradesperson's working hours changed"))
	assert.Equal(t, codecs.StatusNeedsAttention, r.Job.Status)
	assert.Nil(t, r.Job.Appointment)
	assert.Contains(t, *r.Job.AttentionReason, "under way")
}

func TestACompletedJobGivesTheRestOfItsSlotBack(t *testing.T) {
	j := step(t, accepted(t), answerCmd(codecs.KindSlotConfirmed, "tp1", 1, slot(t0), "")).Job
	j = step(t, j, statusCmd(4, codecs.StatusEnRoute)).Job
	j = step(t, j, statusCmd(5, codecs.StatusOnSite)).Job
	done := statusCmd(6, codecs.StatusCompleted)
	r := step(t, j, done)
	reqs := calendarRequests(t, done, r)
	require.Len(t, reqs, 1)
	assert.Equal(t, codecs.CalendarRelease, reqs[0].Kind)
	assert.Equal(t, codecs.DependencyBooked, DependencyStateOf(r.Job).State, "its dependents still start after its end")
}

func TestADependencyMovingPastAJobUnderWayNeedsAttention(t *testing.T) {
	j := accepted(t, "d1")
	j = step(t, j, depCmd("d1", codecs.DependencyBooked, t0.Add(time.Hour), 3)).Job
	j = step(t, j, answerCmd(codecs.KindSlotConfirmed, "tp1", 1, slot(t0.Add(time.Hour)), "")).Job
	j = step(t, j, statusCmd(5, codecs.StatusEnRoute)).Job
	r := step(t, j, depCmd("d1", codecs.DependencyBooked, t0.Add(26*time.Hour), 4))
	assert.Equal(t, codecs.StatusNeedsAttention, r.Job.Status)
	assert.Equal(t, "dependency d1 moved after this job started", *r.Job.AttentionReason)
	assert.Contains(t, r.Effects, Effect{Kind: codecs.CalendarRelease, To: ToCalendar, Arg: "tp1/2"})
}

func TestTheOutboxKeepsTheLastCommandsAndARedeliveryAfterOthersResendsItsEffects(t *testing.T) {
	j := step(t, nil, postCmd(1)).Job
	j.Mode = "auto"
	matched := &codecs.Command{CommandID: "match-j1", TenantID: "acme", JobID: "j1", Kind: codecs.KindMatched, AcceptedAt: t0,
		Source: codecs.SourceInternal, Candidates: []string{"a", "b"}}
	first := step(t, j, matched)
	// A command that changes the job lands after it (a subscribe redelivered
	// before it, say): the matched command's probes are still re-sent.
	sub := &codecs.Command{CommandID: "sub-j9-j1", TenantID: "acme", JobID: "j1", Kind: codecs.KindSubscribeDependent,
		RelatedJobID: "j9", AcceptedAt: t0, Source: codecs.SourceInternal}
	j = step(t, first.Job, sub).Job
	again := Apply(j, matched, Env{})
	assert.Same(t, j, again.Job)
	assert.Equal(t, first.Effects, again.Effects)
	reqs := calendarRequests(t, matched, again)
	assert.Len(t, reqs, 2, "both probes again")
	j = step(t, j, answerCmd(codecs.KindSlotProbed, "a", 1, slot(t0), "")).Job
	assert.Len(t, calendarRequests(t, matched, Apply(j, matched, Env{})), 1, "a candidate that answered is not probed again")

	for i := range OutboxKeep {
		j = step(t, j, &codecs.Command{CommandID: fmt.Sprint("sub-x", i, "-j1"), TenantID: "acme", JobID: "j1",
			Kind: codecs.KindSubscribeDependent, RelatedJobID: fmt.Sprint("x", i), AcceptedAt: t0, Source: codecs.SourceInternal}).Job
	}
	assert.False(t, sent(j.Outbox, "match-j1"), "only the last %d commands are kept", OutboxKeep)
	assert.True(t, sent(j.Outbox, "sub-x7-j1"))
}

// A subscription answered again after changes that do not move the job
// (the field reports of a booked job) carries the version of its last
// schedule change: the dependent, which already has it, changes nothing. A
// replayed dependencies group sends every subscription again.
func TestASubscriptionAnsweredAgainCarriesTheScheduleVersion(t *testing.T) {
	sub := &codecs.Command{CommandID: "sub-j9-j1", TenantID: "acme", JobID: "j1", Kind: codecs.KindSubscribeDependent,
		RelatedJobID: "j9", AcceptedAt: t0, Source: codecs.SourceInternal}
	j := step(t, accepted(t), sub).Job
	j = step(t, j, answerCmd(codecs.KindSlotConfirmed, "tp1", 1, slot(t0), "")).Job
	booked := DependencyStateOf(j)
	require.Equal(t, j.Version, booked.Version)

	r := step(t, j, statusCmd(4, codecs.StatusEnRoute))
	assert.Greater(t, r.Job.Version, j.Version)
	assert.NotContains(t, r.Effects, Effect{Kind: codecs.KindDependencyUpdate, To: ToJob, Arg: "j9"}, "en route moves nothing")
	assert.Equal(t, booked, DependencyStateOf(r.Job))

	again := Apply(r.Job, &codecs.Command{CommandID: "sub-j9-j1-replayed", TenantID: "acme", JobID: "j1",
		Kind: codecs.KindSubscribeDependent, RelatedJobID: "j9", Source: codecs.SourceInternal}, Env{})
	require.Len(t, again.Effects, 1)
	msgs := ScheduleMessages(sub, again.Job, again.Effects[0])
	require.Len(t, msgs, 1)
	assert.Equal(t, booked, *msgs[0].Command.Dependency)
	assert.Equal(t, fmt.Sprintf("dep-j1-v%d-j9", booked.Version), msgs[0].Command.CommandID, "the same id as the first answer")
}
