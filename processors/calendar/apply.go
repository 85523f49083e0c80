package calendar

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// Retention is how long an appointment stays in its calendar after it
// ended (measured at the time of the request being applied); older ones
// are dropped to bound the calendar's size.
const Retention = 30 * 24 * time.Hour

// MaxRefusals bounds the refusals a calendar remembers for redeliveries.
const MaxRefusals = 64

// Apply applies req to cal (nil when the tradesperson has no calendar yet)
// and returns the new calendar (nil when nothing changed) and the answers
// to send to jobs. Apply never modifies its arguments and is deterministic:
// a redelivered request gets the same answer and changes nothing.
//
//   - A reserve for a job already holding a slot of that attempt answers
//     that slot again; for a later attempt the job's old slot is freed and
//     a new one chosen; an earlier attempt is stale and ignored.
//   - A probe answers the slot a reserve would get, holding nothing.
//   - A reserve or probe that arrives before the tradesperson's profile is parked
//     and answered when the profile comes.
//   - A release frees the job's slot if an attempt up to its own took it.
//   - A newer profile replaces hours, base and activity; future
//     appointments that no longer fit (or all of them, when the
//     tradesperson stopped working) are revoked: their jobs get a refusal
//     of the attempt they hold and book again. The profile's answers are
//     kept (Outbox) and sent again when it is redelivered.
func Apply(cal *codecs.Calendar, req *codecs.CalendarRequest) (*codecs.Calendar, []*codecs.Command) {
	next := clone(cal, req)
	var (
		answers []*codecs.Command
		changed bool
	)
	switch req.Kind {
	case codecs.CalendarReserve, codecs.CalendarProbe:
		answers, changed = reserve(next, req)
	case codecs.CalendarRelease:
		changed = release(next, req)
	case codecs.CalendarProfile:
		answers, changed = profile(next, req)
	default:
		return nil, nil
	}
	if prune(next, req.At) || changed {
		return next, answers
	}
	return nil, answers
}

// reserve answers a reserve or a probe and reports whether the calendar
// changed.
func reserve(cal *codecs.Calendar, req *codecs.CalendarRequest) ([]*codecs.Command, bool) {
	if cal.ProfileSeq == 0 {
		return nil, park(cal, req)
	}
	if req.Kind == codecs.CalendarProbe {
		return []*codecs.Command{probe(cal, req)}, false
	}
	if i := slices.IndexFunc(cal.Appointments, func(a codecs.CalendarAppointment) bool { return a.JobID == req.JobID }); i >= 0 {
		a := cal.Appointments[i]
		switch {
		case a.Attempt == req.Attempt:
			return []*codecs.Command{Confirmed(cal, req, a)}, false
		case a.Attempt > req.Attempt:
			return nil, false // stale: the job asked again since
		}
		cal.Appointments = slices.Delete(cal.Appointments, i, i+1)
	}
	if r, ok := refusalOf(cal, req.JobID); ok && r.Attempt >= req.Attempt {
		if r.Attempt == req.Attempt {
			return []*codecs.Command{Refused(cal, req, r.Reason)}, false
		}
		return nil, false
	}
	if reason := unavailable(cal); reason != "" {
		return []*codecs.Command{refuse(cal, req, reason)}, true
	}
	start, err := ChooseSlot(cal.WorkingHours, cal.Appointments, requestOf(req))
	if err != nil {
		return []*codecs.Command{refuse(cal, req, err.Error())}, true
	}
	a := codecs.CalendarAppointment{JobID: req.JobID, Attempt: req.Attempt, Start: start,
		End: start.Add(time.Duration(req.DurationMinutes) * time.Minute), Location: req.Location,
		Window: req.Window, NotBefore: req.NotBefore}
	i, _ := slices.BinarySearchFunc(cal.Appointments, a, func(x, y codecs.CalendarAppointment) int { return x.Start.Compare(y.Start) })
	cal.Appointments = slices.Insert(cal.Appointments, i, a)
	return []*codecs.Command{Confirmed(cal, req, a)}, true
}

