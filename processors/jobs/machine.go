package jobs

import (
	"fmt"
	"slices"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/cdcmark"
)

// Rejection codes.
const (
	CodeNotFound          = "not_found"
	CodeConflict          = "conflict"
	CodeInvalidTransition = "invalid_transition"
	CodeInvalid           = "invalid"
	// CodePromoNotApplicable explains an unused promo code; the command
	// itself was applied.
	CodePromoNotApplicable = "promo_not_applicable"
)

// terminal statuses accept no further commands.
var terminal = []string{codecs.StatusCompleted, codecs.StatusCancelled}

// next field statuses: the status a field report needs before it.
var fieldOrder = map[string][]string{
	codecs.StatusEnRoute:   {codecs.StatusBooked},
	codecs.StatusOnSite:    {codecs.StatusEnRoute, codecs.StatusBooked},
	codecs.StatusCompleted: {codecs.StatusOnSite},
}

// Env is what Apply reads besides the job and the command.
type Env struct {
	// Pricing is the tenant's pricing used when neither the command nor
	// the job carries a pricing stamp (defaults when unset); a stamp wins.
	Pricing Pricing
	// Promo is the state of the job's promo code used when neither the
	// command nor the job carries one (promo.go); nil when none or unknown.
	Promo *codecs.Promo
	// Tradesperson is the bidder of a submit_bid used when the command
	// carries none (bidder.go); nil when unknown.
	Tradesperson *codecs.Tradesperson
}

// Effect is an internal message Apply asks the processor to send.
type Effect struct {
	// Kind is codecs.KindTrackOpenJob, KindUntrackOpenJob, KindRedeemPromo
	// or codecs.MatchJob, or a scheduling kind (schedule.go).
	Kind string
	// To is the receiving group.
	To Target
	// Arg names what the job alone does not: the tradesperson probed, the
	// dependent told, the "<tradesperson>/<attempt>" released.
	Arg string
}

// Target is the group an Effect goes to.
type Target int

// Targets of effects.
const (
	// ToPricing is the pricing group, keyed by tenant.
	ToPricing Target = iota
	// ToPromo is the promos group, keyed "<tenant>/<code>".
	ToPromo
	// ToMatching is the matching group, keyed by the job's trade and cell.
	ToMatching
	// ToCalendar is the calendar group, keyed "<tenant>/<tradesperson>".
	ToCalendar
	// ToJob is another job (a dependent), keyed "<tenant>/<job>".
	ToJob
	// ToDependencies is the dependencies group, keyed by tenant.
	ToDependencies
	// ToNotify is the notifications topic: customer and tradesperson.
	ToNotify
	// ToTracking is the tracking group, keyed "<tenant>/<tradesperson>".
	ToTracking
	// ToTradespeople is the tradespeople group, keyed
	// "<tenant>/<tradesperson>": a rating to count.
	ToTradespeople
	// ToInsights is the job-events stream, keyed by tenant.
	ToInsights
	// ToOffers is the notifications topic: a job_offer to the candidate
	// in Arg (offers.go).
	ToOffers
)

// Result is the outcome of Apply.
type Result struct {
	// Job is the new state; nil when nothing is stored.
	Job *codecs.Job
	// Rejection is set when a rule refused the command.
	Rejection *codecs.Rejection
	// Effects are the internal commands to send.
	Effects []Effect
}

