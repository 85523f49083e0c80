package codecs

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The Avro binary encoding of the primitives (Avro 1.11 specification,
// "Binary Encoding"): int and long are zig-zag varints, float and double
// little-endian IEEE 754, bytes and string a long length then the bytes,
// boolean one byte.

func appendLong(dst []byte, n int64) []byte {
	return binary.AppendUvarint(dst, uint64((n<<1)^(n>>63)))
}

func appendBytes(dst []byte, b []byte) []byte {
	return append(appendLong(dst, int64(len(b))), b...)
}

func appendString(dst []byte, s string) []byte {
	return append(appendLong(dst, int64(len(s))), s...)
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, 1)
	}
	return append(dst, 0)
}

func appendFloat(dst []byte, f float32) []byte {
	return binary.LittleEndian.AppendUint32(dst, math.Float32bits(f))
}

func appendDouble(dst []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
}

// reader reads Avro binary from b. Every method fails with ErrCorrupt on
// bytes that cannot be what the schema says, never panics, and never
// allocates more than the remaining bytes could hold.
type reader struct {
	b []byte
	i int
}

func (r *reader) left() int { return len(r.b) - r.i }

func (r *reader) long() (int64, error) {
	var u uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if r.i >= len(r.b) {
			return 0, fmt.Errorf("%w: truncated varint", ErrCorrupt)
		}
		c := r.b[r.i]
		r.i++
		u |= uint64(c&0x7f) << shift
		if c < 0x80 {
			if shift == 63 && c > 1 {
				break
			}
			return int64(u>>1) ^ -int64(u&1), nil
		}
	}
	return 0, fmt.Errorf("%w: varint longer than 64 bits", ErrCorrupt)
}

func (r *reader) int() (int32, error) {
	n, err := r.long()
	if err != nil {
		return 0, err
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, fmt.Errorf("%w: int %d out of range", ErrCorrupt, n)
	}
	return int32(n), nil
}

// bytes returns the next length-prefixed bytes, aliasing the input.
func (r *reader) bytes() ([]byte, error) {
	n, err := r.long()
	if err != nil {
		return nil, err
	}
	if n < 0 || n > int64(r.left()) {
		return nil, fmt.Errorf("%w: length %d with %d bytes left", ErrCorrupt, n, r.left())
	}
	b := r.b[r.i : r.i+int(n)]
	r.i += int(n)
	return b, nil
}

func (r *reader) fixed(n int) ([]byte, error) {
	if n > r.left() {
		return nil, fmt.Errorf("%w: %d bytes wanted, %d left", ErrCorrupt, n, r.left())
	}
	b := r.b[r.i : r.i+n]
	r.i += n
	return b, nil
}

func (r *reader) boolean() (bool, error) {
	b, err := r.fixed(1)
	if err != nil {
		return false, err
	}
	switch b[0] {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, fmt.Errorf("%w: boolean byte 0x%02x", ErrCorrupt, b[0])
}

func (r *reader) float() (float32, error) {
	b, err := r.fixed(4)
	if err != nil {
		return 0, err
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(b)), nil
}

func (r *reader) double() (float64, error) {
	b, err := r.fixed(8)
	if err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
}

// blockCount reads the item count of the next block of an array or map
// (0 ends it); a negative count is followed by the block's size in bytes.
// A count larger than the bytes left is refused when each item takes at
// least one byte.
func (r *reader) blockCount(itemsTakeBytes bool) (int, error) {
	n, err := r.long()
	if err != nil {
		return 0, err
	}
	if n < 0 {
		if n == math.MinInt64 {
			return 0, fmt.Errorf("%w: block count %d", ErrCorrupt, n)
		}
		n = -n
		if _, err := r.long(); err != nil { // the block's size in bytes
			return 0, err
		}
	}
	limit := int64(r.left())
	if !itemsTakeBytes {
		limit = maxEmptyItems
	}
	if n > limit {
		return 0, fmt.Errorf("%w: block of %d items with %d bytes left", ErrCorrupt, n, r.left())
	}
	return int(n), nil
}

// maxEmptyItems bounds arrays and maps of values that take no bytes (null,
// an empty record), which the bytes left cannot bound.
const maxEmptyItems = 1 << 16

// takesBytes reports whether every value of n takes at least one byte.
func takesBytes(n *node, seen map[*node]bool) bool {
	if seen[n] {
		return true
	}
	seen[n] = true
	switch n.kind {
	case "null":
		return false
	case "fixed":
		return n.size > 0
	case "record":
		for _, f := range n.fields {
			if takesBytes(f.typ, seen) {
				return true
			}
		}
		return false
	}
	return true
}
