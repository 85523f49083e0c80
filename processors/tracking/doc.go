// Package tracking is the processor group that turns the tradespeople's GPS
// pings into ETAs: a stream-table join of the tracking-inputs stream with
// the tracking table, keyed "<tenant>/<tradesperson>".
//
// # One input
//
// Pings (written by the API) and tracking commands (written by the jobs
// group) share one topic, each record a codecs.TrackingInput carrying one
// of them: per tradesperson, one log holds both in the order they were
// written, and the group (and a replay of it from earliest) consumes them
// in that order. With two topics the order between them would be decided
// by the consumer's fetches each time, and a replay would join pings with
// other jobs than the live run did. An input carrying neither or both is
// dead-lettered (ErrNotOneInput).
//
// # The table
//
// Each tradesperson's TrackingState holds the job they are en route to (its
// location, since when, the last ETA sent to it), the last accepted ping and
// a moving average of the observed speed. The jobs group fills the active
// job through the tracking inputs: track_job when a job goes en_route,
// untrack_job when it leaves it (on_site, completed, cancelled).
//
// # A ping
//
//   - invalid (coordinates out of range, no time, a time more than
//     Config.MaxFuture ahead of its record's time on the log, a record with
//     no time on the log, a key that is not the ping's tenant/tradesperson):
//     written to the rejects topic with the reason, and otherwise ignored.
//     The record's time is its Kafka timestamp, set by the producer when
//     the API wrote the ping (or by the broker with LogAppendTime): the
//     group reads no clock, so a replay rejects exactly the pings the live
//     run rejected;
//   - not newer than the last ping (older, or a duplicate): no effect; the
//     records a ping of that time sent are sent again (the outbox: a crash
//     may have kept the state and lost the records; receivers are idempotent);
//   - otherwise it becomes the last ping and feeds the speed average; with an
//     active job it gives an ETA: distance = haversine × 1.3, speed = the
//     average clamped to 5–100 km/h (40 km/h before any observation),
//     minutes = ceil(distance / speed × 60).
//
// Within Config.ArrivalRadiusKm (150 m) of the job the job is told that the
// tradesperson arrived (it goes on_site at the ping's time) and no further
// ETA is sent for it.
//
// # When the job is written
//
// The ETA goes to the job (an eta_update on job-commands) only when it
// changed visibly: the minutes changed, the distance changed at
// Config.DistanceStepKm resolution (0.1 km, both rounded to it), or the last
// one sent is older than Config.Refresh (60 s of ping time) — so that pings
// every few seconds cost a job write every few pings, and the job view's
// updated_at stays fresh. At 10 s between pings and city speed the distance
// moves 0.1 km every ping: a coarser step writes less (BENCHMARKS.md). The job keeps an ETA only while en_route, and
// decides the customer's on_the_way notifications (processors/jobs).
package tracking