// Apply applies cmd to job (nil when the job does not exist yet). Apply
// never modifies its arguments. A client command whose sequence number is
// not above the job's is a redelivery: the job is returned unchanged; so is
// a CDC command whose mark the job has applied (processors/internal/cdcmark).
func Apply(job *codecs.Job, cmd *codecs.Command, env Env) Result {
	internal := cmd.Source == codecs.SourceInternal
	if job != nil && cmd.Kind == codecs.KindPostJob && cmd.PromoChecked {
		return postChecked(job, cmd)
	}
	if job != nil && (!internal && cmd.Seq <= job.Seq || internal && sent(job.Outbox, outboxKey(cmd)) && !unwantedSlot(job, cmd)) {
		// A redelivery: already applied. Its effects are sent again (their
		// receivers are idempotent) in case a crash kept the state but lost
		// the messages; see outbox.go.
		return Result{Job: job, Effects: replay(job.Outbox, outboxKey(cmd))}
	}
	if job != nil && cmd.Source == codecs.SourceCDC && cdcmark.Seen(job.CDCMarks, cmd.CDCMark) {
		// The cdc group sent the command again (its outbox, after a crash)
		// as a new record: its mark was applied, and its effects were sent
		// then (this group's own redelivery re-sends them by Seq).
		return Result{Job: job}
	}
	if job == nil && cmd.Kind != codecs.KindPostJob {
		if internal {
			return Result{}
		}
		return Result{Rejection: reject(cmd, CodeNotFound, "job "+cmd.JobID+" does not exist")}
	}
	var (
		next  *codecs.Job
		rej   *codecs.Rejection
		extra []Effect
	)
	stamp := PricingStampOf(job, cmd)
	if stamp != nil {
		env.Pricing = Pricing{int64(stamp.TaxBps), int64(stamp.PlatformFeeBps)}
	}
	keepPromo := promoEnv(job, cmd, &env)
	if cmd.BidderChecked {
		env.Tradesperson = BidderOf(cmd)
	}
	switch cmd.Kind {
	case codecs.KindPostJob:
		next, rej = post(job, cmd) // its promo is noted when it comes back (postChecked)
	case codecs.KindCancelJob:
		next, rej = cancel(clone(job), cmd)
	case codecs.KindRescheduleJob:
		next, rej = reschedule(clone(job), cmd)
	case codecs.KindSetJobStatus:
		next, rej = setStatus(clone(job), cmd)
	case codecs.KindSubmitBid:
		next, rej = submitBid(clone(job), cmd, env)
	case codecs.KindAcceptBid:
		next, rej = acceptBid(clone(job), cmd, env)
	case codecs.KindReprice:
		next = reprice(clone(job), cmd, env)
	case codecs.KindPromoRefused:
		next = promoRefused(clone(job), cmd, env)
	case codecs.KindRecordRejection:
		next = recordRejection(clone(job), cmd)
	case codecs.KindMatched:
		next = matched(clone(job), cmd)
	case codecs.KindCandidates:
		next = candidates(clone(job), cmd)
	case codecs.KindGiveFeedback:
		next, rej = giveFeedback(clone(job), cmd)
	case codecs.KindSlotConfirmed, codecs.KindSlotRefused, codecs.KindSlotProbed, codecs.KindSubscribeDependent,
		codecs.KindDependencyUpdate, codecs.KindDependencyCycle:
		next, extra = schedule(job, cmd)
	case codecs.KindETAUpdate:
		next, extra = applyETA(clone(job), cmd)
	case codecs.KindArrived:
		next = arrived(clone(job), cmd)
	default:
		rej = reject(cmd, CodeInvalid, "jobs cannot handle command kind "+cmd.Kind)
	}
	if rej != nil {
		if job == nil {
			return Result{Rejection: rej}
		}
		next = clone(job)
		next.LastRejection = rej
	}
	if next == nil { // an internal command with nothing to change
		return Result{Job: job, Effects: extra}
	}
	next.Version++
	if job == nil || !sameSchedule(job, next) {
		next.ScheduleVersion = next.Version
	}
	next.UpdatedAt = cmd.AcceptedAt
	next.Pricing = stamp
	if keepPromo && next.PromoCode != nil {
		next.PromoState = env.Promo
	}
	eff := append(effects(job, next, cmd), extra...)
	next.Outbox = record(next.Outbox, outboxKey(cmd), eff)
	if !internal {
		next.Seq = cmd.Seq
	}
	if cmd.Source == codecs.SourceCDC {
		next.CDCMarks = cdcmark.Note(next.CDCMarks, cmd.CDCMark)
	}
	if cmd.Kind == codecs.KindDependencyCycle {
		rej = next.LastRejection // the post is refused after the fact
	}
	return Result{Job: next, Rejection: rej, Effects: eff}
}

