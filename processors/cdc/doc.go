// Package cdc is the processor group that turns Debezium change streams of
// the legacy databases into Tradestream commands.
//
// # What it owns
//
// The group consumes the Debezium topics named by --cdc-topics (by default
// legacy.public.tradespeople from the PostgreSQL connector and
// legacy.marketplace.dbo.jobs from the SQL Server connector) and writes each
// mapped command to the tenant-keyed commands topic, exactly like the HTTP
// API does (Source "cdc"), so that CDC-posted jobs and tradespeople reach
// the views through the normal pipeline. Every mapped event is recorded on
// tradestream.cdc-audit with its source position and command ids; every
// event that cannot be mapped goes to tradestream.dead-letters with the
// reason, and processing goes on.
//
// # Formats
//
// Values and keys may be written by the JSON converter with schemas
// (an envelope {schema, payload}), without schemas, or by the Avro converter
// in the Confluent wire format (the writer schema is fetched from the
// registry by id, once, and decoded generically). A schema, when there is
// one, says how a column is encoded (io.debezium.time.* temporal types,
// Connect Decimal with its scale); without one the mapping says it.
//
// # Mapping
//
// mapping.yaml, embedded and replaceable with --cdc-mapping, maps a source
// table's columns to commands per effective op; see the file's header.
// Decimals are read exactly: a budget decimal(12,2) becomes integer minor
// units, and an amount with a fraction of a minor unit is a dead letter.
//
// # Semantics
//
// The group table, keyed by the Debezium record key as it arrived, keeps per
// source topic the last applied source position, the mapped entity (tenant
// and id) and the row's last applied image of the mapped columns.
//
//   - Duplicates. An event at or before the row's last applied position
//     (see Position: PostgreSQL lsn; SQL Server commit_lsn, change_lsn,
//     event_serial_no) is not mapped or audited again: replays and
//     connector restarts are harmless. Command ids derive from the topic,
//     the entity and the source position, so a replay from scratch yields
//     the same ids.
//   - Crash safety. Goka writes the group table and the commands
//     independently, so a crash can keep a change's state and lose its
//     commands; the change is then redelivered as a duplicate. The row's
//     state therefore keeps the encoded commands of its last OutboxKeep
//     changes (outbox.go), and a duplicate writes the commands of its
//     position again. Every command carries a mark, "<topic>
//     <position>/<index>" (processors/internal/cdcmark), and the owning
//     groups (jobs, tradespeople) remember the last mark they applied per
//     topic and ignore a command at or before it: a command sent again has
//     no second effect, whether or not the first one arrived. (The
//     Idempotency-Key window of ingest is not used: it is per tenant and
//     would outgrow a Kafka message.) Not covered: goka may commit a
//     record's offset before that record's writes are acknowledged (a later
//     record of the partition finished first), and such a record is not
//     redelivered.
//   - Create and update. c and r (snapshot) of a row the group does not
//     know, and u of a row it never saw, are creates: the job is posted (and
//     cancelled at once when the legacy row is cancelled). c, r and u of a
//     known row are updates: the mapping compares the new row with the row's
//     last applied image, never with Debezium's before, which PostgreSQL
//     fills only with the key unless the table has REPLICA IDENTITY FULL. A
//     job whose window changed is rescheduled; whose status became
//     'cancelled' is cancelled; other column changes have no command and are
//     audited with none. A re-snapshot of an unchanged row does nothing. A
//     text column PostgreSQL could not send (an unchanged TOASTed value,
//     written as __debezium_unavailable_value) keeps its last applied value.
//   - Delete. d maps to the delete rule (a tradesperson is removed, a job
//     cancelled); the tenant and id come from before, else from the state.
//     The tombstone that follows has no further effect; a tombstone of a
//     row whose delete the group never saw (compaction removed it) completes
//     the delete from the state.
//   - Primary-key change. Debezium emits a delete (and tombstone) for the old
//     key and a create for the new key; the group handles the pair as a
//     rename: the old entity is deleted, the new one created, and the audit
//     records the other key from the __debezium.newkey / __debezium.oldkey
//     headers (PostgreSQL). Domain history of the old entity (a job's bids,
//     a tradesperson's rating) does not move to the new one. A row whose
//     tenant column changes is handled the same way.
//   - Truncate. t is a dead letter with the reason "truncate not mapped".
//     It removes every row of a table across all tenants in one event that
//     arrives on one partition with no key, while the rows' state is spread
//     over all partitions: deriving a delete for each row is not possible
//     here, and silently dropping a whole table's worth of tradespeople from
//     one record is not a thing to do implicitly. An operator replays the
//     deletes (or a snapshot) deliberately.
//   - op m (logical decoding messages) and unknown ops are dead letters.
//
// The state is per record key as it arrived: a connector that switches
// converters (JSON to Avro) writes new keys, and events replayed under the
// old converter are then not recognized as duplicates. CDC topics must have
// the --partitions partition count (goka co-partitions the inputs with the
// group table): create them with `tradestream topics apply` before the
// connector, or set its topic.creation.default.partitions.
package cdc
