package codecs

import "time"

// Job event kinds: what insights count, as the jobs group reports it on the
// job-events stream.
const (
	JobEventPosted    = "posted"
	JobEventCancelled = "cancelled"
	JobEventArrived   = "arrived"
	JobEventCompleted = "completed"
	JobEventRated     = "rated"
)

// JobEvent is one domain event of a job, keyed by tenant. At is its event
// time: when the job was posted, cancelled or rated (the accepted time of
// the command), or when the tradesperson arrived or completed (the time
// the field report gives).
type JobEvent struct {
	TenantID       string    `avro:"tenant_id"`
	JobID          string    `avro:"job_id"`
	Kind           string    `avro:"kind"`
	At             time.Time `avro:"at"`
	TradespersonID string    `avro:"tradesperson_id"`
	// AppointmentStart is set on arrived: the booked start.
	AppointmentStart time.Time `avro:"appointment_start"`
	// OnSiteAt is set on completed: when the work started.
	OnSiteAt time.Time `avro:"on_site_at"`
	// Rating is set on rated: 1 to 5 stars.
	Rating int32 `avro:"rating"`
}

// InsightCounts are one tenant's counters for one day: sums and counts, so
// that averages are computed once, when shown.
type InsightCounts struct {
	JobsPosted    int64 `avro:"jobs_posted"`
	JobsCompleted int64 `avro:"jobs_completed"`
	JobsCancelled int64 `avro:"jobs_cancelled"`
	// Arrivals counts arrivals at a booked appointment; DelaySeconds sums
	// their delays (early arrivals count 0); OnTime counts those at most
	// 10 minutes after the start.
	Arrivals     int64 `avro:"arrivals"`
	DelaySeconds int64 `avro:"delay_seconds"`
	OnTime       int64 `avro:"on_time"`
	Ratings      int64 `avro:"ratings"`
	RatingSum    int64 `avro:"rating_sum"`
	// WorkedSeconds sums on_site → completed of the jobs completed.
	WorkedSeconds int64 `avro:"worked_seconds"`
	// RevenueMinor is captured minus refunded, in minor units.
	RevenueMinor int64 `avro:"revenue_minor"`
}

// InsightPane is one open day of a tenant: its counters. Seen holds the
// ids of the events counted before the ids moved to side keys; it is read,
// never extended, and goes with the day.
type InsightPane struct {
	Start  time.Time     `avro:"start"`
	End    time.Time     `avro:"end"`
	Counts InsightCounts `avro:"counts"`
	Seen   []string      `avro:"seen"`
}

// InsightsState is the insights group's table value, one per tenant: its
// stream time and open days (see topology/window), and how far into the
// tenant's loop log they go. The same record marks an event counted: the
// value of the tenant's side key "<date>/<id>" has only NextOffset, the
// offset after the loop record that counted it.
type InsightsState struct {
	StreamTime time.Time     `avro:"stream_time"`
	Panes      []InsightPane `avro:"panes"`
	// NextOffset is the loop offset after the last record folded (0: none).
	NextOffset int64 `avro:"next_offset"`
	// Closed are the days the last closing record closed, kept until the
	// next closes, to send their finals again if that record is delivered
	// again; ClosedBy is the loop offset after that record (0: none).
	Closed   []InsightPane `avro:"closed"`
	ClosedBy int64         `avro:"closed_by"`
}

// InsightsDay is one tenant's counters for one UTC day, keyed
// "<tenant>/<YYYY-MM-DD>": updated while the day is open, Final once it
// closed.
type InsightsDay struct {
	TenantID string        `avro:"tenant_id"`
	Date     string        `avro:"date"`
	Counts   InsightCounts `avro:"counts"`
	Final    bool          `avro:"final"`
}

// LateRecord is an input record that came after its window closed: it was
// not counted. Keyed by tenant.
type LateRecord struct {
	TenantID string `avro:"tenant_id"`
	// Source is the input topic; ID names the record there ("<job>/<kind>"
	// or the ledger entry's command id).
	Source     string    `avro:"source"`
	ID         string    `avro:"id"`
	EventTime  time.Time `avro:"event_time"`
	StreamTime time.Time `avro:"stream_time"`
}

// InsightInput is one record of the insights loop topic: a job event or a
// ledger entry, merged into one log per tenant in the order the insights
// group first consumed them. Exactly one pointer is set.
type InsightInput struct {
	JobEvent    *JobEvent    `avro:"job_event"`
	LedgerEntry *LedgerEntry `avro:"ledger_entry"`
}