// probe answers which slot a reserve would get now, holding nothing.
func probe(cal *codecs.Calendar, req *codecs.CalendarRequest) *codecs.Command {
	cmd := answer(cal, req.JobID, req.Attempt, req.At, codecs.KindSlotProbed, "probed")
	if cmd.Reason = unavailable(cal); cmd.Reason != "" {
		return cmd
	}
	others := slices.DeleteFunc(slices.Clone(cal.Appointments), func(a codecs.CalendarAppointment) bool { return a.JobID == req.JobID })
	start, err := ChooseSlot(cal.WorkingHours, others, requestOf(req))
	if err != nil {
		cmd.Reason = err.Error()
		return cmd
	}
	cmd.Slot = &codecs.Slot{Start: start, End: start.Add(time.Duration(req.DurationMinutes) * time.Minute)}
	return cmd
}

func requestOf(req *codecs.CalendarRequest) Request {
	return Request{Window: req.Window, NotBefore: req.NotBefore, Location: req.Location,
		Duration: time.Duration(req.DurationMinutes) * time.Minute}
}

func unavailable(cal *codecs.Calendar) string {
	switch {
	case cal.Removed:
		return "calendar: tradesperson " + cal.TradespersonID + " was removed"
	case !cal.Active:
		return "calendar: tradesperson " + cal.TradespersonID + " is not active"
	}
	return ""
}

// park keeps a reserve until the profile arrives: the latest attempt per job.
func park(cal *codecs.Calendar, req *codecs.CalendarRequest) bool {
	i := slices.IndexFunc(cal.Pending, func(p codecs.CalendarRequest) bool { return p.JobID == req.JobID })
	switch {
	case i < 0:
		cal.Pending = append(cal.Pending, *req)
	case cal.Pending[i].Attempt < req.Attempt:
		cal.Pending[i] = *req
	default:
		return false
	}
	return true
}

func release(cal *codecs.Calendar, req *codecs.CalendarRequest) bool {
	n, p := len(cal.Appointments), len(cal.Pending)
	cal.Appointments = slices.DeleteFunc(cal.Appointments, func(a codecs.CalendarAppointment) bool {
		return a.JobID == req.JobID && a.Attempt <= req.Attempt
	})
	cal.Pending = slices.DeleteFunc(cal.Pending, func(p codecs.CalendarRequest) bool {
		return p.JobID == req.JobID && p.Attempt <= req.Attempt
	})
	return n != len(cal.Appointments) || p != len(cal.Pending)
}

func profile(cal *codecs.Calendar, req *codecs.CalendarRequest) ([]*codecs.Command, bool) {
	p := req.Profile
	switch {
	case p == nil || p.Seq < cal.ProfileSeq:
		return nil, false
	case p.Seq == cal.ProfileSeq:
		return resend(cal, req.At), false // a redelivery: its answers may have been lost
	}
	cal.WorkingHours, cal.Base, cal.Active, cal.Removed, cal.ProfileSeq =
		slices.Clone(p.WorkingHours), p.Base, p.Active, p.Removed, p.Seq
	if cal.WorkingHours == nil {
		cal.WorkingHours = []codecs.WorkingHours{}
	}
	var answers []*codecs.Command
	reason := unavailable(cal)
	cal.Appointments = slices.DeleteFunc(cal.Appointments, func(a codecs.CalendarAppointment) bool {
		if !a.End.After(req.At) {
			return false // past appointments stay as they were
		}
		why := reason
		if why == "" && !WithinHours(cal.WorkingHours, a.Start, a.End) {
			why = "calendar: the tradesperson's working hours changed"
		}
		if why != "" {
			answers = append(answers, revoked(cal, a, req.At, why))
		}
		return why != ""
	})
	pending := cal.Pending
	cal.Pending = []codecs.CalendarRequest{}
	for i := range pending {
		a, _ := reserve(cal, &pending[i])
		answers = append(answers, a...)
	}
	cal.Outbox = make([]codecs.CalendarAnswer, len(answers))
	for i, a := range answers {
		cal.Outbox[i] = codecs.CalendarAnswer{JobID: a.JobID, Attempt: a.BookingAttempt, Kind: a.Kind,
			Outcome: a.CommandID[strings.LastIndexByte(a.CommandID, '-')+1:], Reason: a.Reason}
		if a.Slot != nil {
			cal.Outbox[i].Start, cal.Outbox[i].End = a.Slot.Start, a.Slot.End
		}
	}
	return answers, true
}

