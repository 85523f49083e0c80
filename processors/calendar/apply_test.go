package calendar

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/slot"
)

var now = time.Date(2029, 12, 1, 0, 0, 0, 0, time.UTC)

func profileReq(seq int64, hours []codecs.WorkingHours, active bool) *codecs.CalendarRequest {
	return &codecs.CalendarRequest{Kind: codecs.CalendarProfile, TenantID: "acme", TradespersonID: "tp", At: now,
		Profile: &codecs.CalendarProfileUpdate{WorkingHours: hours, Base: here, Active: active, Seq: seq}}
}

func reserveReq(job string, attempt int64, from, to time.Time, minutes int32) *codecs.CalendarRequest {
	return &codecs.CalendarRequest{Kind: codecs.CalendarReserve, TenantID: "acme", TradespersonID: "tp", JobID: job,
		Attempt: attempt, Window: window(from, to), DurationMinutes: minutes, Location: here, At: now}
}

func releaseReq(job string, attempt int64) *codecs.CalendarRequest {
	return &codecs.CalendarRequest{Kind: codecs.CalendarRelease, TenantID: "acme", TradespersonID: "tp", JobID: job,
		Attempt: attempt, At: now}
}

// run applies requests in order and returns the calendar and every answer.
func run(t *testing.T, cal *codecs.Calendar, reqs ...*codecs.CalendarRequest) (*codecs.Calendar, []*codecs.Command) {
	t.Helper()
	var all []*codecs.Command
	for _, r := range reqs {
		next, answers := Apply(cal, r)
		if next != nil {
			cal = next
		}
		all = append(all, answers...)
	}
	return cal, all
}

func ready(t *testing.T) *codecs.Calendar {
	cal, _ := run(t, nil, profileReq(1, weekdays("08:00", "18:00"), true))
	return cal
}

func TestAReserveIsConfirmedWithTheEarliestSlotAndARedeliveryAnswersTheSame(t *testing.T) {
	cal := ready(t)
	req := reserveReq("j1", 1, at(0, "08:00"), at(0, "17:00"), 60)
	cal, answers := run(t, cal, req)
	require.Len(t, answers, 1)
	a := answers[0]
	assert.Equal(t, codecs.KindSlotConfirmed, a.Kind)
	assert.Equal(t, "j1", a.JobID)
	assert.Equal(t, int64(1), a.BookingAttempt)
	assert.Equal(t, &codecs.Slot{Start: at(0, "08:00"), End: at(0, "09:00")}, a.Slot)
	assert.Equal(t, codecs.SourceInternal, a.Source)

	next, again := Apply(cal, req)
	assert.Nil(t, next, "a redelivered reserve changes nothing")
	assert.Equal(t, answers, again, "and answers the same slot, with the same command id")
}

func TestTwoJobsNeverShareASlot(t *testing.T) {
	cal, answers := run(t, ready(t),
		reserveReq("j1", 1, at(0, "08:00"), at(0, "17:00"), 60),
		reserveReq("j2", 1, at(0, "08:00"), at(0, "17:00"), 60))
	require.Len(t, answers, 2)
	assert.Equal(t, at(0, "09:00"), answers[1].Slot.Start)
	assert.Len(t, cal.Appointments, 2)
}

func TestALaterAttemptMovesTheJobAndAnEarlierOneIsStale(t *testing.T) {
	cal, _ := run(t, ready(t), reserveReq("j1", 1, at(0, "08:00"), at(0, "17:00"), 60))
	cal, answers := run(t, cal, reserveReq("j1", 2, at(0, "13:00"), at(0, "17:00"), 60))
	require.Len(t, answers, 1)
	assert.Equal(t, at(0, "13:00"), answers[0].Slot.Start)
	require.Len(t, cal.Appointments, 1, "the old slot is freed")

	next, stale := Apply(cal, reserveReq("j1", 1, at(0, "08:00"), at(0, "17:00"), 60))
	assert.Nil(t, next)
	assert.Empty(t, stale, "an older attempt gets no answer")
}

