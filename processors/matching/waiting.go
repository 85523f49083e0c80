package matching

import (
	"slices"

	"github.com/tradestream/tradestream/codecs"
)

// MaxWaiting bounds the jobs one cell keeps waiting for a tradesperson.
// Past it the oldest waiting job stops waiting: it stays posted, without
// offers, as a job nobody could take always did.
const MaxWaiting = 100

// Release is a waiting job some member can now take, with its candidates.
type Release struct {
	Job        codecs.MatchRequest
	Candidates []Candidate
}

// Wait records job as waiting in cell: nobody could take it when it was
// matched. A job waits once (by id); jobs whose window ended before job
// was posted wait no more.
func Wait(cell codecs.MatchCell, job *codecs.MatchRequest) codecs.MatchCell {
	waiting := make([]codecs.MatchRequest, 0, len(cell.Waiting)+1)
	for _, w := range cell.Waiting {
		if w.JobID != job.JobID && w.Window.LatestEnd.After(job.PostedAt) {
			waiting = append(waiting, w)
		}
	}
	waiting = append(waiting, *job)
	if len(waiting) > MaxWaiting {
		waiting = waiting[len(waiting)-MaxWaiting:]
	}
	cell.Waiting = waiting
	return cell
}

// Unwait removes the waiting job id from cell; false when it was not
// waiting.
func Unwait(cell codecs.MatchCell, id string) (codecs.MatchCell, bool) {
	i := slices.IndexFunc(cell.Waiting, func(w codecs.MatchRequest) bool { return w.JobID == id })
	if i < 0 {
		return cell, false
	}
	cell.Waiting = slices.Delete(slices.Clone(cell.Waiting), i, i+1)
	return cell, true
}

// ReleaseWaiting ranks every waiting job of cell against its members, as
// when it was posted, and returns the cell without the jobs member (who
// just joined or changed) now ranks for, and those jobs with their whole
// ranking. A released job probes the candidates it did not offer itself
// to yet; unless it then has its offers it comes back to wait (MatchWait).
// A job member does not rank for stays: a member elsewhere in the cell
// does not send it the same candidates again.
func ReleaseWaiting(cell codecs.MatchCell, member string) (codecs.MatchCell, []Release) {
	var out []Release
	waiting := make([]codecs.MatchRequest, 0, len(cell.Waiting))
	for _, w := range cell.Waiting {
		cands := Rank(cell.Members, &w, MaxRanked)
		if slices.ContainsFunc(cands, func(c Candidate) bool { return c.TradespersonID == member }) {
			out = append(out, Release{Job: w, Candidates: cands})
			continue
		}
		waiting = append(waiting, w)
	}
	if len(out) > 0 {
		cell.Waiting = waiting
	}
	return cell, out
}

// News reports whether ranked holds a candidate a job did not probe, or
// one whose profile changed since (by sequence number): a job none of
// whose probed candidates had room then probes again instead of waiting.
func News(ranked []Candidate, probed []codecs.RankedCandidate) bool {
	for _, c := range ranked {
		if !slices.ContainsFunc(probed, func(p codecs.RankedCandidate) bool {
			return p.TradespersonID == c.TradespersonID && p.Seq == c.Seq
		}) {
			return true
		}
	}
	return false
}
