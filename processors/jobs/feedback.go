package jobs

import (
	"fmt"

	"github.com/tradestream/tradestream/codecs"
)

// CodeFeedbackGiven refuses a second feedback on a job: the first counts.
const CodeFeedbackGiven = "feedback_already_given"

// giveFeedback records the customer's rating of a completed job. A job takes
// one feedback: later ones are refused ("feedback already given") and have
// no other effect.
func giveFeedback(j *codecs.Job, cmd *codecs.Command) (*codecs.Job, *codecs.Rejection) {
	f := cmd.Feedback
	switch {
	case f == nil:
		return nil, reject(cmd, CodeInvalid, "give_feedback without payload")
	case f.Rating < codecs.MinStars || f.Rating > codecs.MaxStars:
		return nil, reject(cmd, CodeInvalid, fmt.Sprintf("rating must be 1 to 5, not %d", f.Rating))
	case j.Feedback != nil:
		return nil, reject(cmd, CodeFeedbackGiven, "feedback already given")
	case j.Status != codecs.StatusCompleted:
		return nil, reject(cmd, CodeInvalidTransition, "feedback before completion: the job is "+j.Status)
	case j.AssignedTradespersonID == nil:
		return nil, reject(cmd, CodeInvalidTransition, "the job has no tradesperson to rate")
	}
	j.Feedback = &codecs.JobFeedback{Rating: f.Rating, Comment: f.Comment, At: cmd.AcceptedAt, CommandID: cmd.CommandID}
	return j, nil
}

// feedbackEffects passes a new rating, and a completion, on to the
// tradesperson's aggregates.
func feedbackEffects(before, after *codecs.Job) []Effect {
	if after.AssignedTradespersonID == nil {
		return nil
	}
	tp := *after.AssignedTradespersonID
	var out []Effect
	if after.Status == codecs.StatusCompleted && (before == nil || before.Status != codecs.StatusCompleted) {
		out = append(out, Effect{Kind: codecs.KindJobCompleted, To: ToTradespeople, Arg: tp})
	}
	if after.Feedback != nil && (before == nil || before.Feedback == nil) {
		out = append(out, Effect{Kind: codecs.KindRateTradesperson, To: ToTradespeople, Arg: tp})
	}
	return out
}

// TradespersonCommand is the internal command of an effect to the
// tradespeople group: a rating (RatingCommand) or a completion, keyed
// "<tenant>/<tradesperson>"; nil when the job does not hold it.
func TradespersonCommand(job *codecs.Job, kind string) (string, *codecs.Command) {
	if kind == codecs.KindRateTradesperson {
		return RatingCommand(job)
	}
	if kind != codecs.KindJobCompleted || job == nil || job.Status != codecs.StatusCompleted || job.AssignedTradespersonID == nil {
		return "", nil
	}
	tp := *job.AssignedTradespersonID
	slot := &codecs.Slot{}
	if job.Appointment != nil {
		slot.Start, slot.End = job.Appointment.Start, job.Appointment.End
	}
	return job.TenantID + "/" + tp, &codecs.Command{CommandID: "done-" + job.ID, TenantID: job.TenantID,
		Kind: codecs.KindJobCompleted, JobID: job.ID, TradespersonID: tp, AcceptedAt: lastStatusAt(job, codecs.StatusCompleted),
		Source: codecs.SourceInternal, Slot: slot}
}

// RatingCommand is the internal rate_tradesperson command for a rated job,
// keyed "<tenant>/<tradesperson>"; nil when the job has no rating. It is
// built from the stored job, so a re-send from the outbox is identical, and
// the tradespeople group counts it once per job.
func RatingCommand(job *codecs.Job) (string, *codecs.Command) {
	if job == nil || job.Feedback == nil || job.AssignedTradespersonID == nil {
		return "", nil
	}
	tp := *job.AssignedTradespersonID
	return job.TenantID + "/" + tp, &codecs.Command{CommandID: "rate-" + job.ID, TenantID: job.TenantID,
		Kind: codecs.KindRateTradesperson, JobID: job.ID, TradespersonID: tp, AcceptedAt: job.Feedback.At,
		Source: codecs.SourceInternal, Feedback: &codecs.GiveFeedback{Rating: job.Feedback.Rating}}
}