func TestAReleaseFreesTheSlotForTheNextBooking(t *testing.T) {
	cal, _ := run(t, ready(t),
		reserveReq("j1", 1, at(0, "08:00"), at(0, "17:00"), 60),
		reserveReq("j2", 1, at(0, "08:00"), at(0, "17:00"), 60))
	next, _ := Apply(cal, releaseReq("j1", 0))
	assert.Nil(t, next, "a release of an older attempt leaves a newer slot")
	cal, answers := run(t, cal, releaseReq("j1", 2), reserveReq("j3", 1, at(0, "08:00"), at(0, "17:00"), 60))
	require.Len(t, answers, 1)
	assert.Equal(t, at(0, "08:00"), answers[0].Slot.Start, "the freed slot is offered to the next booking")
	next, _ = Apply(cal, releaseReq("j1", 2))
	assert.Nil(t, next, "releasing twice changes nothing")
}

func TestARefusalIsRememberedForRedeliveries(t *testing.T) {
	cal, answers := run(t, ready(t),
		reserveReq("big", 1, at(0, "08:00"), at(0, "17:00"), 9*60),
		reserveReq("j1", 1, at(0, "08:00"), at(0, "17:00"), 60))
	require.Len(t, answers, 2)
	assert.Equal(t, codecs.KindSlotRefused, answers[1].Kind)
	assert.Equal(t, slot.ErrCalendarFull.Error(), answers[1].Reason)
	cal, _ = run(t, cal, releaseReq("big", 1))
	_, again := Apply(cal, reserveReq("j1", 1, at(0, "08:00"), at(0, "17:00"), 60))
	assert.Equal(t, answers[1:], again, "the same attempt gets the same answer even though a slot was freed")
	_, retry := Apply(cal, reserveReq("j1", 2, at(0, "08:00"), at(0, "17:00"), 60))
	assert.Equal(t, codecs.KindSlotConfirmed, retry[0].Kind, "a new attempt is decided afresh")
}

func TestReservesBeforeTheProfileWaitForIt(t *testing.T) {
	cal, answers := run(t, nil,
		reserveReq("j1", 1, at(0, "08:00"), at(0, "17:00"), 60),
		reserveReq("j1", 2, at(0, "10:00"), at(0, "17:00"), 60),
		reserveReq("j1", 1, at(0, "08:00"), at(0, "17:00"), 60))
	assert.Empty(t, answers)
	require.Len(t, cal.Pending, 1, "the latest attempt per job waits")
	cal, answers = run(t, cal, profileReq(3, weekdays("08:00", "18:00"), true))
	require.Len(t, answers, 1)
	assert.Equal(t, int64(2), answers[0].BookingAttempt)
	assert.Equal(t, at(0, "10:00"), answers[0].Slot.Start)
	assert.Empty(t, cal.Pending)
}

func TestAnInactiveTradespersonIsRefused(t *testing.T) {
	cal, _ := run(t, nil, profileReq(1, weekdays("08:00", "18:00"), false))
	_, answers := Apply(cal, reserveReq("j1", 1, at(0, "08:00"), at(0, "17:00"), 60))
	require.Len(t, answers, 1)
	assert.Equal(t, codecs.KindSlotRefused, answers[0].Kind)
	assert.Contains(t, answers[0].Reason, "not active")
}

