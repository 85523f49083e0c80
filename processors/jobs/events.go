package jobs

import (
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// EffectJobEvent is the effect kind of a domain event for insights; its
// Arg is the event kind (codecs.JobEventPosted...).
const EffectJobEvent = "job_event"

// insightEffects reports what insights count: a job posted, cancelled,
// arrived at (on_site), completed or rated. Like every effect they go
// through the outbox, so a redelivered command sends them again and the
// insights group counts each (job, kind) once.
func insightEffects(before, after *codecs.Job) []Effect {
	var kinds []string
	if before == nil {
		kinds = append(kinds, codecs.JobEventPosted)
	}
	became := func(status string) bool {
		return after.Status == status && (before == nil || before.Status != status)
	}
	if became(codecs.StatusCancelled) {
		kinds = append(kinds, codecs.JobEventCancelled)
	}
	if became(codecs.StatusOnSite) {
		kinds = append(kinds, codecs.JobEventArrived)
	}
	if became(codecs.StatusCompleted) {
		kinds = append(kinds, codecs.JobEventCompleted)
	}
	if after.Feedback != nil && (before == nil || before.Feedback == nil) {
		kinds = append(kinds, codecs.JobEventRated)
	}
	out := make([]Effect, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, Effect{Kind: EffectJobEvent, To: ToInsights, Arg: k})
	}
	return out
}

// JobEventOf is the job's domain event of kind, built from the stored job
// (so that a re-send from the outbox is identical); nil when the job does
// not hold what the event needs.
func JobEventOf(job *codecs.Job, kind string) *codecs.JobEvent {
	ev := &codecs.JobEvent{TenantID: job.TenantID, JobID: job.ID, Kind: kind}
	if job.AssignedTradespersonID != nil {
		ev.TradespersonID = *job.AssignedTradespersonID
	}
	switch kind {
	case codecs.JobEventPosted:
		ev.At = job.CreatedAt
	case codecs.JobEventCancelled:
		ev.At = lastStatusAt(job, codecs.StatusCancelled)
	case codecs.JobEventArrived:
		ev.At = lastStatusAt(job, codecs.StatusOnSite)
		if job.Appointment != nil {
			ev.AppointmentStart = job.Appointment.Start
		}
	case codecs.JobEventCompleted:
		ev.At = lastStatusAt(job, codecs.StatusCompleted)
		ev.OnSiteAt = lastStatusAt(job, codecs.StatusOnSite)
	case codecs.JobEventRated:
		if job.Feedback == nil {
			return nil
		}
		ev.At, ev.Rating = job.Feedback.At, job.Feedback.Rating
	default:
		return nil
	}
	if ev.At.IsZero() {
		return nil
	}
	return ev
}

// lastStatusAt is when the job last entered status; zero when never.
func lastStatusAt(job *codecs.Job, status string) (at time.Time) {
	for _, c := range job.StatusHistory {
		if c.Status == status {
			at = c.At
		}
	}
	return at
}
