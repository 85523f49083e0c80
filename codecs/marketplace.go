package codecs

import "time"

// Command kinds of the marketplace.
const (
	KindUpsertTradesperson = "upsert_tradesperson"
	KindSubmitBid          = "submit_bid"
	KindAcceptBid          = "accept_bid"
	KindUpsertPromo        = "upsert_promo"
	KindSetPricing         = "set_pricing"
	KindPaymentEvent       = "payment_event"
)

// Internal command kinds, exchanged between processor groups. They carry
// Source "internal" and no sequence number; their handlers are idempotent
// by content.
const (
	SourceInternal = "internal"
	// KindTrackOpenJob and KindUntrackOpenJob tell the pricing and promo
	// groups which jobs have open quotes to re-price.
	KindTrackOpenJob   = "track_open_job"
	KindUntrackOpenJob = "untrack_open_job"
	// KindRedeemPromo asks the promo group to redeem a code for a job.
	KindRedeemPromo = "redeem_promo"
	// KindPromoRefused tells a job its code could not be redeemed.
	KindPromoRefused = "promo_refused"
	// KindReprice tells a job to re-price its open quotes; it carries the
	// new SetPricing or Promo.
	KindReprice = "reprice"
	// KindRecordRejection shows another group's rejection in the job view.
	KindRecordRejection = "record_rejection"
)

// Payment events and states.
const (
	PaymentAuthorized = "authorized"
	PaymentCaptured   = "captured"
	PaymentRefunded   = "refunded"
	PaymentSettled    = "settled"
)

// WorkingHours is one weekly working interval in UTC: Weekday 0 (Sunday) to
// 6, Start and End as "15:04".
type WorkingHours struct {
	Weekday int32  `avro:"weekday" json:"weekday"`
	Start   string `avro:"start" json:"start"`
	End     string `avro:"end" json:"end"`
}

// UpsertTradesperson creates or replaces a tradesperson's profile.
type UpsertTradesperson struct {
	Name         string         `avro:"name"`
	Trades       []string       `avro:"trades"`
	Base         GeoPoint       `avro:"base"`
	RadiusKm     float64        `avro:"radius_km"`
	WorkingHours []WorkingHours `avro:"working_hours"`
	Active       bool           `avro:"active"`
	// Removed deletes the tradesperson (a CDC delete).
	Removed bool `avro:"removed"`
}

// SubmitBid is a tradesperson's priced offer on a job.
type SubmitBid struct {
	BidID          string      `avro:"bid_id"`
	TradespersonID string      `avro:"tradesperson_id"`
	Currency       string      `avro:"currency"`
	Lines          []QuoteLine `avro:"lines"`
}

// AcceptBid accepts one bid of a job.
type AcceptBid struct {
	BidID string `avro:"bid_id"`
}

// UpsertPromo creates or replaces a promo code of a tenant.
type UpsertPromo struct {
	Code           string    `avro:"code"`
	PercentOff     *int32    `avro:"percent_off"`
	AmountOffMinor *int64    `avro:"amount_off_minor"`
	ValidFrom      time.Time `avro:"valid_from"`
	ValidTo        time.Time `avro:"valid_to"`
	MaxRedemptions *int32    `avro:"max_redemptions"`
	Active         bool      `avro:"active"`
}

// SetPricing sets a tenant's tax and platform fee in basis points.
type SetPricing struct {
	TaxBps         int32 `avro:"tax_bps"`
	PlatformFeeBps int32 `avro:"platform_fee_bps"`
}

// PricingStamp is a tenant's pricing as the ingest group knew it when it
// sequenced a command: the pricing a job prices that command with, carried
// in the log so that a replay of the jobs group prices exactly as before.
// Seq is the sequence number of the set_pricing it comes from; a newer
// stamp wins. A nil stamp means the tenant never set its pricing.
type PricingStamp struct {
	TaxBps         int32 `avro:"tax_bps" json:"tax_bps"`
	PlatformFeeBps int32 `avro:"platform_fee_bps" json:"platform_fee_bps"`
	Seq            int64 `avro:"seq" json:"-"`
}

// PaymentEvent reports a step of a job's payment.
type PaymentEvent struct {
	PaymentID   string `avro:"payment_id"`
	Event       string `avro:"event"`
	AmountMinor int64  `avro:"amount_minor"`
	Currency    string `avro:"currency"`
}

