package codecs

import "time"

// GeoPoint is a WGS 84 position in degrees.
type GeoPoint struct {
	Lat float64 `avro:"lat" json:"lat"`
	Lon float64 `avro:"lon" json:"lon"`
}

// Window is a half-open time interval [EarliestStart, LatestEnd) in UTC.
type Window struct {
	EarliestStart time.Time `avro:"earliest_start" json:"earliest_start"`
	LatestEnd     time.Time `avro:"latest_end" json:"latest_end"`
}

// Command kinds carried by Command.Kind.
const (
	KindPostJob       = "post_job"
	KindCancelJob     = "cancel_job"
	KindRescheduleJob = "reschedule_job"
	KindSetJobStatus  = "set_job_status"
)

// Command is one accepted client command. The HTTP API writes it to the
// tenant-keyed commands topic; the ingest processor stamps Seq and routes it,
// re-keyed by entity, to the processor that owns the entity. Exactly one of
// the payload pointers is set, matching Kind.
type Command struct {
	CommandID      string    `avro:"command_id"`
	TenantID       string    `avro:"tenant_id"`
	Kind           string    `avro:"kind"`
	JobID          string    `avro:"job_id"`
	TradespersonID string    `avro:"tradesperson_id"`
	PromoCode      string    `avro:"promo_code"`
	PaymentID      string    `avro:"payment_id"`
	AcceptedAt     time.Time `avro:"accepted_at"`
	IdempotencyKey string    `avro:"idempotency_key"`
	Source         string    `avro:"source"`
	// Seq is the per-tenant sequence number: the command's offset in the
	// tenant-keyed commands topic. Strictly increasing per tenant, not dense.
	Seq int64 `avro:"seq"`

	PostJob       *PostJob       `avro:"post_job"`
	CancelJob     *CancelJob     `avro:"cancel_job"`
	RescheduleJob *RescheduleJob `avro:"reschedule_job"`
	SetJobStatus  *SetJobStatus  `avro:"set_job_status"`

	UpsertTradesperson *UpsertTradesperson `avro:"upsert_tradesperson"`
	SubmitBid          *SubmitBid          `avro:"submit_bid"`
	AcceptBid          *AcceptBid          `avro:"accept_bid"`
	UpsertPromo        *UpsertPromo        `avro:"upsert_promo"`
	SetPricing         *SetPricing         `avro:"set_pricing"`
	PaymentEvent       *PaymentEvent       `avro:"payment_event"`
	// Promo is set on internal reprice commands: the promo's new state.
	Promo *Promo `avro:"promo"`
	// Rejection is set on internal record_rejection commands: another
	// group refused a command about the job.
	Rejection *Rejection `avro:"rejection"`
	// Candidates is set on internal matched commands: the best
	// tradespeople for the job, best first.
	Candidates []string `avro:"candidates"`

	// Scheduling (internal commands, see schedule.go).
	Slot           *Slot            `avro:"slot"`
	BookingAttempt int64            `avro:"booking_attempt"`
	Reason         string           `avro:"reason"`
	Dependency     *DependencyState `avro:"dependency"`
	RelatedJobID   string           `avro:"related_job_id"`
	DependsOn      []string         `avro:"depends_on"`

	// CDCMark orders a command mapped from a Debezium change event:
	// "<topic> <source position>/<index>" (processors/internal/cdcmark).
	// The cdc group may send a command again after a crash; the owning
	// group applies each mark at most once. Empty for other commands.
	CDCMark string `avro:"cdc_mark"`
	// ETA is set on internal eta_update commands from the tracking group.
	ETA *ETA `avro:"eta"`
	// Feedback is set on give_feedback and internal rate_tradesperson
	// commands.
	Feedback *GiveFeedback `avro:"feedback"`

	// PostMessage is a chat message on the job (chat.go).
	PostMessage *PostMessage `avro:"post_message"`
	// Pricing is stamped by the ingest group on the commands it routes to
	// the jobs group, and by the pricing group on reprice commands: the
	// tenant's pricing at that point of the log (nil: defaults).
	Pricing *PricingStamp `avro:"pricing"`
	// PromoChecked is set by the promos group on a client command of a job
	// with a promo code that it passes on to the job (the job sends them
	// through it, in order): Promo is then the code's state at that point
	// of the promos group's log, nil when no such code exists.
	PromoChecked bool `avro:"promo_checked"`
	// BidderChecked is set by the tradespeople group on a submit_bid it
	// passes on to the job (the job sends each bid through the bidder's
	// partition): Bidder is then the bidder's profile at that point of the
	// tradespeople group's log, nil when no such tradesperson exists.
	BidderChecked bool         `avro:"bidder_checked"`
	Bidder        *BidderStamp `avro:"bidder"`
	// PaymentJob is set by the jobs group on a payment_event it forwards
	// to the payments group: the job as it was at that point of the jobs
	// group's log. Nil when the job did not exist.
	PaymentJob *PaymentJob `avro:"payment_job"`
	// Ranked is set on internal candidates commands from the matching
	// group: the tradespeople who could take the job by the index (trade,
	// activity, radius, working hours), best first. The job probes their
	// calendars and offers itself to the first MaxOffers with room. Seq is
	// then the position of the match event it answers (its offset + 1 in
	// its cell's partition), the same when matching is replayed.
	Ranked []RankedCandidate `avro:"ranked"`
}

