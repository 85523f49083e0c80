package codecs

import "time"

// SourceCDC is the Command.Source of commands mapped from Debezium change
// events of the legacy databases.
const SourceCDC = "cdc"

// CDCState is the cdc group's table value, keyed by the Debezium record key
// exactly as it arrived. Two source tables may use equal keys (both keyed
// {"id": "x"}), so the state keeps one entry per source topic.
type CDCState struct {
	Sources []CDCSource `avro:"sources"`
}

// CDCSource is what the cdc group remembers of one source row.
type CDCSource struct {
	// Topic is the Debezium topic the row's events arrive on.
	Topic string `avro:"topic"`
	// Mapping names the mapping entry that maps the row's table.
	Mapping string `avro:"mapping"`
	// Position is the source position of the last applied event, in a form
	// that sorts as the source log does (see processors/cdc).
	Position string `avro:"position"`
	// TenantID and EntityID identify the domain entity the row maps to.
	TenantID string `avro:"tenant_id"`
	EntityID string `avro:"entity_id"`
	// Deleted is set once the row's delete (or tombstone) was applied.
	Deleted bool `avro:"deleted"`
	// Image is the row's last applied after-image of the mapped columns,
	// to tell which columns an update changed without relying on `before`.
	Image []CDCColumn `avro:"image"`
	// Outbox holds the commands of the row's last changes that had any,
	// oldest first: a crash may have stored the state but lost the
	// commands, so a redelivered change sends its commands again.
	Outbox []CDCSent `avro:"outbox"`
}

// CDCSent is one command a change event of the row was mapped to, as
// written to the commands topic.
type CDCSent struct {
	// Position is the change's source position ("<position>/tombstone"
	// for a tombstone that completed a delete).
	Position string `avro:"position"`
	// TenantID is the key the command was written under.
	TenantID string `avro:"tenant_id"`
	// EntityID and Kind say what the command is about without decoding it.
	EntityID string `avro:"entity_id"`
	Kind     string `avro:"kind"`
	// Command is the encoded command (Confluent wire format).
	Command []byte `avro:"command"`
}

// CDCColumn is one column value in canonical text form.
type CDCColumn struct {
	Name  string `avro:"name"`
	Value string `avro:"value"`
	Null  bool   `avro:"null"`
}

// CDCAudit records one change event that the cdc group mapped: where it
// came from in the source database and in Kafka, and the commands it became.
type CDCAudit struct {
	// Topic, Partition and Offset locate the change event in Kafka.
	Topic     string `avro:"topic"`
	Partition int32  `avro:"partition"`
	Offset    int64  `avro:"offset"`
	// Mapping names the mapping entry; Table is "<db>.<schema>.<table>".
	Mapping string `avro:"mapping"`
	Table   string `avro:"table"`
	// Op is the Debezium op (c, r, u, d; "tombstone" for a tombstone that
	// completed a delete); Effective is the op the mapping applied (c for a
	// row not known before, u for a known row, d).
	Op        string `avro:"op"`
	Effective string `avro:"effective"`
	// Key is the mapped entity: "<tenant>/<id>".
	Key string `avro:"key"`
	// Position is the comparable source position (see CDCSource.Position);
	// the fields below are the connector's own position fields, as text.
	Position      string `avro:"position"`
	LSN           string `avro:"lsn"`
	TxID          string `avro:"tx_id"`
	Sequence      string `avro:"sequence"`
	CommitLSN     string `avro:"commit_lsn"`
	ChangeLSN     string `avro:"change_lsn"`
	EventSerialNo string `avro:"event_serial_no"`
	// RenamedFrom and RenamedTo carry Debezium's __debezium.oldkey and
	// __debezium.newkey headers of a primary-key change.
	RenamedFrom string `avro:"renamed_from"`
	RenamedTo   string `avro:"renamed_to"`
	// CommandIDs and Kinds are the commands written, in order; empty when
	// the change maps to no command (e.g. a job's title changed).
	CommandIDs []string `avro:"command_ids"`
	Kinds      []string `avro:"kinds"`
	// SourceAt is when the change was committed in the source database.
	SourceAt time.Time `avro:"source_at"`
}
