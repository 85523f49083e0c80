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
// # Encoder and decoder
//
// Each codec compiles, per Go type and writer schema, an encoder that appends
// the Avro binary straight from the Go value (encoder.go) and a decoder that
// reads it straight into one (decoder.go, skip.go): no intermediate form. A
// zero time.Time is written as 0 and 0 is read back as the zero time; an
// array or map always decodes to a non-nil value. The bytes and values are
// those of the goavro path the codecs used before (goavro.go, mapper.go,
// resolve.go through github.com/linkedin/goavro/v2), which is kept as the
// reference: TestBinaryCodecMatchesGoavro checks, for every schema, that both
// write the same bytes and read the same values, FuzzBinaryMatchesGoavro
// that they fail on the same bad bytes, and BenchmarkCodecs compares them.
// goavro still validates every schema when a codec is built.
//
// # Errors
//
// Bad bytes never panic. They give one of the sentinel errors below, wrapped
// with the topic type: ErrTooShort, ErrBadMagic, ErrUnknownSchema, ErrCorrupt.
package codecs
