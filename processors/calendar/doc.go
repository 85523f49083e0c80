// Package calendar is the processor group that owns every tradesperson's
// calendar, keyed "<tenant>/<tradesperson>": one writer per calendar, so two
// bookings of one tradesperson are never placed concurrently.
//
// # The booking exchange
//
// A job that needs a slot sends a reserve (job id, attempt, window, duration,
// location and "not before" — the latest end of its dependencies) on the
// calendar-commands topic. The calendar answers with an internal command on
// job-commands: slot_confirmed {start, end} or slot_refused {reason}. Every
// request of a job carries a new attempt number; a later attempt supersedes
// an earlier one (its old slot is freed first), and a release frees the
// job's slot. Answers carry the attempt they answer, so a job ignores the
// stale ones and releases a slot it no longer wants.
//
// Redelivery is harmless: a reserve for a job already holding the slot of
// that attempt answers the same slot, and a calendar remembers the attempts
// it refused, revoked or released (a late duplicate of their reserve gets
// the refusal, not a slot). Answer ids are deterministic, so a job
// recognises a repeat. The job group re-sends a redelivered command's
// effects (its outbox), and a calendar those of a redelivered profile
// change, so a crash on either side loses no request and no answer.
//
// # Slots
//
// slot.ChooseSlot (processors/internal/slot, shared with matching, which
// offers a job only to tradespeople whose calendar has room) is the rule:
// the earliest start on a five-minute grid inside
// the job's window, after its dependencies, inside one working-hours
// interval, leaving geo.TravelTime from the appointment before and to the
// appointment after. The first appointment of a day is not delayed by
// travel from the tradesperson's base: the contract counts travel between
// consecutive appointments only.
//
// # Profiles
//
// The calendar keeps the tradesperson's working hours, base and activity in
// its own state, fed by the tradespeople group, which emits a profile
// request on every profile change (ordered by the profile's sequence
// number). A feed rather than a lookup of the tradespeople table: the
// calendar's decisions then depend only on its own input, in order, so a
// replay decides the same. A reserve that arrives before the profile is
// parked and answered when the profile arrives. A profile change revokes
// the future appointments that no longer fit the working hours (all of
// them when the tradesperson is deactivated or removed): their jobs get a
// refusal of the slot they hold and book again.
//
// # Invariants
//
// Check verifies a set of calendars and jobs: no overlapping appointments
// per tradesperson, travel included; every appointment inside its window
// and working hours; every dependent after its dependencies; and calendars
// and jobs agreeing on every booking. `tradestream check schedule` runs it
// on the tables in Kafka.
package calendar
