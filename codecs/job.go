package codecs

import "time"

// Job statuses, as CONTRACT.md names them.
const (
	StatusPosted              = "posted"
	StatusBidding             = "bidding"
	StatusBooking             = "booking"
	StatusWaitingDependencies = "waiting_dependencies"
	StatusBooked              = "booked"
	StatusEnRoute             = "en_route"
	StatusOnSite              = "on_site"
	StatusCompleted           = "completed"
	StatusCancelled           = "cancelled"
	StatusNeedsAttention      = "needs_attention"
)

// Job is the job processor's table value and the job view. Its JSON form is
// the body of GET /v1/tenants/{t}/jobs/{job}.
type Job struct {
	ID                     string         `avro:"id" json:"id"`
	TenantID               string         `avro:"tenant_id" json:"tenant_id"`
	CustomerID             string         `avro:"customer_id" json:"customer_id"`
	Trade                  string         `avro:"trade" json:"trade"`
	Title                  string         `avro:"title" json:"title"`
	Status                 string         `avro:"status" json:"status"`
	Mode                   string         `avro:"mode" json:"mode"`
	Location               GeoPoint       `avro:"location" json:"location"`
	Window                 Window         `avro:"window" json:"window"`
	DurationMinutes        int32          `avro:"duration_minutes" json:"duration_minutes"`
	ProjectID              *string        `avro:"project_id" json:"project_id"`
	DependsOn              []string       `avro:"depends_on" json:"depends_on"`
	PromoCode              *string        `avro:"promo_code" json:"promo_code"`
	BudgetMinor            *int64         `avro:"budget_minor" json:"budget_minor"`
	Currency               string         `avro:"currency" json:"currency"`
	Bids                   []Bid          `avro:"bids" json:"bids"`
	Quote                  *Quote         `avro:"quote" json:"quote"`
	AssignedTradespersonID *string        `avro:"assigned_tradesperson_id" json:"assigned_tradesperson_id"`
	Appointment            *Appointment   `avro:"appointment" json:"appointment"`
	ETA                    *ETA           `avro:"eta" json:"eta"`
	StatusHistory          []StatusChange `avro:"status_history" json:"status_history"`
	LastRejection          *Rejection     `avro:"last_rejection" json:"last_rejection"`
	CancelReason           *string        `avro:"cancel_reason" json:"cancel_reason"`
	// OfferedTo are the tradespeople matching offered the job, best first.
	OfferedTo []string `avro:"offered_to" json:"offered_to"`
	// MatchCandidates are the candidates of the job's last match round:
	// those it was offered to, then the others matching ranked (best
	// first). While
	// MatchProbing, the first MatchProbed of them are probed and
	// MatchAnswers holds their calendars' answers (processors/jobs
	// offers.go).
	MatchCandidates []RankedCandidate `avro:"match_candidates" json:"-"`
	MatchProbing    bool              `avro:"match_probing" json:"-"`
	MatchProbed     int32             `avro:"match_probed" json:"-"`
	MatchAnswers    []ProbeAnswer     `avro:"match_answers" json:"-"`
	// MatchLists are the ids of the last candidate lists the job applied
	// and MatchListSeq the highest of their positions (Command.Seq): a list
	// sent again (redelivered, replayed, or its match event duplicated)
	// has no effect.
	MatchLists   []string `avro:"match_lists" json:"-"`
	MatchListSeq int64    `avro:"match_list_seq" json:"-"`
	// AttentionReason says why a job is needs_attention.
	AttentionReason *string   `avro:"attention_reason" json:"attention_reason"`
	CreatedAt       time.Time `avro:"created_at" json:"created_at"`
	UpdatedAt       time.Time `avro:"updated_at" json:"updated_at"`
	// Seq is the last applied per-tenant sequence number: a command at or
	// below it is a redelivery and has no effect.
	Seq int64 `avro:"seq" json:"seq"`
	// Version counts the changes applied to the job.
	Version int64 `avro:"version" json:"version"`
	// Outbox holds the effects of the last commands that had any
	// ("<command> <to>/<kind>[/<arg>]", see processors/jobs outbox.go),
	// re-sent when such a command is redelivered: a crash may have stored
	// the state but lost the messages.
	Outbox []string `avro:"outbox" json:"-"`
	// CDCMarks holds, per Debezium topic, the mark of the last CDC command
	// applied to the job (Command.CDCMark): a CDC command at or before it
	// is a repeat and has no effect.
	CDCMarks []string `avro:"cdc_marks" json:"-"`
	// Pricing is the newest tenant pricing the job has seen on its
	// commands (Command.Pricing): what it prices with when a command
	// carries none. Nil: defaults.
	Pricing *PricingStamp `avro:"pricing" json:"-"`
	// PromoChecked is set once the post came back through the promos group
	// (a job with a promo code); PromoState is then the newest state of
	// the code the job was sent (Command.PromoChecked, reprices), nil when
	// the code does not exist. The job prices with it: no lookup.
	PromoChecked bool   `avro:"promo_checked" json:"-"`
	PromoState   *Promo `avro:"promo_state" json:"-"`
	// BidderCheck is the sequence number of the bid out at its bidder's
	// tradespeople partition (0: none); the client commands that arrive
	// meanwhile wait in Parked (encoded, in order) and are applied after
	// it (processors/jobs bidder.go).
	BidderCheck int64    `avro:"bidder_check" json:"-"`
	Parked      [][]byte `avro:"parked" json:"-"`
	// ScheduleVersion is the Version at which the job's schedule for its
	// dependents last changed (0: not recorded, Version stands for it): an
	// answer to a subscription sent again carries the same version, so the
	// dependent sees no change.
	ScheduleVersion int64 `avro:"schedule_version" json:"-"`

	// Scheduling state (processors/jobs schedule.go).
	//
	// BookingAttempt numbers the job's calendar requests: an answer to an
	// older one is stale.
	BookingAttempt int64 `avro:"booking_attempt" json:"-"`
	// BookingCause says why the job is booking: accept, auto, reschedule
	// or dependency.
	BookingCause string `avro:"booking_cause" json:"-"`
	// CandidateIndex is the offered_to entry an auto job is trying.
	CandidateIndex int32 `avro:"candidate_index" json:"-"`
	// Refusals are the calendars' refusals of the current booking round.
	Refusals []string `avro:"refusals" json:"-"`
	// Dependencies is the last known schedule of each job in DependsOn.
	Dependencies []DependencyState `avro:"dependencies" json:"dependencies"`
	// Dependents are the jobs that depend on this one.
	Dependents []string `avro:"dependents" json:"dependents"`
	// Probing is set while an auto job waits for its candidates' probe
	// answers (Probes); BookingOrder is then the order it tries them in.
	Probing      bool          `avro:"probing" json:"-"`
	Probes       []ProbeAnswer `avro:"probes" json:"-"`
	BookingOrder []string      `avro:"booking_order" json:"-"`

	// Tracking state (processors/jobs tracking.go).
	//
	// ETANotices counts the on_the_way notifications sent to the customer.
	ETANotices int32 `avro:"eta_notices" json:"-"`
	// NotifiedETAMinutes is the ETA the last on_the_way announced.
	NotifiedETAMinutes int32 `avro:"notified_eta_minutes" json:"-"`
	// Feedback is the customer's rating, once the job is completed.
	Feedback *JobFeedback `avro:"feedback" json:"feedback"`
	// PostedSeq is the sequence number of the post_job that created the
	// job: a chat message at or below it was sent before the job existed.
	PostedSeq int64 `avro:"posted_seq" json:"-"`
}

