package codecs

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// MagicByte is the first byte of every record in the Confluent wire format.
const MagicByte byte = 0

// HeaderSize is the length of the wire-format header: magic byte plus schema id.
const HeaderSize = 5

// Sentinel errors for bytes that cannot be decoded. They are wrapped with
// context; test them with errors.Is.
var (
	// ErrTooShort means the record is shorter than the 5-byte header.
	ErrTooShort = errors.New("codecs: record shorter than the wire-format header")
	// ErrBadMagic means the first byte is not the Confluent magic byte.
	ErrBadMagic = errors.New("codecs: bad magic byte")
	// ErrUnknownSchema means the registry does not know the writer schema id.
	ErrUnknownSchema = errors.New("codecs: unknown schema id")
	// ErrCorrupt means the Avro body does not match its writer schema.
	ErrCorrupt = errors.New("codecs: corrupt avro body")
	// ErrSchemaMismatch means the writer schema cannot be resolved to the reader type.
	ErrSchemaMismatch = errors.New("codecs: writer schema does not resolve to reader type")
	// ErrType means a value of the wrong Go type was given to a codec.
	ErrType = errors.New("codecs: wrong value type")
)

// AppendHeader appends the wire-format header for schema id to dst.
func AppendHeader(dst []byte, id int) []byte {
	dst = append(dst, MagicByte)
	return binary.BigEndian.AppendUint32(dst, uint32(id))
}

// ParseHeader splits a wire-format record into its schema id and Avro body.
func ParseHeader(b []byte) (id int, body []byte, err error) {
	if len(b) < HeaderSize {
		return 0, nil, fmt.Errorf("%w: %d bytes", ErrTooShort, len(b))
	}
	if b[0] != MagicByte {
		return 0, nil, fmt.Errorf("%w: 0x%02x", ErrBadMagic, b[0])
	}
	return int(binary.BigEndian.Uint32(b[1:HeaderSize])), b[HeaderSize:], nil
}