// resend rebuilds the answers of the last profile change.
func resend(cal *codecs.Calendar, at time.Time) []*codecs.Command {
	out := make([]*codecs.Command, len(cal.Outbox))
	for i, a := range cal.Outbox {
		out[i] = answer(cal, a.JobID, a.Attempt, at, a.Kind, a.Outcome)
		out[i].Reason = a.Reason
		if !a.Start.IsZero() {
			out[i].Slot = &codecs.Slot{Start: a.Start, End: a.End}
		}
	}
	return out
}

// prune drops appointments that ended Retention before now and reports
// whether there were any.
func prune(cal *codecs.Calendar, now time.Time) bool {
	if now.IsZero() {
		return false
	}
	cutoff, n := now.Add(-Retention), len(cal.Appointments)
	cal.Appointments = slices.DeleteFunc(cal.Appointments, func(a codecs.CalendarAppointment) bool { return a.End.Before(cutoff) })
	return n != len(cal.Appointments)
}

func refusalOf(cal *codecs.Calendar, job string) (codecs.CalendarRefusal, bool) {
	for _, r := range cal.Refused {
		if r.JobID == job {
			return r, true
		}
	}
	return codecs.CalendarRefusal{}, false
}

// refuse remembers the refusal (one per job, the newest MaxRefusals jobs).
func refuse(cal *codecs.Calendar, req *codecs.CalendarRequest, reason string) *codecs.Command {
	cal.Refused = slices.DeleteFunc(cal.Refused, func(r codecs.CalendarRefusal) bool { return r.JobID == req.JobID })
	cal.Refused = append(cal.Refused, codecs.CalendarRefusal{JobID: req.JobID, Attempt: req.Attempt, Reason: reason})
	if n := len(cal.Refused); n > MaxRefusals {
		cal.Refused = slices.Clone(cal.Refused[n-MaxRefusals:])
	}
	return Refused(cal, req, reason)
}

// Confirmed is the answer giving a job its slot.
func Confirmed(cal *codecs.Calendar, req *codecs.CalendarRequest, a codecs.CalendarAppointment) *codecs.Command {
	cmd := answer(cal, req.JobID, a.Attempt, req.At, codecs.KindSlotConfirmed, "confirmed")
	cmd.Slot = &codecs.Slot{Start: a.Start, End: a.End}
	return cmd
}

// Refused is the answer refusing a job's reserve.
func Refused(cal *codecs.Calendar, req *codecs.CalendarRequest, reason string) *codecs.Command {
	cmd := answer(cal, req.JobID, req.Attempt, req.At, codecs.KindSlotRefused, "refused")
	cmd.Reason = reason
	return cmd
}

// revoked is the refusal of a slot the job held: the job books again.
func revoked(cal *codecs.Calendar, a codecs.CalendarAppointment, at time.Time, reason string) *codecs.Command {
	cmd := answer(cal, a.JobID, a.Attempt, at, codecs.KindSlotRefused, "revoked")
	cmd.Reason = reason
	return cmd
}

// answer builds an internal job command with a deterministic id: a
// redelivered request yields the same id, which the job recognises.
func answer(cal *codecs.Calendar, job string, attempt int64, at time.Time, kind, outcome string) *codecs.Command {
	return &codecs.Command{
		CommandID: "cal-" + cal.TradespersonID + "-" + job + "-" + strconv.FormatInt(attempt, 10) + "-" + outcome,
		TenantID:  cal.TenantID, Kind: kind, JobID: job, TradespersonID: cal.TradespersonID,
		AcceptedAt: at, Source: codecs.SourceInternal, BookingAttempt: attempt,
	}
}

// clone copies cal (or starts an empty calendar for req's tradesperson) so
// that Apply can change it in place.
func clone(cal *codecs.Calendar, req *codecs.CalendarRequest) *codecs.Calendar {
	if cal == nil {
		return &codecs.Calendar{TenantID: req.TenantID, TradespersonID: req.TradespersonID,
			WorkingHours: []codecs.WorkingHours{}, Appointments: []codecs.CalendarAppointment{},
			Pending: []codecs.CalendarRequest{}, Refused: []codecs.CalendarRefusal{}, Outbox: []codecs.CalendarAnswer{}}
	}
	c := *cal
	c.WorkingHours = slices.Clone(cal.WorkingHours)
	c.Appointments = slices.Clone(cal.Appointments)
	c.Pending = slices.Clone(cal.Pending)
	c.Refused = slices.Clone(cal.Refused)
	c.Outbox = slices.Clone(cal.Outbox)
	return &c
}
