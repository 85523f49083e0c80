package codecs

import (
	"context"
	"fmt"
	"reflect"
)

// The goavro path: the codec as it was before the binary encoder and decoder
// (encoder.go, decoder.go), through github.com/linkedin/goavro/v2 and its
// map[string]any form (mapper.go, resolve.go). It is kept as the reference
// the tests compare the binary codec with, byte for byte and value for
// value, and for the side-by-side benchmark (BenchmarkCodecs).

// marshalGoavro encodes v in the wire format through goavro.
func (c *Avro[T]) marshalGoavro(v *T) ([]byte, error) {
	id, err := c.Register(context.Background())
	if err != nil {
		return nil, err
	}
	native, err := c.enc(reflect.ValueOf(v).Elem())
	if err != nil {
		return nil, fmt.Errorf("codecs: encoding %s: %w", c.subject, err)
	}
	out, err := c.codec.BinaryFromNative(AppendHeader(make([]byte, 0, 128), id), native)
	if err != nil {
		return nil, fmt.Errorf("codecs: encoding %s: %w", c.subject, err)
	}
	return out, nil
}

// unmarshalGoavro decodes wire-format data through goavro.
func (c *Avro[T]) unmarshalGoavro(data []byte) (*T, error) {
	w, body, err := c.writerOf(data)
	if err != nil {
		return nil, err
	}
	native, rest, err := w.codec.NativeFromBinary(body)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w: %v", c.subject, ErrCorrupt, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("decoding %s: %w: %d trailing bytes", c.subject, ErrCorrupt, len(rest))
	}
	out := new(T)
	if err := w.dec(native, reflect.ValueOf(out).Elem()); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", c.subject, err)
	}
	return out, nil
}
