// Package codecs owns every record that crosses Kafka: the Go wire types, their
// Avro schemas (embedded .avsc files) and the codecs that turn one into the other.
//
// # Wire format
//
// Every value is written in the Confluent wire format: a zero magic byte, the
// writer schema id as a 4-byte big-endian integer, then the Avro binary body.
// Any Kafka client with a Schema Registry deserializer can read our topics.
//
// # Schema resolution
//
// Decoding looks the writer schema up by id (cached after the first fetch),
// decodes the body with it, and maps the result onto the reader type by field
// name. Fields the writer did not know take the reader's default, fields the
// reader does not know are skipped, and int/float widen to long/double. To keep
// that mapping honest every default in our schemas is the Go zero value of its
// field (null, 0, "", false, []); TestSchemaDefaultsAreZeroValues enforces it.
//
// # Errors
//
// Bad bytes never panic. They give one of the sentinel errors below, wrapped
// with the topic type: ErrTooShort, ErrBadMagic, ErrUnknownSchema, ErrCorrupt.
package codecs
