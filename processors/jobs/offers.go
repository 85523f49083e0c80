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
//   - a bid job offered to fewer than MaxOffers (none included) goes back
//     to wait in its cell (MatchWait, naming the candidates of its round).
//
// Top-up: a posted bid job offered to fewer than MaxOffers takes a later
// candidates list too (a member who joined its cell released it): the
// round keeps the tradespeople already offered at the front of its list,
// never probes them again, and probes the others for the places left; the
// ones with room are appended to offered_to and only they get a job_offer.
// It then waits again unless it now has MaxOffers. A job is thus never
// offered twice to one tradesperson, nor to more than MaxOffers.
//
// The probes use a new booking attempt, so answers to an older round are
// stale, and so is matching's retry after an older round's wait (its
// BookingAttempt: a replay of the jobs group sends its waits again, and
// the cell may rank someone new by then); a candidates command that arrives while the job probes, once it
// has MaxOffers offers, once it left posted, or for an auto job already
// matched changes nothing.

// MaxOffers is how many tradespeople a posted job is offered to.
const MaxOffers = 5

// MatchListsKeep is how many candidate list ids a job remembers: a list's
// match event sent twice comes soon after the first.
const MatchListsKeep = 16

// EffectOffer sends the job_offer notification to the candidate in Arg.
const EffectOffer = "job_offer"

// candidates starts probing the ranked candidates of cmd: the first round,
// or a top-up of a bid job offered to fewer than MaxOffers.
func candidates(j *codecs.Job, cmd *codecs.Command) *codecs.Job {
	if j.Status != codecs.StatusPosted || j.MatchProbing || len(j.OfferedTo) >= MaxOffers ||
		len(j.OfferedTo) > 0 && j.Mode == "auto" {
		return nil // offered to enough, moved on, or probing a list
	}
	if cmd.Seq > 0 && cmd.Seq <= j.MatchListSeq || slices.Contains(j.MatchLists, cmd.CommandID) {
		return nil // applied before: redelivered, replayed, or its match event sent twice
	}
	if cmd.BookingAttempt > 0 && cmd.BookingAttempt < j.BookingAttempt {
		return nil // a retry after the wait of an older round (a replay re-sends waits)
	}
	if len(cmd.Ranked) == 0 && len(j.OfferedTo) == 0 {
		return matchedWith(j, cmd, nil)
	}
	j.MatchLists = append(slices.Clone(j.MatchLists), cmd.CommandID)
	if n := len(j.MatchLists); n > MatchListsKeep {
		j.MatchLists = j.MatchLists[n-MatchListsKeep:]
	}
	j.MatchListSeq = max(j.MatchListSeq, cmd.Seq)
	round := roundList(j, cmd.Ranked)
	j.MatchCandidates = round
	j.MatchAnswers = []codecs.ProbeAnswer{}
	j.MatchProbed = int32(len(j.OfferedTo) + min(MaxOffers-len(j.OfferedTo), len(round)-len(j.OfferedTo)))
	j.MatchProbing = true
	j.BookingAttempt++
	if len(pendingProbes(j)) == 0 {
		j.MatchProbing = false // nobody new to probe: it waits again (offerEffects)
	}
	return j
}

// roundList is the candidate list of a match round: the tradespeople the
// job is offered to first (as ranked now when ranked, so that a wait names
// their current profiles), then the ranked ones not offered yet.
func roundList(j *codecs.Job, ranked []codecs.RankedCandidate) []codecs.RankedCandidate {
	out := make([]codecs.RankedCandidate, 0, len(j.OfferedTo)+len(ranked))
	for _, tp := range j.OfferedTo {
		c := codecs.RankedCandidate{TradespersonID: tp}
		if i := slices.IndexFunc(ranked, isCandidate(tp)); i >= 0 {
			c = ranked[i]
		} else if i := slices.IndexFunc(j.MatchCandidates, isCandidate(tp)); i >= 0 {
			c = j.MatchCandidates[i]
		}
		out = append(out, c)
	}
	for _, c := range ranked {
		if !slices.Contains(j.OfferedTo, c.TradespersonID) {
			out = append(out, c)
		}
	}
	return out
}

// pendingProbes are the probed candidates of the round not offered yet
// whose answers the job still waits for.
func pendingProbes(j *codecs.Job) []string {
	var out []string
	for _, c := range j.MatchCandidates[:min(int(j.MatchProbed), len(j.MatchCandidates))] {
		if !slices.Contains(j.OfferedTo, c.TradespersonID) &&
			!slices.ContainsFunc(j.MatchAnswers, func(a codecs.ProbeAnswer) bool { return a.TradespersonID == c.TradespersonID }) {
			out = append(out, c.TradespersonID)
		}
	}
	return out
}

