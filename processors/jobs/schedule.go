package jobs

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// Booking causes (Job.BookingCause): why a job is booking, which decides
// how a refusal ends and which notification a confirmation sends.
const (
	CauseAccept     = "accept"     // a bid was accepted
	CauseAuto       = "auto"       // an auto job probes its candidates
	CauseReschedule = "reschedule" // the customer moved the window
	CauseDependency = "dependency" // a dependency moved later
	CauseRevoked    = "revoked"    // the calendar revoked the slot
)

// CodeDependencyCycle is the rejection code of a post whose depends_on
// closes a cycle.
const CodeDependencyCycle = codecs.CodeDependencyCycle

// Effect kinds of the scheduling targets.
const (
	// EffectNotify sends Arg (the notification kind) to the customer and
	// the assigned tradesperson.
	EffectNotify = "notify"
)

// schedule applies an internal scheduling command to a copy of j. It
// returns the new job (nil: unchanged) and effects beyond those derived
// from the change.
func schedule(j *codecs.Job, cmd *codecs.Command) (*codecs.Job, []Effect) {
	switch cmd.Kind {
	case codecs.KindSlotConfirmed:
		return slotConfirmed(clone(j), cmd)
	case codecs.KindSlotRefused:
		return slotRefused(clone(j), cmd), nil
	case codecs.KindSlotProbed:
		return slotProbed(clone(j), cmd), nil
	case codecs.KindSubscribeDependent:
		return subscribe(clone(j), cmd)
	case codecs.KindDependencyUpdate:
		return dependencyUpdate(clone(j), cmd), nil
	case codecs.KindDependencyCycle:
		return dependencyCycle(clone(j), cmd), nil
	}
	return nil, nil
}

// startBooking moves a job towards a slot: it waits while a dependency is
// not booked, otherwise it asks its tradesperson's calendar (an auto job
// without a tradesperson probes its candidates). A job that held a request
// or a slot gets a new attempt either way, which releases the old one.
func startBooking(j *codecs.Job, cmd *codecs.Command, cause string) {
	if id := cancelledDependency(j); id != "" {
		attention(j, cmd, "dependency "+id+" was cancelled", true)
		return
	}
	held := holdsCalendar(j)
	j.BookingCause, j.Appointment, j.Probing, j.MatchProbing = cause, nil, false, false
	if cause != CauseRevoked && cause != CauseDependency {
		j.Refusals = []string{}
	}
	if !dependenciesReady(j) {
		if held {
			j.BookingAttempt++
		}
		if j.Status != codecs.StatusWaitingDependencies {
			transition(j, codecs.StatusWaitingDependencies, cmd)
		}
		return
	}
	j.BookingAttempt++
	if cause == CauseAuto {
		j.Probing, j.Probes, j.BookingOrder, j.CandidateIndex = true, []codecs.ProbeAnswer{}, []string{}, 0
		j.AssignedTradespersonID = nil
	}
	if j.Status != codecs.StatusBooking {
		transition(j, codecs.StatusBooking, cmd)
	}
}

// holdsCalendar reports whether the job has a request in a calendar or a
// slot there.
func holdsCalendar(j *codecs.Job) bool {
	switch j.Status {
	case codecs.StatusBooking, codecs.StatusBooked, codecs.StatusEnRoute, codecs.StatusOnSite:
		return j.AssignedTradespersonID != nil
	}
	return false
}

// attention sends the job to needs_attention, releasing what it held
// (unless the calendar just refused it: it then holds nothing).
func attention(j *codecs.Job, cmd *codecs.Command, reason string, release bool) {
	if release && holdsCalendar(j) {
		j.BookingAttempt++
	}
	j.Appointment, j.Probing = nil, false
	j.AttentionReason = &reason
	transition(j, codecs.StatusNeedsAttention, cmd)
}

// unwantedSlot reports whether cmd confirms a slot the job does not hold:
// even when its id was seen before (a duplicate reserve that the calendar
// placed again), such a slot is released, not taken for a repeat.
func unwantedSlot(j *codecs.Job, cmd *codecs.Command) bool {
	if cmd.Kind != codecs.KindSlotConfirmed || cmd.Slot == nil {
		return false
	}
	a := j.Appointment
	holds := a != nil && a.Start.Equal(cmd.Slot.Start) && a.End.Equal(cmd.Slot.End) && j.BookingAttempt == cmd.BookingAttempt &&
		j.AssignedTradespersonID != nil && *j.AssignedTradespersonID == cmd.TradespersonID
	return !holds
}

