package calendar

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/slot"
)

// Violation kinds reported by Check.
const (
	ViolationTravel       = "travel"        // overlapping, or too close for the travel between them
	ViolationWindow       = "window"        // outside the job's window or before its dependencies
	ViolationHours        = "working_hours" // outside the tradesperson's working hours
	ViolationGrid         = "grid"          // a start off the five-minute grid
	ViolationDependency   = "dependency"    // a dependent starting before a dependency ends
	ViolationOrphan       = "orphan"        // a calendar slot no booked job holds
	ViolationMissing      = "missing"       // a booked job without its calendar slot
	ViolationDisagreement = "disagreement"  // job and calendar disagree on the slot
	ViolationCycleOrder   = "cycle_order"   // a cycle refused a job posted before another on it
)

// Violation is one broken scheduling invariant.
type Violation struct {
	Kind     string
	TenantID string
	// Tradesperson is the calendar's tradesperson, when one is involved.
	Tradesperson string
	JobID        string
	Detail       string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s: tenant %s tradesperson %s job %s: %s", v.Kind, v.TenantID, v.Tradesperson, v.JobID, v.Detail)
}

// Report is the outcome of Check.
type Report struct {
	Calendars, Appointments, Jobs int
	Violations                    []Violation
	// InFlight are jobs still waiting for an answer ("<tenant>/<job>"): a
	// booking without a reply yet, or a job waiting for dependencies that
	// are all booked. A settled system has none.
	InFlight []string
}

// OK reports whether no invariant is broken and nothing is in flight.
func (r Report) OK() bool { return len(r.Violations) == 0 && len(r.InFlight) == 0 }

// Check verifies the scheduling invariants over calendars and jobs (all of
// them, as the tables hold them):
//
//   - appointments of one tradesperson never overlap and leave the travel
//     time between consecutive ones;
//   - every appointment lies on the grid, inside its job's window, after its
//     dependencies, and inside one working-hours interval;
//   - every dependent not completed yet starts after each booked
//     dependency ends, and none is booked after a dependency was cancelled;
//   - calendars and jobs agree: every booked job holds exactly its slot in
//     its tradesperson's calendar (a completed job gave the rest of its
//     slot back) and every slot belongs to such a job;
//   - a job refused for a dependency cycle (its rejection still in view)
//     was posted after every other job of its cycle, whatever order the
//     groups saw the posts in.
//
// Appointments that ended before now − Retention may have been pruned from
// calendars and are not cross-checked; a zero now checks everything.
func Check(calendars []codecs.Calendar, jobs []codecs.Job, now time.Time) Report {
	r := Report{Calendars: len(calendars), Jobs: len(jobs)}
	byKey := make(map[string]*codecs.Job, len(jobs))
	for i := range jobs {
		byKey[jobs[i].TenantID+"/"+jobs[i].ID] = &jobs[i]
	}
	held := map[string]bool{} // "<tenant>/<job>" of every calendar slot
	for i := range calendars {
		c := &calendars[i]
		r.Appointments += len(c.Appointments)
		r.checkCalendar(c, byKey, held)
	}
	var cutoff time.Time
	if !now.IsZero() {
		cutoff = now.Add(-Retention)
	}
	for i := range jobs {
		r.checkJob(&jobs[i], byKey, held, cutoff)
		r.checkCycleRefusal(&jobs[i], byKey)
	}
	return r
}

// checkCycleRefusal checks that a job refused for a cycle was posted last
// on it. A job of the path no longer in view (deleted) is not judged.
func (r *Report) checkCycleRefusal(j *codecs.Job, jobs map[string]*codecs.Job) {
	rej := j.LastRejection
	if rej == nil || rej.Code != codecs.CodeDependencyCycle {
		return
	}
	path, ok := codecs.CyclePath(rej.Reason)
	if !ok {
		r.add(ViolationCycleOrder, j.TenantID, "", j.ID, "refused for a cycle with reason %q", rej.Reason)
		return
	}
	for _, id := range path {
		if o := jobs[j.TenantID+"/"+id]; id != j.ID && o != nil && o.PostedSeq > j.PostedSeq {
			r.add(ViolationCycleOrder, j.TenantID, "", j.ID, "refused (posted seq %d), but %s on its cycle %s was posted later (seq %d)",
				j.PostedSeq, id, strings.Join(path, " → "), o.PostedSeq)
		}
	}
}

func (r *Report) add(kind, tenant, tp, job, format string, args ...any) {
	r.Violations = append(r.Violations, Violation{Kind: kind, TenantID: tenant, Tradesperson: tp, JobID: job,
		Detail: fmt.Sprintf(format, args...)})
}

