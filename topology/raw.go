package topology

import (
	"errors"

	"github.com/lovoo/goka"
)

// errRawType is what a Raw stream's codec answers for a value that is not bytes.
var errRawType = errors.New("topology: raw stream values are []byte")

// RawHandler is a callback over a record's bytes; value is nil for a
// tombstone when the processor runs with goka.NilProcess.
type RawHandler func(ctx goka.Context, value []byte)

// Raw is a stream whose records are in a foreign format the consuming group
// decodes itself, like the Debezium change events of the legacy databases
// (JSON with or without schemas, or Avro). Its codec passes bytes through.
type Raw struct {
	Topic goka.Stream

	deadLetter func(ctx goka.Context, raw []byte, reason error)
}

// Codec is the pass-through codec of the stream: Encode takes []byte,
// Decode returns a copy of the bytes.
func (r *Raw) Codec() goka.Codec { return rawCodec{} }

// Input consumes the stream. A handler that panics with a runtime error
// sends the record to the dead-letter topic, and processing goes on.
func (r *Raw) Input(h RawHandler) goka.Edge {
	return goka.Input(r.Topic, rawCodec{}, func(ctx goka.Context, msg any) {
		v, _ := msg.([]byte)
		defer recoverToDeadLetter(ctx, v, r.deadLetter)
		h(ctx, v)
	})
}

type rawCodec struct{}

func (rawCodec) Encode(v any) ([]byte, error) {
	switch b := v.(type) {
	case []byte:
		return b, nil
	case string:
		return []byte(b), nil
	case nil:
		return nil, nil
	}
	return nil, errRawType
}

func (rawCodec) Decode(b []byte) (any, error) { return append([]byte(nil), b...), nil }