func TestNewWorkingHoursRevokeTheAppointmentsOutsideThem(t *testing.T) {
	cal, _ := run(t, ready(t),
		reserveReq("morning", 1, at(0, "08:00"), at(0, "12:00"), 60),
		reserveReq("evening", 4, at(0, "16:00"), at(0, "18:00"), 60))
	next, answers := Apply(cal, profileReq(2, weekdays("08:00", "16:00"), true))
	require.NotNil(t, next)
	require.Len(t, answers, 1)
	assert.Equal(t, codecs.KindSlotRefused, answers[0].Kind)
	assert.Equal(t, "evening", answers[0].JobID)
	assert.Equal(t, int64(4), answers[0].BookingAttempt, "the refusal names the attempt the job holds")
	assert.Equal(t, []string{"morning"}, jobsOf(next))
	again, resent := Apply(next, profileReq(2, weekdays("08:00", "16:00"), true))
	assert.Nil(t, again, "a redelivered profile changes nothing")
	assert.Equal(t, answers, resent, "and sends its answers again")
	older, none := Apply(next, profileReq(1, weekdays("08:00", "18:00"), true))
	assert.Nil(t, older, "an older profile changes nothing")
	assert.Empty(t, none)
}

func TestAProbeAnswersWithoutHoldingTheSlot(t *testing.T) {
	cal := ready(t)
	req := reserveReq("j1", 1, at(0, "08:00"), at(0, "17:00"), 60)
	req.Kind = codecs.CalendarProbe
	next, answers := Apply(cal, req)
	assert.Nil(t, next)
	require.Len(t, answers, 1)
	assert.Equal(t, codecs.KindSlotProbed, answers[0].Kind)
	assert.Equal(t, at(0, "08:00"), answers[0].Slot.Start)
}

func TestAppointmentsLongPastArePruned(t *testing.T) {
	cal, _ := run(t, ready(t), reserveReq("j1", 1, at(0, "08:00"), at(0, "17:00"), 60))
	later := reserveReq("j2", 1, at(60, "08:00"), at(60, "17:00"), 60)
	later.At = at(59, "00:00")
	cal, _ = run(t, cal, later)
	assert.Equal(t, []string{"j2"}, jobsOf(cal))
}

func jobsOf(cal *codecs.Calendar) []string {
	var out []string
	for _, a := range cal.Appointments {
		out = append(out, a.JobID)
	}
	return out
}

func TestAnEarlierProfileChangeRedeliveredSendsItsAnswersAgain(t *testing.T) {
	cal, _ := run(t, ready(t), reserveReq("evening", 1, at(0, "16:00"), at(0, "18:00"), 60))
	cal, answers := run(t, cal, profileReq(2, weekdays("08:00", "16:00"), true)) // revokes "evening"
	require.Len(t, answers, 1)
	cal, _ = run(t, cal, profileReq(3, weekdays("07:00", "16:00"), true))
	next, again := Apply(cal, profileReq(2, weekdays("08:00", "16:00"), true))
	assert.Nil(t, next)
	assert.Equal(t, answers, again, "change 2's revocation, although change 3 came since")
}

func TestADuplicateReserveAfterARevocationOrAReleaseTakesNoSlot(t *testing.T) {
	cal, _ := run(t, ready(t),
		reserveReq("evening", 2, at(0, "16:00"), at(0, "18:00"), 60),
		reserveReq("gone", 3, at(0, "08:00"), at(0, "18:00"), 60),
		releaseReq("gone", 4),
		profileReq(2, weekdays("08:00", "16:00"), true))
	require.Empty(t, cal.Appointments)
	for _, dup := range []*codecs.CalendarRequest{
		reserveReq("evening", 2, at(0, "08:00"), at(0, "18:00"), 60), // delivered again after its revocation
		reserveReq("gone", 3, at(0, "08:00"), at(0, "18:00"), 60),    // after its release
	} {
		next, answers := Apply(cal, dup)
		assert.Nil(t, next, dup.JobID)
		for _, a := range answers {
			assert.Equal(t, codecs.KindSlotRefused, a.Kind, dup.JobID)
		}
	}
	_, answers := Apply(cal, reserveReq("gone", 5, at(0, "08:00"), at(0, "18:00"), 60))
	assert.Equal(t, codecs.KindSlotConfirmed, answers[0].Kind, "a new attempt books again")
}
