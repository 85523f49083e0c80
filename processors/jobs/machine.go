package jobs

import (
	"fmt"
	"slices"

	"github.com/tradestream/tradestream/codecs"
)

// Rejection codes.
const (
	CodeNotFound          = "not_found"
	CodeConflict          = "conflict"
	CodeInvalidTransition = "invalid_transition"
	CodeInvalid           = "invalid"
)

// terminal statuses accept no further commands.
var terminal = []string{codecs.StatusCompleted, codecs.StatusCancelled}

// next field statuses: the status a field report needs before it.
var fieldOrder = map[string][]string{
	codecs.StatusEnRoute:   {codecs.StatusBooked},
	codecs.StatusOnSite:    {codecs.StatusEnRoute, codecs.StatusBooked},
	codecs.StatusCompleted: {codecs.StatusOnSite},
}

// Apply applies cmd to job (nil when the job does not exist yet). It returns
// the new job state (nil when nothing is stored) and the rejection, if a rule
// refused the command. Apply never modifies its arguments.
func Apply(job *codecs.Job, cmd *codecs.Command) (*codecs.Job, *codecs.Rejection) {
	if job != nil && cmd.Seq <= job.Seq {
		return job, nil // redelivery: already applied
	}
	if job == nil && cmd.Kind != codecs.KindPostJob {
		return nil, reject(cmd, CodeNotFound, "job "+cmd.JobID+" does not exist")
	}
	var (
		next *codecs.Job
		rej  *codecs.Rejection
	)
	switch cmd.Kind {
	case codecs.KindPostJob:
		next, rej = post(job, cmd)
	case codecs.KindCancelJob:
		next, rej = cancel(clone(job), cmd)
	case codecs.KindRescheduleJob:
		next, rej = reschedule(clone(job), cmd)
	case codecs.KindSetJobStatus:
		next, rej = setStatus(clone(job), cmd)
	default:
		rej = reject(cmd, CodeInvalid, "jobs cannot handle command kind "+cmd.Kind)
	}
	if rej != nil {
		if job == nil {
			return nil, rej
		}
		next = clone(job)
		next.LastRejection = rej
	}
	next.Seq = cmd.Seq
	next.Version++
	next.UpdatedAt = cmd.AcceptedAt
	return next, rej
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
		Bids: []codecs.Bid{}, CreatedAt: cmd.AcceptedAt,
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
	j.Appointment = nil
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
	if j.Status == codecs.StatusBooked {
		// The booked slot may lie outside the new window: booking again
		// decides (the scheduling engine's job).
		j.Appointment = nil
		transition(j, codecs.StatusBooking, cmd)
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
