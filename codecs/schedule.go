package codecs

import (
	"strings"
	"time"
)

// Internal command kinds of the scheduling engine, sent to jobs on the
// job-commands topic (Source "internal", no Seq).
const (
	// KindSlotConfirmed is a calendar's answer to a reserve: the job holds
	// Slot with the tradesperson. It carries TradespersonID, BookingAttempt
	// and Slot.
	KindSlotConfirmed = "slot_confirmed"
	// KindSlotRefused is a calendar's answer to a reserve it cannot fit. It
	// carries TradespersonID, BookingAttempt and Reason.
	KindSlotRefused = "slot_refused"
	// KindSlotProbed is a calendar's answer to a probe: the slot it would
	// give (Slot) or why it has none (Reason), holding nothing.
	KindSlotProbed = "slot_probed"
	// KindSubscribeDependent asks a job to tell RelatedJobID, which depends
	// on it, about its schedule now and whenever it changes.
	KindSubscribeDependent = "subscribe_dependent"
	// KindDependencyUpdate tells a job where one of its dependencies stands.
	// It carries Dependency.
	KindDependencyUpdate = "dependency_update"
	// KindDependencyCycle tells a job that its depends_on closes a cycle; it
	// carries Reason.
	KindDependencyCycle = "dependency_cycle"
)

// Internal command kinds of the dependencies group (dependency-commands
// topic, keyed by tenant).
const (
	// KindTrackDependencies announces a posted job and its DependsOn.
	KindTrackDependencies = "track_dependencies"
	// KindForgetDependencies drops a finished job from the graph.
	KindForgetDependencies = "forget_dependencies"
)

// Calendar request kinds (calendar-commands topic).
const (
	// CalendarReserve asks for the earliest feasible slot for a job; a
	// reserve for a job already holding a slot of that attempt answers that
	// slot again.
	CalendarReserve = "reserve"
	// CalendarRelease frees a job's slot if it was reserved by Attempt or
	// an earlier attempt.
	CalendarRelease = "release"
	// CalendarProbe asks which slot a reserve would get, without holding
	// it: auto jobs probe every candidate and book the earliest.
	CalendarProbe = "probe"
	// CalendarProfile carries the tradesperson's working hours and base.
	CalendarProfile = "profile"
)

// Schedule states of a dependency, as its dependents see it.
const (
	DependencyBooked    = "booked"
	DependencyUnbooked  = "unbooked"
	DependencyCancelled = "cancelled"
)

// CalendarRequest is the input of the calendar group, keyed
// "<tenant>/<tradesperson>": a reserve or release from the jobs group, or a
// profile update from the tradespeople group.
type CalendarRequest struct {
	Kind           string `avro:"kind"`
	TenantID       string `avro:"tenant_id"`
	TradespersonID string `avro:"tradesperson_id"`
	JobID          string `avro:"job_id"`
	// Attempt numbers a job's booking requests; a later one supersedes.
	Attempt         int64    `avro:"attempt"`
	Window          Window   `avro:"window"`
	DurationMinutes int32    `avro:"duration_minutes"`
	Location        GeoPoint `avro:"location"`
	// NotBefore is the latest end of the job's dependencies (zero: none).
	NotBefore time.Time `avro:"not_before"`
	// At is the time of the command that caused the request.
	At time.Time `avro:"at"`
	// Profile is set on profile requests.
	Profile *CalendarProfileUpdate `avro:"profile"`
}

// CalendarProfileUpdate is what a calendar keeps of a tradesperson's profile.
type CalendarProfileUpdate struct {
	WorkingHours []WorkingHours `avro:"working_hours"`
	Base         GeoPoint       `avro:"base"`
	Active       bool           `avro:"active"`
	Removed      bool           `avro:"removed"`
	// Seq is the profile's sequence number: older updates are ignored.
	Seq int64 `avro:"seq"`
}

// Calendar is the calendar group's table value, one per tradesperson, keyed
// "<tenant>/<tradesperson>": the appointments the engine booked and what it
// needs to place new ones.
type Calendar struct {
	TenantID       string         `avro:"tenant_id" json:"tenant_id"`
	TradespersonID string         `avro:"tradesperson_id" json:"tradesperson_id"`
	WorkingHours   []WorkingHours `avro:"working_hours" json:"working_hours"`
	Base           GeoPoint       `avro:"base" json:"base"`
	Active         bool           `avro:"active" json:"active"`
	Removed        bool           `avro:"removed" json:"removed"`
	// ProfileSeq is the sequence number of the profile applied; 0 until the
	// profile arrived.
	ProfileSeq int64 `avro:"profile_seq" json:"profile_seq"`
	// Appointments are ordered by start and never overlap, travel included.
	Appointments []CalendarAppointment `avro:"appointments" json:"appointments"`
	// Pending are reserves that arrived before the profile, answered when
	// it comes.
	Pending []CalendarRequest `avro:"pending" json:"-"`
	// Refused remembers the last refusals, so a redelivered reserve gets
	// the same answer.
	Refused []CalendarRefusal `avro:"refused" json:"-"`
	// Outbox holds the answers the last profile changes sent (revocations,
	// parked reserves), sent again when such a change is redelivered.
	Outbox []CalendarAnswer `avro:"outbox" json:"-"`
}