// Tradesperson is the tradespeople group's table value and the profile part
// of GET /v1/tenants/{t}/tradespeople/{id}.
type Tradesperson struct {
	ID           string         `avro:"id" json:"id"`
	TenantID     string         `avro:"tenant_id" json:"tenant_id"`
	Name         string         `avro:"name" json:"name"`
	Trades       []string       `avro:"trades" json:"trades"`
	Base         GeoPoint       `avro:"base" json:"base"`
	RadiusKm     float64        `avro:"radius_km" json:"radius_km"`
	WorkingHours []WorkingHours `avro:"working_hours" json:"working_hours"`
	Active       bool           `avro:"active" json:"active"`
	Rating       Rating         `avro:"rating" json:"rating"`
	CreatedAt    time.Time      `avro:"created_at" json:"created_at"`
	UpdatedAt    time.Time      `avro:"updated_at" json:"updated_at"`
	Seq          int64          `avro:"seq" json:"-"`
	// Previous is the coverage before the last change, so that its index
	// updates can be re-sent when the change is redelivered.
	Previous *Coverage `avro:"previous" json:"-"`
	// CDCMarks holds, per Debezium topic, the mark of the last CDC command
	// applied to the profile (Command.CDCMark): a CDC command at or before
	// it is a repeat and has no effect.
	CDCMarks []string `avro:"cdc_marks" json:"-"`
	// RatedJobs are the jobs whose rating is counted in Rating, each once.
	RatedJobs []string `avro:"rated_jobs" json:"-"`
	// CompletedJobs are the jobs the tradesperson completed, each once.
	CompletedJobs []CompletedJob `avro:"completed_jobs" json:"-"`
}

// Coverage is what places a tradesperson in the matching index.
type Coverage struct {
	Base     GeoPoint `avro:"base"`
	RadiusKm float64  `avro:"radius_km"`
	Trades   []string `avro:"trades"`
}

// Rating aggregates a tradesperson's feedback.
type Rating struct {
	Count    int64   `avro:"count" json:"count"`
	Average  float64 `avro:"average" json:"average"`
	Bayesian float64 `avro:"bayesian" json:"bayesian"`
	// Distribution counts the ratings of 1 to 5 stars (index 0 is one
	// star); empty until the first rating.
	Distribution []int64 `avro:"distribution" json:"distribution"`
}

// TenantPricing is the pricing group's table value, one per tenant.
type TenantPricing struct {
	TaxBps         int32 `avro:"tax_bps" json:"tax_bps"`
	PlatformFeeBps int32 `avro:"platform_fee_bps" json:"platform_fee_bps"`
	// OpenJobs are the jobs with open quotes, re-priced on a change.
	OpenJobs  []string  `avro:"open_jobs" json:"-"`
	UpdatedAt time.Time `avro:"updated_at" json:"updated_at"`
	Seq       int64     `avro:"seq" json:"-"`
}

// Promo is the promos group's table value, one per tenant and code.
type Promo struct {
	Code           string    `avro:"code" json:"code"`
	PercentOff     *int32    `avro:"percent_off" json:"percent_off"`
	AmountOffMinor *int64    `avro:"amount_off_minor" json:"amount_off_minor"`
	ValidFrom      time.Time `avro:"valid_from" json:"valid_from"`
	ValidTo        time.Time `avro:"valid_to" json:"valid_to"`
	MaxRedemptions *int32    `avro:"max_redemptions" json:"max_redemptions"`
	Active         bool      `avro:"active" json:"active"`
	// Redeemed are the jobs that redeemed the promo, each once.
	Redeemed []string `avro:"redeemed" json:"redeemed"`
	// OpenJobs are the jobs with open quotes using the code.
	OpenJobs []string `avro:"open_jobs" json:"-"`
	Seq      int64    `avro:"seq" json:"-"`
}

// Payment is the latest state of one payment: the payments group's table
// value (a compacted topic; settled payments are deleted by tombstone) and
// the body of GET /v1/tenants/{t}/payments/{id}.
type Payment struct {
	PaymentID   string    `avro:"payment_id" json:"payment_id"`
	TenantID    string    `avro:"tenant_id" json:"-"`
	JobID       string    `avro:"job_id" json:"job_id"`
	State       string    `avro:"state" json:"state"`
	AmountMinor int64     `avro:"amount_minor" json:"amount_minor"`
	Currency    string    `avro:"currency" json:"currency"`
	UpdatedAt   time.Time `avro:"updated_at" json:"updated_at"`
	Seq         int64     `avro:"seq" json:"-"`
}

// LedgerEntry is one payment event appended to the payments ledger stream.
type LedgerEntry struct {
	TenantID    string    `avro:"tenant_id"`
	PaymentID   string    `avro:"payment_id"`
	JobID       string    `avro:"job_id"`
	Event       string    `avro:"event"`
	AmountMinor int64     `avro:"amount_minor"`
	Currency    string    `avro:"currency"`
	At          time.Time `avro:"at"`
	CommandID   string    `avro:"command_id"`
}