// Bid is one tradesperson's offer on a job, with its current quote.
type Bid struct {
	ID             string      `avro:"id" json:"id"`
	TradespersonID string      `avro:"tradesperson_id" json:"tradesperson_id"`
	Status         string      `avro:"status" json:"status"`
	Lines          []QuoteLine `avro:"lines" json:"lines"`
	Quote          Quote       `avro:"quote" json:"quote"`
	SubmittedAt    time.Time   `avro:"submitted_at" json:"submitted_at"`
}

// QuoteLine is one priced line of a bid.
type QuoteLine struct {
	Description string `avro:"description" json:"description"`
	Kind        string `avro:"kind" json:"kind"`
	AmountMinor int64  `avro:"amount_minor" json:"amount_minor"`
}

// Quote is a priced bid: integer minor units of Currency.
type Quote struct {
	SubtotalMinor    int64  `avro:"subtotal_minor" json:"subtotal_minor"`
	DiscountMinor    int64  `avro:"discount_minor" json:"discount_minor"`
	TaxMinor         int64  `avro:"tax_minor" json:"tax_minor"`
	TotalMinor       int64  `avro:"total_minor" json:"total_minor"`
	PlatformFeeMinor int64  `avro:"platform_fee_minor" json:"platform_fee_minor"`
	PayoutMinor      int64  `avro:"payout_minor" json:"payout_minor"`
	Currency         string `avro:"currency" json:"currency"`
	PromoCode        string `avro:"promo_code" json:"promo_code"`
	PromoApplied     bool   `avro:"promo_applied" json:"promo_applied"`
}

// Appointment is the booked slot of a job.
type Appointment struct {
	Start time.Time `avro:"start" json:"start"`
	End   time.Time `avro:"end" json:"end"`
}

// ETA is the estimated arrival of the assigned tradesperson.
type ETA struct {
	Minutes    int32     `avro:"minutes" json:"minutes"`
	DistanceKm float64   `avro:"distance_km" json:"distance_km"`
	UpdatedAt  time.Time `avro:"updated_at" json:"updated_at"`
	// Position is the tradesperson's last position; only the job they are
	// en route to shows it, and only while en route.
	Position *GeoPoint `avro:"position" json:"position,omitempty"`
}

// StatusChange is one entry of a job's status history.
type StatusChange struct {
	Status string    `avro:"status" json:"status"`
	At     time.Time `avro:"at" json:"at"`
}
