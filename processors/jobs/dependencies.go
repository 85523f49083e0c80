package jobs

import (
	"slices"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// A job with depends_on hears about each dependency's schedule from the
// dependency itself (dependency_update, after a subscribe_dependent the
// dependencies group sends): it keeps the latest state of each, waits
// until all are booked, starts after the latest end, moves when one moves
// later and needs attention when one is cancelled.

func subscribe(j *codecs.Job, cmd *codecs.Command) (*codecs.Job, []Effect) {
	dep := cmd.RelatedJobID
	if dep == "" || dep == j.ID {
		return nil, nil
	}
	tell := []Effect{{Kind: codecs.KindDependencyUpdate, To: ToJob, Arg: dep}}
	if slices.Contains(j.Dependents, dep) {
		return nil, tell
	}
	j.Dependents = append(slices.Clone(j.Dependents), dep)
	return j, tell
}

func dependencyUpdate(j *codecs.Job, cmd *codecs.Command) *codecs.Job {
	d := cmd.Dependency
	if d == nil || !slices.Contains(j.DependsOn, d.JobID) {
		return nil
	}
	i := slices.IndexFunc(j.Dependencies, func(x codecs.DependencyState) bool { return x.JobID == d.JobID })
	if i >= 0 && j.Dependencies[i].Version >= d.Version {
		return nil
	}
	before := NotBefore(j)
	j.Dependencies = slices.Clone(j.Dependencies)
	if i >= 0 {
		j.Dependencies[i] = *d
	} else {
		j.Dependencies = append(j.Dependencies, *d)
	}
	switch j.Status {
	case codecs.StatusEnRoute, codecs.StatusOnSite:
		if after := NotBefore(j); j.Appointment != nil && after.After(j.Appointment.Start) {
			// Under way, it cannot follow its dependency: someone must decide.
			attention(j, cmd, "dependency "+d.JobID+" moved after this job started", true)
		}
		return j
	case codecs.StatusCompleted, codecs.StatusCancelled, codecs.StatusNeedsAttention:
		return j // recorded; nothing to move
	}
	if d.State == codecs.DependencyCancelled {
		attention(j, cmd, "dependency "+d.JobID+" was cancelled", true)
		return j
	}
	after := NotBefore(j)
	switch {
	case j.Status == codecs.StatusWaitingDependencies && dependenciesReady(j):
		startBooking(j, cmd, j.BookingCause)
	case j.Status == codecs.StatusBooking && after.After(before) && !j.Probing:
		j.BookingAttempt++ // ask again with the later bound
	case j.Status == codecs.StatusBooking && after.After(before):
		startBooking(j, cmd, CauseAuto) // probe again with the later bound
	case j.Status == codecs.StatusBooked && j.Appointment != nil && after.After(j.Appointment.Start):
		startBooking(j, cmd, CauseDependency)
	}
	return j
}

// dependencyCycle cancels a job whose depends_on closes a cycle: its post
// is refused after the fact (the rejection is published).
func dependencyCycle(j *codecs.Job, cmd *codecs.Command) *codecs.Job {
	if slices.Contains(terminal, j.Status) {
		return nil
	}
	if holdsCalendar(j) {
		j.BookingAttempt++
	}
	j.Appointment, j.ETA, j.Probing, j.MatchProbing = nil, nil, false, false
	j.CancelReason = optional("dependency cycle")
	j.LastRejection = reject(cmd, CodeDependencyCycle, cmd.Reason)
	transition(j, codecs.StatusCancelled, cmd)
	return j
}

// dependenciesReady reports whether every dependency is booked.
func dependenciesReady(j *codecs.Job) bool {
	for _, id := range j.DependsOn {
		i := slices.IndexFunc(j.Dependencies, func(d codecs.DependencyState) bool { return d.JobID == id })
		if i < 0 || j.Dependencies[i].State != codecs.DependencyBooked {
			return false
		}
	}
	return true
}

// cancelledDependency returns a dependency of j that was cancelled, or "".
func cancelledDependency(j *codecs.Job) string {
	for _, d := range j.Dependencies {
		if d.State == codecs.DependencyCancelled && slices.Contains(j.DependsOn, d.JobID) {
			return d.JobID
		}
	}
	return ""
}

// NotBefore is the latest end of the job's booked dependencies: the
// earliest it may start.
func NotBefore(j *codecs.Job) time.Time {
	var t time.Time
	for _, d := range j.Dependencies {
		if d.State == codecs.DependencyBooked && slices.Contains(j.DependsOn, d.JobID) && d.End.After(t) {
			t = d.End
		}
	}
	return t
}

// DependencyStateOf is where j stands for the jobs that depend on it, with
// the version at which that last changed.
func DependencyStateOf(j *codecs.Job) codecs.DependencyState {
	s := scheduleOf(j)
	s.Version = j.ScheduleVersion
	if s.Version == 0 {
		s.Version = j.Version
	}
	return s
}

// sameSchedule reports whether a and b stand the same for their dependents.
func sameSchedule(a, b *codecs.Job) bool { return scheduleOf(a) == scheduleOf(b) }

func scheduleOf(j *codecs.Job) codecs.DependencyState {
	s := codecs.DependencyState{JobID: j.ID, State: codecs.DependencyUnbooked}
	switch {
	case j.Status == codecs.StatusCancelled:
		s.State = codecs.DependencyCancelled
	case j.Appointment != nil && booked(j.Status):
		s.State, s.Start, s.End = codecs.DependencyBooked, j.Appointment.Start, j.Appointment.End
	}
	return s
}

func booked(status string) bool {
	switch status {
	case codecs.StatusBooked, codecs.StatusEnRoute, codecs.StatusOnSite, codecs.StatusCompleted:
		return true
	}
	return false
}