func (r *Report) checkCalendar(c *codecs.Calendar, jobs map[string]*codecs.Job, held map[string]bool) {
	as := slices.Clone(c.Appointments)
	slices.SortStableFunc(as, func(a, b codecs.CalendarAppointment) int { return a.Start.Compare(b.Start) })
	for k, a := range as {
		key := c.TenantID + "/" + a.JobID
		if held[key] {
			r.add(ViolationDisagreement, c.TenantID, c.TradespersonID, a.JobID, "the job holds more than one slot")
		}
		held[key] = true
		if k > 0 {
			prev := as[k-1]
			if ready := prev.End.Add(slot.Travel(prev.Location, a.Location)); a.Start.Before(ready) {
				r.add(ViolationTravel, c.TenantID, c.TradespersonID, a.JobID, "starts %s, before %s (job %s ends %s, then travel)",
					a.Start.Format(time.RFC3339), ready.Format(time.RFC3339), prev.JobID, prev.End.Format(time.RFC3339))
			}
		}
		if !a.Start.Equal(slot.CeilGrid(a.Start)) {
			r.add(ViolationGrid, c.TenantID, c.TradespersonID, a.JobID, "starts %s", a.Start.Format(time.RFC3339Nano))
		}
		if a.Start.Before(a.Window.EarliestStart) || a.End.After(a.Window.LatestEnd) || a.Start.Before(a.NotBefore) {
			r.add(ViolationWindow, c.TenantID, c.TradespersonID, a.JobID, "slot %s–%s outside its window %s–%s or before %s",
				a.Start.Format(time.RFC3339), a.End.Format(time.RFC3339), a.Window.EarliestStart.Format(time.RFC3339),
				a.Window.LatestEnd.Format(time.RFC3339), a.NotBefore.Format(time.RFC3339))
		}
		if !slot.WithinHours(c.WorkingHours, a.Start, a.End) {
			r.add(ViolationHours, c.TenantID, c.TradespersonID, a.JobID, "slot %s–%s outside working hours",
				a.Start.Format(time.RFC3339), a.End.Format(time.RFC3339))
		}
		j := jobs[key]
		switch {
		case j == nil || !Booked(j.Status) || j.AssignedTradespersonID == nil || *j.AssignedTradespersonID != c.TradespersonID:
			status := "missing"
			if j != nil {
				status = j.Status
			}
			r.add(ViolationOrphan, c.TenantID, c.TradespersonID, a.JobID, "calendar slot of a job that is %s", status)
		case j.Appointment == nil || !j.Appointment.Start.Equal(a.Start) || !j.Appointment.End.Equal(a.End):
			r.add(ViolationDisagreement, c.TenantID, c.TradespersonID, a.JobID, "calendar has %s–%s, the job %v",
				a.Start.Format(time.RFC3339), a.End.Format(time.RFC3339), j.Appointment)
		}
	}
}

func (r *Report) checkJob(j *codecs.Job, jobs map[string]*codecs.Job, held map[string]bool, cutoff time.Time) {
	key := j.TenantID + "/" + j.ID
	tp := ""
	if j.AssignedTradespersonID != nil {
		tp = *j.AssignedTradespersonID
	}
	switch {
	case j.Status == codecs.StatusBooking:
		r.InFlight = append(r.InFlight, key)
	case j.Status == codecs.StatusWaitingDependencies && dependenciesBooked(j, jobs):
		r.InFlight = append(r.InFlight, key)
	}
	if j.Appointment == nil {
		return
	}
	a := j.Appointment
	if !Booked(j.Status) {
		r.add(ViolationDisagreement, j.TenantID, tp, j.ID, "a %s job keeps an appointment", j.Status)
		return
	}
	if !held[key] && a.End.After(cutoff) && j.Status != codecs.StatusCompleted {
		r.add(ViolationMissing, j.TenantID, tp, j.ID, "booked %s–%s but not in the calendar", a.Start.Format(time.RFC3339), a.End.Format(time.RFC3339))
	}
	if j.Status == codecs.StatusBooked && (a.Start.Before(j.Window.EarliestStart) || a.End.After(j.Window.LatestEnd)) {
		r.add(ViolationWindow, j.TenantID, tp, j.ID, "appointment %s–%s outside the job's window", a.Start.Format(time.RFC3339), a.End.Format(time.RFC3339))
	}
	for _, id := range j.DependsOn {
		d := jobs[j.TenantID+"/"+id]
		switch {
		case d == nil:
		case d.Status == codecs.StatusCancelled && j.Status == codecs.StatusBooked:
			r.add(ViolationDependency, j.TenantID, tp, j.ID, "booked although its dependency %s was cancelled", id)
		case d.Appointment != nil && Booked(d.Status) && a.Start.Before(d.Appointment.End) && j.Status != codecs.StatusCompleted:
			r.add(ViolationDependency, j.TenantID, tp, j.ID, "starts %s before its dependency %s ends %s",
				a.Start.Format(time.RFC3339), id, d.Appointment.End.Format(time.RFC3339))
		}
	}
}

func dependenciesBooked(j *codecs.Job, jobs map[string]*codecs.Job) bool {
	for _, id := range j.DependsOn {
		d := jobs[j.TenantID+"/"+id]
		if d == nil || !Booked(d.Status) || d.Appointment == nil {
			return false
		}
	}
	return true
}

// Booked reports whether a job of status holds an appointment: booked and
// the field statuses after it.
func Booked(status string) bool {
	switch status {
	case codecs.StatusBooked, codecs.StatusEnRoute, codecs.StatusOnSite, codecs.StatusCompleted:
		return true
	}
	return false
}
