// Package state is the serving side of Tradestream: typed views over the
// processor groups' tables and the HTTP API (/v1) that reads them and accepts
// commands.
//
// # Writes
//
// A command is validated for shape (400 on a missing field, a bad type, a
// latitude of 91...), stamped with a command id and its accepted time, and
// written to the tenant-keyed commands topic. The API answers 202 only after
// Kafka acknowledged the record with acks=all. Business rules are checked
// later by the processors; a refusal shows as last_rejection in the job view.
//
// # Reads
//
// Views are goka views over group tables, so every instance answers for every
// key. They are eventually consistent with the writes.
//
// # Errors
//
// Every error is {"error": {"code", "message"}} with a 4xx status for client
// input; a 5xx means the server or Kafka failed, never the request.
package state