// CalendarAnswer is an answer a calendar sent to a job, kept to send it
// again.
type CalendarAnswer struct {
	// ProfileSeq is the profile change that sent it.
	ProfileSeq int64  `avro:"profile_seq"`
	JobID      string `avro:"job_id"`
	Attempt    int64  `avro:"attempt"`
	// Kind is the command kind (slot_confirmed, slot_refused, slot_probed);
	// Outcome ends its id (confirmed, refused, revoked, probed).
	Kind    string    `avro:"kind"`
	Outcome string    `avro:"outcome"`
	Start   time.Time `avro:"start"`
	End     time.Time `avro:"end"`
	Reason  string    `avro:"reason"`
}

// CalendarAppointment is one booked job of a calendar.
type CalendarAppointment struct {
	JobID    string    `avro:"job_id" json:"job_id"`
	Attempt  int64     `avro:"attempt" json:"attempt"`
	Start    time.Time `avro:"start" json:"start"`
	End      time.Time `avro:"end" json:"end"`
	Location GeoPoint  `avro:"location" json:"location"`
	// Window and NotBefore are the constraints it was placed under, kept for
	// the invariant checker.
	Window    Window    `avro:"window" json:"window"`
	NotBefore time.Time `avro:"not_before" json:"not_before"`
}

// CalendarRefusal is a remembered refusal of a job's reserve.
type CalendarRefusal struct {
	JobID   string `avro:"job_id"`
	Attempt int64  `avro:"attempt"`
	Reason  string `avro:"reason"`
}

// DependencyState is where a job stands for the jobs that depend on it.
type DependencyState struct {
	JobID string `avro:"job_id" json:"job_id"`
	// State is DependencyBooked, DependencyUnbooked or DependencyCancelled.
	State string    `avro:"state" json:"state"`
	Start time.Time `avro:"start" json:"start"`
	End   time.Time `avro:"end" json:"end"`
	// Version is the dependency's job version: older updates are ignored.
	Version int64 `avro:"version" json:"version"`
}

// ProbeAnswer is one candidate's answer to an auto job's probe.
type ProbeAnswer struct {
	TradespersonID string `avro:"tradesperson_id"`
	// Start is the slot's start; zero when the candidate has none.
	Start  time.Time `avro:"start"`
	Reason string    `avro:"reason"`
}

// DependencyGraph is the dependencies group's table value, one per tenant:
// the depends_on edges of the tenant's unfinished jobs that have any.
type DependencyGraph struct {
	Edges []DependencyEdge `avro:"edges"`
}

// DependencyEdge is one job and the jobs it depends on.
type DependencyEdge struct {
	JobID     string   `avro:"job_id"`
	DependsOn []string `avro:"depends_on"`
	// PostedSeq is the tenant sequence number of the job's post (0:
	// unknown). Of the jobs on a cycle, the one posted last is refused.
	PostedSeq int64 `avro:"posted_seq"`
	// Refused lists the jobs this one's arrival refused after the fact:
	// tracked before it but posted after it, they closed a cycle with it.
	// A redelivered track sends their refusals again.
	Refused []CycleRefusal `avro:"refused"`
}

// CycleRefusal is a job refused for closing a dependency cycle, and why.
type CycleRefusal struct {
	JobID  string `avro:"job_id"`
	Reason string `avro:"reason"`
}

// CodeDependencyCycle is the rejection code of a post whose depends_on
// closes a cycle; the job posted last on the cycle is the one refused.
const CodeDependencyCycle = "dependency_cycle"

// cycleReasonPrefix starts the reason of a CodeDependencyCycle rejection.
const cycleReasonPrefix = "depends_on closes a cycle: "

// CycleReason is the rejection reason of a cycle, given its path of job
// ids (the refused job first and last).
func CycleReason(path []string) string {
	return cycleReasonPrefix + strings.Join(path, " → ")
}

// CyclePath reads the path of job ids back from a CycleReason; ok is false
// for any other text.
func CyclePath(reason string) (path []string, ok bool) {
	rest, ok := strings.CutPrefix(reason, cycleReasonPrefix)
	if !ok || rest == "" {
		return nil, false
	}
	return strings.Split(rest, " → "), true
}