// effects tracks the job in the pricing and promo groups while it has open
// quotes, and redeems the promo when an accepted quote applied it.
func effects(before, after *codecs.Job, cmd *codecs.Command) []Effect {
	var out []Effect
	wasOpen, isOpen := hasOpenQuotes(before), hasOpenQuotes(after)
	hasPromo := after.PromoCode != nil
	if wasOpen != isOpen {
		kind := codecs.KindUntrackOpenJob
		if isOpen {
			kind = codecs.KindTrackOpenJob
		}
		out = append(out, Effect{Kind: kind, To: ToPricing})
		if hasPromo {
			out = append(out, Effect{Kind: kind, To: ToPromo})
		}
	}
	if cmd.Kind == codecs.KindAcceptBid && after.Quote != nil && after.Quote.PromoApplied &&
		(before == nil || before.Quote == nil) {
		out = append(out, Effect{Kind: codecs.KindRedeemPromo, To: ToPromo})
	}
	if before == nil && cmd.Kind == codecs.KindPostJob {
		out = append(out, Effect{Kind: codecs.MatchJob, To: ToMatching})
		if hasPromo {
			out = append(out, Effect{Kind: codecs.KindPostJob, To: ToPromo}) // promo.go
		}
	}
	if before != nil && before.Status == codecs.StatusPosted && after.Status != codecs.StatusPosted &&
		len(before.OfferedTo) < MaxOffers && before.Mode != "auto" {
		// It may be waiting in its cell for tradespeople: it waits no more.
		out = append(out, Effect{Kind: codecs.MatchClose, To: ToMatching})
	}
	out = append(out, feedbackEffects(before, after)...)
	out = append(out, insightEffects(before, after)...)
	out = append(out, scheduleEffects(before, after, cmd)...)
	if before != nil {
		out = append(out, offerEffects(before, after, cmd)...)
	}
	if before != nil {
		out = append(out, trackingEffects(before, after)...)
	}
	return out
}

func hasOpenQuotes(j *codecs.Job) bool {
	if j == nil || (j.Status != codecs.StatusPosted && j.Status != codecs.StatusBidding) {
		return false
	}
	return slices.ContainsFunc(j.Bids, func(b codecs.Bid) bool { return b.Status == BidOpen })
}

func post(job *codecs.Job, cmd *codecs.Command) (*codecs.Job, *codecs.Rejection) {
	if job != nil {
		return nil, reject(cmd, CodeConflict, "job "+cmd.JobID+" already exists")
	}
	p := cmd.PostJob
	if p == nil {
		return nil, reject(cmd, CodeInvalid, "post_job without payload")
	}
	if slices.Contains(p.DependsOn, cmd.JobID) {
		return nil, reject(cmd, CodeInvalid, "a job cannot depend on itself")
	}
	mode := p.Mode
	if mode == "" {
		mode = "bid"
	}
	j := &codecs.Job{
		ID: cmd.JobID, TenantID: cmd.TenantID, CustomerID: p.CustomerID, Trade: p.Trade, Title: p.Title,
		Mode: mode, Location: p.Location, Window: p.Window, DurationMinutes: p.DurationMinutes,
		ProjectID: optional(p.ProjectID), DependsOn: append([]string{}, p.DependsOn...),
		PromoCode: optional(p.PromoCode), BudgetMinor: p.BudgetMinor, Currency: p.Currency,
		Bids: []codecs.Bid{}, OfferedTo: []string{}, CreatedAt: cmd.AcceptedAt, PostedSeq: cmd.Seq,
	}
	transition(j, codecs.StatusPosted, cmd)
	return j, nil
}

func cancel(j *codecs.Job, cmd *codecs.Command) (*codecs.Job, *codecs.Rejection) {
	if slices.Contains(terminal, j.Status) {
		return nil, reject(cmd, CodeInvalidTransition, "cannot cancel a "+j.Status+" job")
	}
	if cmd.CancelJob != nil && cmd.CancelJob.Reason != "" {
		j.CancelReason = optional(cmd.CancelJob.Reason)
	}
	if holdsCalendar(j) {
		j.BookingAttempt++ // frees the slot at once
	}
	j.Appointment, j.Probing, j.MatchProbing = nil, false, false
	j.ETA = nil
	transition(j, codecs.StatusCancelled, cmd)
	return j, nil
}

func reschedule(j *codecs.Job, cmd *codecs.Command) (*codecs.Job, *codecs.Rejection) {
	switch {
	case cmd.RescheduleJob == nil:
		return nil, reject(cmd, CodeInvalid, "reschedule_job without payload")
	case slices.Contains(terminal, j.Status), j.Status == codecs.StatusEnRoute, j.Status == codecs.StatusOnSite:
		return nil, reject(cmd, CodeInvalidTransition, "cannot reschedule a "+j.Status+" job")
	}
	j.Window = cmd.RescheduleJob.Window
	switch {
	case j.Status == codecs.StatusBooking && j.Probing,
		j.Status == codecs.StatusNeedsAttention && j.AssignedTradespersonID == nil && j.Mode == "auto" && len(j.OfferedTo) > 0:
		startBooking(j, cmd, CauseAuto) // probe the candidates again
	case j.Status == codecs.StatusBooked, j.Status == codecs.StatusBooking,
		j.Status == codecs.StatusNeedsAttention && j.AssignedTradespersonID != nil:
		// Book again inside the new window, with the same tradesperson.
		startBooking(j, cmd, CauseReschedule)
	}
	return j, nil
}