func slotConfirmed(j *codecs.Job, cmd *codecs.Command) (*codecs.Job, []Effect) {
	tp, n := cmd.TradespersonID, cmd.BookingAttempt
	current := j.AssignedTradespersonID != nil && *j.AssignedTradespersonID == tp && j.BookingAttempt == n && !j.Probing
	switch {
	case cmd.Slot == nil:
		return nil, nil
	case current && j.Status == codecs.StatusBooking:
		j.Appointment = &codecs.Appointment{Start: cmd.Slot.Start, End: cmd.Slot.End}
		j.Refusals, j.AttentionReason = []string{}, nil
		transition(j, codecs.StatusBooked, cmd)
		return j, nil
	case current && j.Appointment != nil && j.Appointment.Start.Equal(cmd.Slot.Start) && j.Appointment.End.Equal(cmd.Slot.End):
		return nil, nil // a repeated answer
	}
	// A slot the job no longer wants: free it.
	return nil, []Effect{{Kind: codecs.CalendarRelease, To: ToCalendar, Arg: tp + "/" + itoa(n)}}
}

func slotRefused(j *codecs.Job, cmd *codecs.Command) *codecs.Job {
	tp, n := cmd.TradespersonID, cmd.BookingAttempt
	if j.AssignedTradespersonID == nil || *j.AssignedTradespersonID != tp || j.BookingAttempt != n || j.Probing {
		return nil // stale
	}
	switch j.Status {
	case codecs.StatusBooked:
		// The calendar revoked the slot (working hours changed): book again.
		startBooking(j, cmd, CauseRevoked)
		return j
	case codecs.StatusEnRoute, codecs.StatusOnSite:
		// Revoked under way: it cannot move, someone must decide.
		attention(j, cmd, "the slot was revoked while the job was under way: "+cmd.Reason, false)
		return j
	case codecs.StatusBooking:
	default:
		return nil
	}
	j.Refusals = append(slices.Clone(j.Refusals), tp+": "+cmd.Reason)
	if j.BookingCause == CauseAuto && int(j.CandidateIndex)+1 < len(j.BookingOrder) {
		j.CandidateIndex++
		next := j.BookingOrder[j.CandidateIndex]
		j.AssignedTradespersonID = &next
		j.BookingAttempt++
		return j
	}
	attention(j, cmd, refusalReason(j), false)
	return j
}

// refusalReason explains a failed booking round.
func refusalReason(j *codecs.Job) string {
	why := strings.Join(j.Refusals, "; ")
	switch j.BookingCause {
	case CauseAuto:
		return "no candidate can take the job in its window: " + why
	case CauseReschedule:
		return "cannot book inside the new window: " + why
	case CauseDependency:
		return "cannot move after its dependencies: " + why
	case CauseRevoked:
		return "the booked slot was revoked and no other fits: " + why
	}
	return "the tradesperson cannot take the job: " + why
}

// slotProbed records a candidate's probe answer; once every candidate
// answered, the job books the earliest start (then the matching order:
// distance, then rating), falling back to the next on a refusal.
func slotProbed(j *codecs.Job, cmd *codecs.Command) *codecs.Job {
	if j.MatchProbing {
		return matchProbed(j, cmd) // offers.go
	}
	tp := cmd.TradespersonID
	if !j.Probing || j.Status != codecs.StatusBooking || j.BookingAttempt != cmd.BookingAttempt ||
		!slices.Contains(j.OfferedTo, tp) || slices.ContainsFunc(j.Probes, func(p codecs.ProbeAnswer) bool { return p.TradespersonID == tp }) {
		return nil
	}
	a := codecs.ProbeAnswer{TradespersonID: tp, Reason: cmd.Reason}
	if cmd.Slot != nil {
		a.Start, a.Reason = cmd.Slot.Start, ""
	}
	j.Probes = append(slices.Clone(j.Probes), a)
	if len(j.Probes) < len(j.OfferedTo) {
		return j
	}
	j.Probing = false
	j.BookingOrder = BookingOrder(j.OfferedTo, j.Probes)
	j.Refusals = []string{}
	for _, p := range j.Probes {
		if p.Start.IsZero() {
			j.Refusals = append(j.Refusals, p.TradespersonID+": "+p.Reason)
		}
	}
	if len(j.BookingOrder) == 0 {
		attention(j, cmd, refusalReason(j), false)
		return j
	}
	best := j.BookingOrder[0]
	j.AssignedTradespersonID, j.CandidateIndex = &best, 0
	j.BookingAttempt++
	return j
}

// BookingOrder ranks the candidates that have a slot by earliest start,
// then by their matching rank (offered, best first: distance, then rating).
func BookingOrder(offered []string, probes []codecs.ProbeAnswer) []string {
	type cand struct {
		id    string
		start time.Time
		rank  int
	}
	var cs []cand
	for _, p := range probes {
		if !p.Start.IsZero() {
			cs = append(cs, cand{p.TradespersonID, p.Start, slices.Index(offered, p.TradespersonID)})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if c := a.start.Compare(b.start); c != 0 {
			return c
		}
		return cmp.Compare(a.rank, b.rank)
	})
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.id
	}
	return out
}
