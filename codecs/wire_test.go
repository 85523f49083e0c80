package codecs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeaderIsMagicThenBigEndianID(t *testing.T) {
	h := AppendHeader(nil, 0x01020304)
	assert.Equal(t, []byte{0x00, 0x01, 0x02, 0x03, 0x04}, h)
	id, body, err := ParseHeader(append(h, 0xAA))
	require.NoError(t, err)
	assert.Equal(t, 0x01020304, id)
	assert.Equal(t, []byte{0xAA}, body)
}

func FuzzDecodeNeverPanics(f *testing.F) {
	reg := NewMemoryRegistry()
	c := newJobCodec(f, reg)
	good, _ := c.Encode(sampleJob())
	f.Add(good)
	f.Add([]byte{0, 0, 0, 0, 1, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = c.Decode(data)
	})
}
