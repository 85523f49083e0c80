package jobs

import (
	"fmt"
	"slices"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// Offers: the matching group sends a posted job its ranked candidates (a
// candidates command: who could take it by trade, radius, activity and
// working hours, best first). The job probes their calendars through the
// calendar group — the answers travel in its own log, so a replay decides
// as the first time — and offers itself to the first MaxOffers that have
// room, in rank order:
//
//   - it probes the first MaxOffers candidates; each refusal adds a probe
//     of the next one, so the probed prefix always holds MaxOffers
//     candidates that have room or have not answered yet;
//   - once every probed candidate answered, the ones with room are
//     offered_to (best first) and each gets a job_offer notification
//     (offerMessages); an auto job goes on to book with them (matched);
//   - a bid job none of whose candidates has room goes back to wait in its
//     cell (MatchWait, naming the candidates it probed).
//
// The probes use a new booking attempt, so answers to an older round are
// stale; a candidates command that arrives while the job probes, after it
// was offered or once it left posted changes nothing.

// MaxOffers is how many tradespeople a posted job is offered to.
const MaxOffers = 5

// MatchListsKeep is how many candidate list ids a job remembers: a list's
// match event sent twice comes soon after the first.
const MatchListsKeep = 16

// EffectOffer sends the job_offer notification to the candidate in Arg.
const EffectOffer = "job_offer"

// candidates starts probing the ranked candidates of cmd.
func candidates(j *codecs.Job, cmd *codecs.Command) *codecs.Job {
	if j.Status != codecs.StatusPosted || len(j.OfferedTo) > 0 || j.MatchProbing {
		return nil // offered already, moved on, or probing a list
	}
	if cmd.Seq > 0 && cmd.Seq <= j.MatchListSeq || slices.Contains(j.MatchLists, cmd.CommandID) {
		return nil // applied before: redelivered, replayed, or its match event sent twice
	}
	if len(cmd.Ranked) == 0 {
		return matchedWith(j, cmd, nil)
	}
	j.MatchLists = append(slices.Clone(j.MatchLists), cmd.CommandID)
	if n := len(j.MatchLists); n > MatchListsKeep {
		j.MatchLists = j.MatchLists[n-MatchListsKeep:]
	}
	j.MatchListSeq = max(j.MatchListSeq, cmd.Seq)
	j.MatchCandidates = slices.Clone(cmd.Ranked)
	j.MatchAnswers = []codecs.ProbeAnswer{}
	j.MatchProbing, j.MatchProbed = true, int32(min(MaxOffers, len(cmd.Ranked)))
	j.BookingAttempt++
	return j
}

// matchProbed records a candidate's answer to a match probe; once every
// probed candidate answered, the job is offered to those with room.
func matchProbed(j *codecs.Job, cmd *codecs.Command) *codecs.Job {
	if j.Status != codecs.StatusPosted && j.Status != codecs.StatusBidding {
		return nil
	}
	tp, probed := cmd.TradespersonID, j.MatchCandidates[:min(int(j.MatchProbed), len(j.MatchCandidates))]
	if j.BookingAttempt != cmd.BookingAttempt || !slices.ContainsFunc(probed, isCandidate(tp)) ||
		slices.ContainsFunc(j.MatchAnswers, func(a codecs.ProbeAnswer) bool { return a.TradespersonID == tp }) {
		return nil // stale, not asked, or a repeat
	}
	a := codecs.ProbeAnswer{TradespersonID: tp, Reason: cmd.Reason}
	if cmd.Slot != nil {
		a.Start, a.Reason = cmd.Slot.Start, ""
	}
	j.MatchAnswers = append(slices.Clone(j.MatchAnswers), a)
	if a.Start.IsZero() && int(j.MatchProbed) < len(j.MatchCandidates) {
		j.MatchProbed++ // no room: the next candidate takes the place
	}
	if len(j.MatchAnswers) < int(j.MatchProbed) {
		return j
	}
	j.MatchProbing = false
	var offered []codecs.RankedCandidate
	for _, c := range j.MatchCandidates[:j.MatchProbed] {
		if slices.ContainsFunc(j.MatchAnswers, func(a codecs.ProbeAnswer) bool { return a.TradespersonID == c.TradespersonID && !a.Start.IsZero() }) {
			offered = append(offered, c)
		}
	}
	switch {
	case len(offered) == 0 && j.Mode == "auto" && j.Status == codecs.StatusPosted:
		return matchedWith(j, cmd, nil) // needs attention
	case len(offered) == 0:
		return j // a bid job waits again (offerEffects)
	}
	j.MatchCandidates = offered // what the offers' messages need
	ids := make([]string, len(offered))
	for i, c := range offered {
		ids[i] = c.TradespersonID
	}
	if j.Status != codecs.StatusPosted {
		j.OfferedTo = ids // a bid came meanwhile: offered all the same
		return j
	}
	return matchedWith(j, cmd, ids)
}

func isCandidate(tp string) func(codecs.RankedCandidate) bool {
	return func(c codecs.RankedCandidate) bool { return c.TradespersonID == tp }
}

// finishedEmpty reports whether the job's match round just ended without
// anyone with room.
func finishedEmpty(before, after *codecs.Job) bool {
	return before.MatchProbing && !after.MatchProbing && len(after.OfferedTo) == 0
}

// offerEffects derives the match round's messages from a change: the
// probes of the candidates newly probed, a job_offer to each candidate
// offered, and a bid job's return to its cell when nobody had room (an
// auto job then needs attention instead).
func offerEffects(before, after *codecs.Job, cmd *codecs.Command) []Effect {
	var out []Effect
	if after.MatchProbing {
		from := min(int(before.MatchProbed), int(after.MatchProbed))
		if before.BookingAttempt != after.BookingAttempt {
			from = 0
		}
		for _, c := range after.MatchCandidates[from:after.MatchProbed] {
			out = append(out, Effect{Kind: codecs.CalendarProbe, To: ToCalendar, Arg: c.TradespersonID})
		}
	}
	if len(before.OfferedTo) == 0 && len(after.OfferedTo) > 0 && cmd.Kind != codecs.KindMatched {
		for _, tp := range after.OfferedTo {
			out = append(out, Effect{Kind: EffectOffer, To: ToOffers, Arg: tp})
		}
	}
	if finishedEmpty(before, after) && after.Mode != "auto" && after.Status == codecs.StatusPosted {
		out = append(out, Effect{Kind: codecs.MatchWait, To: ToMatching})
	}
	return out
}

// matchProbeOpen reports whether the job still waits for tp's answer to a
// match probe.
func matchProbeOpen(job *codecs.Job, tp string) bool {
	if !job.MatchProbing || job.Status != codecs.StatusPosted && job.Status != codecs.StatusBidding {
		return false
	}
	probed := job.MatchCandidates[:min(int(job.MatchProbed), len(job.MatchCandidates))]
	return slices.ContainsFunc(probed, isCandidate(tp)) &&
		!slices.ContainsFunc(job.MatchAnswers, func(a codecs.ProbeAnswer) bool { return a.TradespersonID == tp })
}

// offerMessages is the job_offer notification of tp (one of the job's
// offered candidates). Its id is "offer-<job>-<tp>": the same on a re-send,
// so the tradesperson keeps one.
func offerMessages(job *codecs.Job, tp string) []Message {
	i := slices.IndexFunc(job.MatchCandidates, isCandidate(tp))
	if i < 0 || !slices.Contains(job.OfferedTo, tp) {
		return nil
	}
	recipient := "tradesperson:" + tp
	return []Message{{To: ToNotify, Key: job.TenantID + "/" + recipient, Notification: &codecs.Notification{
		ID: "offer-" + job.ID + "-" + tp, Recipient: recipient, Kind: EffectOffer, JobID: job.ID,
		At: job.CreatedAt, Message: fmt.Sprintf("New job near you (%.1f km): %s", job.MatchCandidates[i].DistanceKm, job.Title)}}}
}

// matchRequest is the job as the matching group matches it.
func matchRequest(job *codecs.Job) *codecs.MatchRequest {
	return &codecs.MatchRequest{JobID: job.ID, CustomerID: job.CustomerID, Title: job.Title, Location: job.Location,
		Window: job.Window, DurationMinutes: job.DurationMinutes, Mode: job.Mode, PostedAt: job.CreatedAt}
}

// matchProbeRequest fills req as a match probe of tp: like matching's own
// check, it ignores the dependencies' bound.
func matchProbeRequest(req *codecs.CalendarRequest, tp string) {
	req.TradespersonID, req.NotBefore = tp, time.Time{}
}

// MatchEventOf is the job's event of kind for its matching cell: a post to
// match, a close, or a wait naming the candidates it probed in its last
// round (Seq: that round's booking attempt).
func MatchEventOf(job *codecs.Job, kind string) *codecs.MatchEvent {
	ev := &codecs.MatchEvent{Kind: kind, TenantID: job.TenantID, Job: matchRequest(job)}
	if kind == codecs.MatchWait {
		ev.Candidates, ev.Seq = slices.Clone(job.MatchCandidates), job.BookingAttempt
	}
	return ev
}

// Waits reports whether the job still waits for a tradesperson in its
// matching cell: a bid job, posted, not probing, offered to nobody.
func Waits(job *codecs.Job) bool {
	return job.Mode != "auto" && job.Status == codecs.StatusPosted && !job.MatchProbing && len(job.OfferedTo) == 0
}