// BidderStamp is what the jobs group checks of a bidder.
type BidderStamp struct {
	Active bool     `avro:"active"`
	Trades []string `avro:"trades"`
}

// PaymentJob is what the payments group checks a payment event against.
type PaymentJob struct {
	Currency string `avro:"currency"`
}

// Slot is a confirmed appointment slot.
type Slot struct {
	Start time.Time `avro:"start"`
	End   time.Time `avro:"end"`
}

// PostJob creates a job.
type PostJob struct {
	CustomerID      string   `avro:"customer_id"`
	Trade           string   `avro:"trade"`
	Title           string   `avro:"title"`
	Location        GeoPoint `avro:"location"`
	Window          Window   `avro:"window"`
	DurationMinutes int32    `avro:"duration_minutes"`
	Mode            string   `avro:"mode"`
	PromoCode       string   `avro:"promo_code"`
	ProjectID       string   `avro:"project_id"`
	DependsOn       []string `avro:"depends_on"`
	BudgetMinor     *int64   `avro:"budget_minor"`
	Currency        string   `avro:"currency"`
}

// CancelJob cancels a job.
type CancelJob struct {
	Reason string `avro:"reason"`
}

// RescheduleJob moves a job to a new window.
type RescheduleJob struct {
	Window Window `avro:"window"`
}

// SetJobStatus reports field progress: en_route, on_site or completed.
type SetJobStatus struct {
	Status string    `avro:"status"`
	At     time.Time `avro:"at"`
}

// Rejection records a command that a processor refused by a business rule.
type Rejection struct {
	CommandID string    `avro:"command_id" json:"command_id"`
	TenantID  string    `avro:"tenant_id" json:"-"`
	JobID     string    `avro:"job_id" json:"-"`
	Kind      string    `avro:"kind" json:"-"`
	Code      string    `avro:"code" json:"code"`
	Reason    string    `avro:"reason" json:"reason"`
	At        time.Time `avro:"at" json:"at"`
}

// IngestState is the ingest processor's table value, one per tenant.
type IngestState struct {
	// LastOffset is the offset of the last command with an Idempotency-Key.
	LastOffset int64 `avro:"last_offset"`
	// Keys remembers the Idempotency-Keys seen in the last 24 hours.
	Keys []IdempotencyEntry `avro:"keys"`
	// Pricing is the tenant's pricing from its last set_pricing, stamped
	// on the commands routed to the jobs group; nil when never set.
	Pricing *PricingStamp `avro:"pricing"`
}

// IdempotencyEntry is one remembered Idempotency-Key.
type IdempotencyEntry struct {
	Key        string    `avro:"key"`
	CommandID  string    `avro:"command_id"`
	Offset     int64     `avro:"offset"`
	AcceptedAt time.Time `avro:"accepted_at"`
}
