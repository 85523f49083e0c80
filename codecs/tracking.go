package codecs

import "time"

// Internal command kinds of tracking.
const (
	// KindTrackJob tells the tracking group (tracking-inputs topic) that
	// the tradesperson is en route to JobID at Location since At.
	KindTrackJob = "track_job"
	// KindUntrackJob tells the tracking group that JobID left en_route.
	KindUntrackJob = "untrack_job"
	// KindETAUpdate gives a job (job-commands topic) the tracked ETA of its
	// tradesperson; it carries ETA.
	KindETAUpdate = "eta_update"
	// KindArrived tells a job that its tradesperson came within the arrival
	// radius; it carries SetJobStatus (on_site, the ping's time).
	KindArrived = "arrived"
)

// Notification kinds of tracking, sent to the job's customer.
const (
	NoticeOnTheWay = "on_the_way"
	NoticeArrived  = "arrived"
)

// TrackingInput is one record of the tracking-inputs stream, keyed
// "<tenant>/<tradesperson>": a GPS ping, written by the API, or a tracking
// command, written by the jobs group. Both share one log so that the
// tracking group, and a replay of it, sees them in one order. Exactly one
// pointer is set.
type TrackingInput struct {
	Ping    *LocationPing    `avro:"ping"`
	Command *TrackingCommand `avro:"command"`
}

// LocationPing is one GPS position of a tradesperson, as a TrackingInput.
type LocationPing struct {
	TenantID       string    `avro:"tenant_id"`
	TradespersonID string    `avro:"tradesperson_id"`
	Lat            float64   `avro:"lat"`
	Lon            float64   `avro:"lon"`
	At             time.Time `avro:"at"`
	// SpeedKmh is the speed the device measured, when it reports one.
	SpeedKmh *float64 `avro:"speed_kmh"`
}

// TrackingCommand is the input of the tracking group from the jobs group,
// as a TrackingInput: a job went en_route (KindTrackJob) or left it
// (KindUntrackJob).
type TrackingCommand struct {
	CommandID      string   `avro:"command_id"`
	TenantID       string   `avro:"tenant_id"`
	TradespersonID string   `avro:"tradesperson_id"`
	Kind           string   `avro:"kind"`
	JobID          string   `avro:"job_id"`
	Location       GeoPoint `avro:"location"`
	// At is when the job went en_route (or left it).
	At time.Time `avro:"at"`
}

// TrackingState is the tracking group's table value, keyed
// "<tenant>/<tradesperson>": the job the tradesperson is en route to, the
// last accepted ping and the speed estimate.
type TrackingState struct {
	// Active is the job the tradesperson is en route to; nil when none.
	Active *TrackedJob `avro:"active"`
	// Last is the newest accepted ping; older or equal ones are ignored.
	Last *Fix `avro:"last"`
	// SpeedKmh is the moving average of the observed speed; 0 when unknown.
	SpeedKmh float64 `avro:"speed_kmh"`
	// Samples counts the speed observations averaged so far.
	Samples int64 `avro:"samples"`
	// Finished are the last jobs that left en_route: a late track_job for
	// one of them is stale.
	Finished []string `avro:"finished"`
	// Outbox holds the effects of the last pings that had any, re-sent when
	// such a ping is redelivered.
	Outbox []TrackingEffect `avro:"outbox"`
}

// TrackedJob is the job a tradesperson is en route to.
type TrackedJob struct {
	JobID    string    `avro:"job_id"`
	Location GeoPoint  `avro:"location"`
	Since    time.Time `avro:"since"`
	// Arrived is set once a ping came within the arrival radius.
	Arrived bool `avro:"arrived"`
	// Sent is the last ETA sent to the job; nil before the first.
	Sent *ETA `avro:"sent"`
}

// Fix is an accepted position.
type Fix struct {
	Lat float64   `avro:"lat"`
	Lon float64   `avro:"lon"`
	At  time.Time `avro:"at"`
}

// TrackingEffect is one record a ping made the tracking group send: an ETA
// update (Kind KindETAUpdate, with ETA) or an arrival (KindArrived).
type TrackingEffect struct {
	PingAt time.Time `avro:"ping_at"`
	Kind   string    `avro:"kind"`
	JobID  string    `avro:"job_id"`
	ETA    *ETA      `avro:"eta"`
}
