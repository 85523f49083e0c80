// Package ingest is the first processor group every command passes through.
//
// # What it owns
//
// The tenant-keyed commands topic is consumed one tenant at a time, in the
// order the API accepted the commands. For each command the group:
//
//   - drops a repeat of an Idempotency-Key seen in the last 24 hours (the
//     repeat has no effect; a redelivery of the same record is not a repeat);
//   - stamps the per-tenant sequence number: the command's offset + 1, which
//     is strictly increasing per tenant and identical on redelivery;
//   - routes it, re-keyed by entity ("<tenant>/<job>"), to the owning group
//     (a payment event goes to its job, which forwards it to payments);
//   - stamps the commands for the jobs group with the tenant's pricing from
//     its last set_pricing, so that the jobs group reads it from the log.
//
// Its table holds, per tenant, the last offset, the remembered keys and the
// pricing.
package ingest