func setStatus(j *codecs.Job, cmd *codecs.Command) (*codecs.Job, *codecs.Rejection) {
	s := cmd.SetJobStatus
	if s == nil {
		return nil, reject(cmd, CodeInvalid, "set_job_status without payload")
	}
	before, ok := fieldOrder[s.Status]
	if !ok {
		return nil, reject(cmd, CodeInvalid, fmt.Sprintf("status %q cannot be reported", s.Status))
	}
	if !slices.Contains(before, j.Status) {
		return nil, reject(cmd, CodeInvalidTransition, fmt.Sprintf("cannot go from %s to %s", j.Status, s.Status))
	}
	at := s.At
	if at.IsZero() {
		at = cmd.AcceptedAt
	}
	if s.Status == codecs.StatusCompleted && j.AssignedTradespersonID != nil {
		j.BookingAttempt++ // done: the rest of the slot is free again
	}
	j.Status = s.Status
	j.StatusHistory = append(j.StatusHistory, codecs.StatusChange{Status: s.Status, At: at})
	if s.Status != codecs.StatusEnRoute {
		j.ETA = nil
	}
	return j, nil
}

func transition(j *codecs.Job, status string, cmd *codecs.Command) {
	j.Status = status
	j.StatusHistory = append(j.StatusHistory, codecs.StatusChange{Status: status, At: cmd.AcceptedAt})
}

func reject(cmd *codecs.Command, code, reason string) *codecs.Rejection {
	return &codecs.Rejection{CommandID: cmd.CommandID, TenantID: cmd.TenantID, JobID: cmd.JobID, Kind: cmd.Kind,
		Code: code, Reason: reason, At: cmd.AcceptedAt}
}

// clone copies the parts of a job that Apply changes in place.
func clone(j *codecs.Job) *codecs.Job {
	c := *j
	c.StatusHistory = slices.Clone(j.StatusHistory)
	c.Bids = slices.Clone(j.Bids)
	return &c
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// notePromo shows in the job view why the job's promo code does not apply;
// the command itself goes on, priced without the discount.
func notePromo(j *codecs.Job, cmd *codecs.Command, env Env) {
	if why := PromoProblem(env.Promo, deref(j.PromoCode), j.ID, cmd.AcceptedAt); why != "" {
		j.LastRejection = reject(cmd, CodePromoNotApplicable, why)
	}
}

// recordRejection shows a rejection from another group (payments, promos)
// in the job view; repeating it changes nothing.
func recordRejection(j *codecs.Job, cmd *codecs.Command) *codecs.Job {
	if cmd.Rejection == nil || (j.LastRejection != nil && *j.LastRejection == *cmd.Rejection) {
		return nil
	}
	r := *cmd.Rejection
	j.LastRejection = &r
	return j
}

// matched records the tradespeople a job was offered to by the matching
// group of older logs, which probed the calendars itself (offers.go).
func matched(j *codecs.Job, cmd *codecs.Command) *codecs.Job {
	return matchedWith(j, cmd, cmd.Candidates)
}

// matchedWith records the tradespeople a job is offered to. An "auto" job
// goes to booking with the best of them, or to needs_attention when there
// is none.
func matchedWith(j *codecs.Job, cmd *codecs.Command, ids []string) *codecs.Job {
	if len(j.OfferedTo) > 0 || j.Status != codecs.StatusPosted {
		return nil // already matched, or moved on
	}
	j.OfferedTo = append([]string{}, ids...)
	if j.Mode != "auto" {
		if len(j.OfferedTo) == 0 {
			return nil
		}
		return j
	}
	if len(j.OfferedTo) == 0 {
		reason := "no tradesperson of the trade can take the job in its window"
		j.AttentionReason = &reason
		transition(j, codecs.StatusNeedsAttention, cmd)
		return j
	}
	startBooking(j, cmd, CauseAuto)
	return j
}
