package tradespeople

import (
	"slices"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/rating"
)

// rate counts a job's rating in the tradesperson's aggregate and passes the
// new rating to the matching index. A rating already counted (a re-send
// from the jobs outbox, or a redelivery) changes nothing; its index updates
// are sent again in case a crash lost them. A rating of an unknown
// (removed) tradesperson is dropped.
func (p *processor) rate(ctx goka.Context, cmd *codecs.Command, cur *codecs.Tradesperson) {
	if cur == nil {
		return
	}
	next := Rate(cur, cmd)
	if next == nil {
		p.index(ctx, cmd.TenantID, cmd.TradespersonID, cur.Seq, Previous(cur), cur)
		return
	}
	p.cat.Tradespeople.Set(ctx, next)
	p.index(ctx, cmd.TenantID, cmd.TradespersonID, next.Seq, cur, next)
}

// Rate returns the profile with the job's rating counted, or nil when the
// command carries none or the job's rating is already counted: each job
// counts once (Tradesperson.RatedJobs).
func Rate(cur *codecs.Tradesperson, cmd *codecs.Command) *codecs.Tradesperson {
	if cur == nil || cmd.Feedback == nil || cmd.JobID == "" || slices.Contains(cur.RatedJobs, cmd.JobID) {
		return nil
	}
	next := *cur
	next.Rating = rating.Add(cur.Rating, cmd.Feedback.Rating)
	if next.Rating.Count == cur.Rating.Count {
		return nil // out of range: nothing to count
	}
	next.RatedJobs = append(slices.Clone(cur.RatedJobs), cmd.JobID)
	return &next
}

// Complete returns the profile with the job counted as completed, or nil
// when the job is already counted (each job once) or the tradesperson is
// unknown.
func Complete(cur *codecs.Tradesperson, cmd *codecs.Command) *codecs.Tradesperson {
	if cur == nil || cmd.JobID == "" || slices.ContainsFunc(cur.CompletedJobs, func(c codecs.CompletedJob) bool { return c.JobID == cmd.JobID }) {
		return nil
	}
	done := codecs.CompletedJob{JobID: cmd.JobID}
	if cmd.Slot != nil {
		done.Start, done.End = cmd.Slot.Start, cmd.Slot.End
	}
	next := *cur
	next.CompletedJobs = append(slices.Clone(cur.CompletedJobs), done)
	return &next
}
