package codecs

import "time"

// Internal command kinds: the matching group's answer to a posted job.
const (
	// KindMatched carries the tradespeople offered the job (Candidates).
	// The matching group sent it while it looked up calendars itself; the
	// jobs group still applies it (older logs).
	KindMatched = "matched"
	// KindCandidates carries the ranked candidates (Command.Ranked) whose
	// calendars the job probes before it offers itself.
	KindCandidates = "candidates"
)

// Match event kinds.
const (
	MatchMember = "member" // upsert a tradesperson in a cell
	MatchRemove = "remove" // remove a tradesperson from a cell
	MatchJob    = "job"    // match a posted job in its cell
	MatchClose  = "close"  // a waiting job was cancelled or taken: it waits no more
	// MatchWait: a bid job none of whose candidates had room in their
	// calendars (MatchEvent.Candidates) waits in its cell, unless the cell
	// now ranks someone it did not probe.
	MatchWait = "wait"
)

// RankedCandidate is a tradesperson who could take a job by the matching
// index, as the job probes them.
type RankedCandidate struct {
	TradespersonID string  `avro:"tradesperson_id"`
	DistanceKm     float64 `avro:"distance_km"`
	// Seq is the member's profile sequence number in the cell: a wait
	// names the profiles its candidates were ranked with.
	Seq int64 `avro:"seq"`
}

// CellMember is a tradesperson as the matching index keeps them: enough of
// the profile to filter and rank without a lookup.
type CellMember struct {
	TradespersonID string         `avro:"tradesperson_id"`
	Base           GeoPoint       `avro:"base"`
	RadiusKm       float64        `avro:"radius_km"`
	Active         bool           `avro:"active"`
	WorkingHours   []WorkingHours `avro:"working_hours"`
	RatingCount    int64          `avro:"rating_count"`
	RatingAverage  float64        `avro:"rating_average"`
	Seq            int64          `avro:"seq"`
}

// MatchCell is the matching group's table value: the members of one cell for
// one trade, keyed "<tenant>/<trade>/<cell>".
type MatchCell struct {
	Members []CellMember `avro:"members"`
	// Waiting are the posted jobs (bid mode) that no member could take
	// when they were matched: a member who joins or changes is offered the
	// ones it can take.
	Waiting []MatchRequest `avro:"waiting"`
}

// MatchEvent is the input of the matching group, keyed by cell: an index
// update from the tradespeople group or a posted job from the jobs group.
type MatchEvent struct {
	Kind           string        `avro:"kind"`
	TenantID       string        `avro:"tenant_id"`
	TradespersonID string        `avro:"tradesperson_id"`
	Seq            int64         `avro:"seq"`
	Member         *CellMember   `avro:"member"`
	Job            *MatchRequest `avro:"job"`
	// Candidates is set on a MatchWait: the candidates the job probed.
	Candidates []RankedCandidate `avro:"candidates"`
}

// MatchRequest is a posted job to match.
type MatchRequest struct {
	JobID           string    `avro:"job_id"`
	CustomerID      string    `avro:"customer_id"`
	Title           string    `avro:"title"`
	Location        GeoPoint  `avro:"location"`
	Window          Window    `avro:"window"`
	DurationMinutes int32     `avro:"duration_minutes"`
	Mode            string    `avro:"mode"`
	PostedAt        time.Time `avro:"posted_at"`
}

// Notification is one message to a tradesperson or a customer.
type Notification struct {
	ID        string    `avro:"id" json:"id"`
	Recipient string    `avro:"recipient" json:"-"`
	Kind      string    `avro:"kind" json:"kind"`
	JobID     string    `avro:"job_id" json:"job_id"`
	Message   string    `avro:"message" json:"message"`
	At        time.Time `avro:"at" json:"at"`
}

// Notifications is the notifications group's table value: a recipient's
// newest notifications first, at most 100.
type Notifications struct {
	Items []Notification `avro:"items"`
}
