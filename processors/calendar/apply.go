package calendar

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/slot"
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
//     of the attempt they hold and book again. The answers of the last
//     OutboxKeep profile changes are kept and sent again when one of them
//     is redelivered.
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
	start, err := slot.ChooseSlot(cal.WorkingHours, cal.Appointments, requestOf(req))
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
	start, err := slot.ChooseSlot(cal.WorkingHours, others, requestOf(req))
	if err != nil {
		cmd.Reason = err.Error()
		return cmd
	}
	cmd.Slot = &codecs.Slot{Start: start, End: start.Add(time.Duration(req.DurationMinutes) * time.Minute)}
	return cmd
}

func requestOf(req *codecs.CalendarRequest) slot.Request {
	return slot.Request{Window: req.Window, NotBefore: req.NotBefore, Location: req.Location,
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

// release frees the job's slot if an attempt up to req's took it, and
// remembers the attempt: a reserve of that attempt or an earlier one
// delivered again later (a duplicate) takes no slot.
func release(cal *codecs.Calendar, req *codecs.CalendarRequest) bool {
	if i := slices.IndexFunc(cal.Appointments, func(a codecs.CalendarAppointment) bool { return a.JobID == req.JobID }); i >= 0 &&
		cal.Appointments[i].Attempt > req.Attempt {
		return false // a later reserve superseded this release
	}
	if r, ok := refusalOf(cal, req.JobID); ok && r.Attempt >= req.Attempt && len(cal.Pending) == 0 &&
		!slices.ContainsFunc(cal.Appointments, func(a codecs.CalendarAppointment) bool { return a.JobID == req.JobID }) {
		return false // released (or refused) already
	}
	cal.Appointments = slices.DeleteFunc(cal.Appointments, func(a codecs.CalendarAppointment) bool { return a.JobID == req.JobID })
	cal.Pending = slices.DeleteFunc(cal.Pending, func(p codecs.CalendarRequest) bool {
		return p.JobID == req.JobID && p.Attempt <= req.Attempt
	})
	remember(cal, req.JobID, req.Attempt, "calendar: released")
	return true
}

func profile(cal *codecs.Calendar, req *codecs.CalendarRequest) ([]*codecs.Command, bool) {
	p := req.Profile
	switch {
	case p == nil:
		return nil, false
	case p.Seq <= cal.ProfileSeq:
		return resend(cal, p.Seq, req.At), false // a redelivery: its answers may have been lost
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
		if why == "" && !slot.WithinHours(cal.WorkingHours, a.Start, a.End) {
			why = "calendar: the tradesperson's working hours changed"
		}
		if why != "" {
			answers = append(answers, revoked(cal, a, req.At, why))
			remember(cal, a.JobID, a.Attempt, why) // a duplicate of its reserve takes no slot
		}
		return why != ""
	})
	pending := cal.Pending
	cal.Pending = []codecs.CalendarRequest{}
	for i := range pending {
		a, _ := reserve(cal, &pending[i])
		answers = append(answers, a...)
	}
	// Keep the answers of the last OutboxKeep profile changes.
	cal.Outbox = slices.DeleteFunc(cal.Outbox, func(a codecs.CalendarAnswer) bool { return a.ProfileSeq <= oldestKept(cal.Outbox) })
	for _, a := range answers {
		x := codecs.CalendarAnswer{ProfileSeq: p.Seq, JobID: a.JobID, Attempt: a.BookingAttempt, Kind: a.Kind,
			Outcome: a.CommandID[strings.LastIndexByte(a.CommandID, '-')+1:], Reason: a.Reason}
		if a.Slot != nil {
			x.Start, x.End = a.Slot.Start, a.Slot.End
		}
		cal.Outbox = append(cal.Outbox, x)
	}
	return answers, true
}

// OutboxKeep is how many profile changes' answers a calendar keeps: after a
// crash every change since the last commit may be redelivered.
const OutboxKeep = 4

// oldestKept returns the profile sequence number at or below which answers
// are dropped to make room for one more change (0: none).
func oldestKept(outbox []codecs.CalendarAnswer) int64 {
	var seqs []int64
	for _, a := range outbox {
		if !slices.Contains(seqs, a.ProfileSeq) {
			seqs = append(seqs, a.ProfileSeq)
		}
	}
	if len(seqs) < OutboxKeep {
		return 0
	}
	slices.Sort(seqs)
	return seqs[len(seqs)-OutboxKeep]
}

// resend rebuilds the answers of the profile change seq.
func resend(cal *codecs.Calendar, seq int64, at time.Time) []*codecs.Command {
	var out []*codecs.Command
	for _, a := range cal.Outbox {
		if a.ProfileSeq != seq {
			continue
		}
		c := answer(cal, a.JobID, a.Attempt, at, a.Kind, a.Outcome)
		c.Reason = a.Reason
		if !a.Start.IsZero() {
			c.Slot = &codecs.Slot{Start: a.Start, End: a.End}
		}
		out = append(out, c)
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
	remember(cal, req.JobID, req.Attempt, reason)
	return Refused(cal, req, reason)
}

// remember records that a job's attempt got no slot or lost it (refused,
// revoked or released), one entry per job, for the newest MaxRefusals jobs.
func remember(cal *codecs.Calendar, job string, attempt int64, reason string) {
	cal.Refused = slices.DeleteFunc(cal.Refused, func(r codecs.CalendarRefusal) bool { return r.JobID == job })
	cal.Refused = append(cal.Refused, codecs.CalendarRefusal{JobID: job, Attempt: attempt, Reason: reason})
	if n := len(cal.Refused); n > MaxRefusals {
		cal.Refused = slices.Clone(cal.Refused[n-MaxRefusals:])
	}
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
