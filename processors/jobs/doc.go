// Package jobs is the processor group that owns every job's state: the job
// lifecycle state machine behind GET /v1/tenants/{t}/jobs/{job}.
//
// # Lifecycle
//
//	posted → bidding → booking → booked → en_route → on_site → completed
//	   └──────────┴─────────┴────────┴──→ cancelled
//	waiting_dependencies and needs_attention are entered by scheduling.
//
// # Scheduling
//
// Accepting a bid (or an auto job's match) starts booking: the job waits in
// waiting_dependencies while a dependency is not booked, then asks the
// calendar group for a slot (schedule.go: booking attempts, probes of an
// auto job's candidates, refusals, revocations). Dependencies tell their
// dependents about their schedule (dependencies.go). Every scheduling
// effect is derived from the change of the job and turned into records by
// ScheduleMessages (schedule_send.go), so an outbox re-sends them exactly.
//
// # Offers
//
// Matching sends a posted job its ranked candidates; the job probes their
// calendars in rank order and offers itself to the first MaxOffers with
// room: offered_to and the job_offer notifications come from here
// (offers.go). A bid job nobody had room for goes back to wait in its
// matching cell.
//
// # Tracking
//
// A job that goes en_route asks the tracking group to follow its
// tradesperson and takes the ETAs it answers (tracking.go): the ETA and
// position show only while en_route, the customer hears on_the_way and
// arrived, and an arrival puts the job on_site.
//
// # Other groups' state
//
// The group reads no other group's table (nor does matching, which leaves
// the calendars to the job's probes): what it needs travels in the log,
// so a replay decides as the first time. The tenant's pricing is stamped on
// the commands by ingest and on reprices by pricing (PricingStampOf); a job
// with a promo code sends its post and client commands through the promos
// group, which stamps the code's state (promo.go); a bid goes through its
// bidder's tradespeople partition, which stamps the profile, while the
// job's later client commands wait (bidder.go, park.go).
//
// Commands arrive sequenced by the ingest group and keyed "<tenant>/<job>".
// A command whose sequence number is not above the job's last one is a
// redelivery and has no effect. A command a rule refuses leaves the job as it
// was, except for last_rejection, and is written to the rejects topic.
package jobs
