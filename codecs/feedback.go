package codecs

import "time"

// Feedback command kinds.
const (
	// KindGiveFeedback is a customer's rating of a completed job.
	KindGiveFeedback = "give_feedback"
	// KindRateTradesperson is internal: the jobs group passes an accepted
	// rating to the tradespeople group, which counts it once per job.
	KindRateTradesperson = "rate_tradesperson"
	// KindJobCompleted is internal: the jobs group tells the tradespeople
	// group that an assigned job was completed (Slot: its appointment).
	KindJobCompleted = "job_completed"
)

// CompletedJob is a job a tradesperson completed, with its booked slot
// (zero when it had none).
type CompletedJob struct {
	JobID string    `avro:"job_id"`
	Start time.Time `avro:"start"`
	End   time.Time `avro:"end"`
}

// Rating bounds: feedback gives 1 to 5 stars.
const (
	MinStars = 1
	MaxStars = 5
)

// The Bayesian rating prior (CONTRACT.md §3): a tradesperson without
// ratings has RatingPrior stars, weighing as much as RatingPriorWeight
// ratings.
const (
	RatingPrior       = 4.0
	RatingPriorWeight = 5.0
)

// GiveFeedback is the payload of give_feedback and rate_tradesperson.
type GiveFeedback struct {
	Rating  int32  `avro:"rating"`
	Comment string `avro:"comment"`
}

// JobFeedback is the feedback a completed job received.
type JobFeedback struct {
	Rating    int32     `avro:"rating" json:"rating"`
	Comment   string    `avro:"comment" json:"comment"`
	At        time.Time `avro:"at" json:"at"`
	CommandID string    `avro:"command_id" json:"command_id"`
}
