package calendar

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tradestream/tradestream/codecs"
)

// booking is a consistent pair: a booked job and its calendar slot.
func booking(job, tp string, start time.Time, loc codecs.GeoPoint, deps ...string) (codecs.Job, codecs.CalendarAppointment) {
	w := window(start.Truncate(24*time.Hour).Add(8*time.Hour), start.Truncate(24*time.Hour).Add(18*time.Hour))
	end := start.Add(time.Hour)
	j := codecs.Job{ID: job, TenantID: "acme", Status: codecs.StatusBooked, Window: w, DependsOn: deps,
		AssignedTradespersonID: &tp, Appointment: &codecs.Appointment{Start: start, End: end}}
	return j, codecs.CalendarAppointment{JobID: job, Start: start, End: end, Location: loc, Window: w}
}

func calendarOf(tp string, as ...codecs.CalendarAppointment) codecs.Calendar {
	return codecs.Calendar{TenantID: "acme", TradespersonID: tp, WorkingHours: weekdays("08:00", "18:00"), Appointments: as}
}

func kinds(r Report) []string {
	var out []string
	for _, v := range r.Violations {
		out = append(out, v.Kind+" "+v.JobID)
	}
	return out
}

func TestCheckPassesAConsistentSchedule(t *testing.T) {
	j1, a1 := booking("j1", "tp", at(0, "08:00"), here)
	j2, a2 := booking("j2", "tp", at(0, "09:20"), tenKm, "j1")
	r := Check([]codecs.Calendar{calendarOf("tp", a1, a2)}, []codecs.Job{j1, j2}, time.Time{})
	assert.Empty(t, r.Violations)
	assert.True(t, r.OK())
	assert.Equal(t, 2, r.Appointments)
}

func TestCheckFindsEveryBrokenInvariant(t *testing.T) {
	j1, a1 := booking("j1", "tp", at(0, "08:00"), here)
	j2, a2 := booking("j2", "tp", at(0, "09:10"), tenKm) // 20 min travel needed
	j3, a3 := booking("j3", "tp", at(0, "17:30"), here)  // ends 18:30
	j4, a4 := booking("j4", "tp", at(1, "08:02"), here)  // off the grid
	j5, a5 := booking("j5", "tp", at(1, "10:00"), here, "j6")
	j6, a6 := booking("j6", "other", at(1, "10:00"), here) // j5 starts before j6 ends
	j7, _ := booking("j7", "tp", at(2, "08:00"), here)     // not in the calendar
	_, a8 := booking("j8", "tp", at(3, "08:00"), here)     // no such job
	j9, a9 := booking("j9", "tp", at(4, "08:00"), here)
	j9.Appointment = &codecs.Appointment{Start: at(4, "09:00"), End: at(4, "10:00")} // disagrees
	a5.Window.EarliestStart = at(1, "11:00")                                         // outside its window
	a3.Window.LatestEnd, j3.Window.LatestEnd = at(0, "20:00"), at(0, "20:00")        // inside its window
	r := Check([]codecs.Calendar{calendarOf("tp", a1, a2, a3, a4, a5, a8, a9), calendarOf("other", a6)},
		[]codecs.Job{j1, j2, j3, j4, j5, j6, j7, j9}, time.Time{})
	assert.ElementsMatch(t, []string{"travel j2", "working_hours j3", "grid j4", "window j5", "dependency j5",
		"missing j7", "orphan j8", "disagreement j9"}, kinds(r))
	assert.False(t, r.OK())
}

func TestCheckReportsJobsStillInFlight(t *testing.T) {
	d, a := booking("d", "tp", at(0, "08:00"), here)
	waiting := codecs.Job{ID: "w", TenantID: "acme", Status: codecs.StatusWaitingDependencies, DependsOn: []string{"d"}}
	blocked := codecs.Job{ID: "x", TenantID: "acme", Status: codecs.StatusWaitingDependencies, DependsOn: []string{"nope"}}
	booking := codecs.Job{ID: "b", TenantID: "acme", Status: codecs.StatusBooking}
	r := Check([]codecs.Calendar{calendarOf("tp", a)}, []codecs.Job{d, waiting, blocked, booking}, time.Time{})
	assert.Empty(t, r.Violations)
	assert.Equal(t, []string{"acme/w", "acme/b"}, r.InFlight)
	assert.False(t, r.OK())
}

func TestCheckSkipsAppointmentsPrunedLongAgo(t *testing.T) {
	j, _ := booking("old", "tp", at(0, "08:00"), here)
	j.Status = codecs.StatusCompleted
	r := Check(nil, []codecs.Job{j}, at(40, "00:00"))
	assert.Empty(t, r.Violations)
}

func TestCheckFindsACycleRefusalOutOfPostingOrder(t *testing.T) {
	refused := func(id string, seq int64, path ...string) codecs.Job {
		return codecs.Job{ID: id, TenantID: "acme", Status: codecs.StatusCancelled, PostedSeq: seq,
			LastRejection: &codecs.Rejection{Code: codecs.CodeDependencyCycle, Reason: codecs.CycleReason(path)}}
	}
	posted := func(id string, seq int64) codecs.Job {
		return codecs.Job{ID: id, TenantID: "acme", Status: codecs.StatusPosted, PostedSeq: seq}
	}
	jobs := []codecs.Job{
		posted("a", 1), posted("b", 2), refused("c", 3, "c", "a", "b", "c"), // c was posted last: right
		posted("x", 9), refused("y", 5, "y", "x", "y"), // x was posted after y: wrong
		refused("z", 7, "z", "gone", "z"), // the other end is no longer in view: not judged
	}
	r := Check(nil, jobs, time.Time{})
	assert.Equal(t, []string{"cycle_order y"}, kinds(r))
	assert.Contains(t, r.Violations[0].Detail, "x on its cycle y → x → y was posted later (seq 9)")

	bad := refused("w", 1)
	bad.LastRejection.Reason = "something else"
	assert.Equal(t, []string{"cycle_order w"}, kinds(Check(nil, []codecs.Job{bad}, time.Time{})))
}
