// Package jobs is the processor group that owns every job's state: the job
// lifecycle state machine behind GET /v1/tenants/{t}/jobs/{job}.
//
// # Lifecycle
//
//	posted → bidding → booking → booked → en_route → on_site → completed
//	   └──────────┴─────────┴────────┴──→ cancelled
//	waiting_dependencies and needs_attention are entered by scheduling.
//
// Commands arrive sequenced by the ingest group and keyed "<tenant>/<job>".
// A command whose sequence number is not above the job's last one is a
// redelivery and has no effect. A command a rule refuses leaves the job as it
// was, except for last_rejection, and is written to the rejects topic.
package jobs