// matchProbed records a candidate's answer to a match probe; once every
// probed candidate answered, the job is offered to those with room.
func matchProbed(j *codecs.Job, cmd *codecs.Command) *codecs.Job {
	if j.Status != codecs.StatusPosted && j.Status != codecs.StatusBidding {
		return nil
	}
	tp := cmd.TradespersonID
	if j.BookingAttempt != cmd.BookingAttempt || !slices.Contains(pendingProbes(j), tp) {
		return nil // stale, not asked, offered already, or a repeat
	}
	a := codecs.ProbeAnswer{TradespersonID: tp, Reason: cmd.Reason}
	if cmd.Slot != nil {
		a.Start, a.Reason = cmd.Slot.Start, ""
	}
	j.MatchAnswers = append(slices.Clone(j.MatchAnswers), a)
	if a.Start.IsZero() && int(j.MatchProbed) < len(j.MatchCandidates) {
		j.MatchProbed++ // no room: the next candidate takes the place
	}
	if len(pendingProbes(j)) > 0 {
		return j
	}
	j.MatchProbing = false
	var ids []string
	for _, c := range j.MatchCandidates[:j.MatchProbed] {
		if slices.Contains(j.OfferedTo, c.TradespersonID) ||
			slices.ContainsFunc(j.MatchAnswers, func(a codecs.ProbeAnswer) bool { return a.TradespersonID == c.TradespersonID && !a.Start.IsZero() }) {
			ids = append(ids, c.TradespersonID)
		}
	}
	switch {
	case len(ids) == 0 && j.Mode == "auto" && j.Status == codecs.StatusPosted:
		return matchedWith(j, cmd, nil) // needs attention
	case len(ids) == len(j.OfferedTo):
		return j // nobody new: a bid job waits again (offerEffects)
	case len(j.OfferedTo) > 0 || j.Status != codecs.StatusPosted:
		j.OfferedTo = ids // a top-up, or a bid came meanwhile: offered all the same
		return j
	}
	return matchedWith(j, cmd, ids)
}

func isCandidate(tp string) func(codecs.RankedCandidate) bool {
	return func(c codecs.RankedCandidate) bool { return c.TradespersonID == tp }
}

// roundEnded reports whether a match round of the job ended with cmd's
// change: its last answer came, or a top-up list had nobody new to probe.
func roundEnded(before, after *codecs.Job, cmd *codecs.Command) bool {
	return !after.MatchProbing && (before.MatchProbing ||
		cmd.Kind == codecs.KindCandidates && before.BookingAttempt != after.BookingAttempt)
}

// offerEffects derives the match round's messages from a change: the
// probes of the candidates newly probed, a job_offer to each tradesperson
// newly offered, and a bid job's return to its cell when the round ended
// with fewer than MaxOffers offers (an auto job with none needs attention
// instead).
func offerEffects(before, after *codecs.Job, cmd *codecs.Command) []Effect {
	var out []Effect
	if after.MatchProbing {
		from := min(int(before.MatchProbed), int(after.MatchProbed))
		if before.BookingAttempt != after.BookingAttempt {
			from = 0
		}
		for _, c := range after.MatchCandidates[from:after.MatchProbed] {
			if !slices.Contains(after.OfferedTo, c.TradespersonID) {
				out = append(out, Effect{Kind: codecs.CalendarProbe, To: ToCalendar, Arg: c.TradespersonID})
			}
		}
	}
	if cmd.Kind != codecs.KindMatched {
		for _, tp := range after.OfferedTo {
			if !slices.Contains(before.OfferedTo, tp) {
				out = append(out, Effect{Kind: EffectOffer, To: ToOffers, Arg: tp})
			}
		}
	}
	if roundEnded(before, after, cmd) && Waits(after) {
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
	return slices.Contains(pendingProbes(job), tp)
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
// match, a close, or a wait naming the candidates of its last round —
// those offered and those probed (Seq: that round's booking attempt).
func MatchEventOf(job *codecs.Job, kind string) *codecs.MatchEvent {
	ev := &codecs.MatchEvent{Kind: kind, TenantID: job.TenantID, Job: matchRequest(job)}
	if kind == codecs.MatchWait {
		ev.Candidates, ev.Seq = slices.Clone(job.MatchCandidates), job.BookingAttempt
	}
	return ev
}

// Waits reports whether the job still waits for tradespeople in its
// matching cell: a bid job, posted, not probing, offered to fewer than
// MaxOffers.
func Waits(job *codecs.Job) bool {
	return job.Mode != "auto" && job.Status == codecs.StatusPosted && !job.MatchProbing && len(job.OfferedTo) < MaxOffers
}
