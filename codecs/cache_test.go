package codecs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type countingCodec struct{ decodes int }

func (c *countingCodec) Encode(v any) ([]byte, error) { return []byte(v.(string)), nil }
func (c *countingCodec) Decode(b []byte) (any, error) {
	c.decodes++
	s := string(b)
	return &s, nil
}

func TestCachedDecodesEachDistinctRecordOnce(t *testing.T) {
	inner := &countingCodec{}
	c := NewCached(inner, 2)
	a1, err := c.Decode([]byte("a"))
	require.NoError(t, err)
	a2, _ := c.Decode([]byte("a"))
	assert.Same(t, a1, a2)
	assert.Equal(t, 1, inner.decodes)
	_, _ = c.Decode([]byte("b"))
	_, _ = c.Decode([]byte("c")) // evicts a
	_, _ = c.Decode([]byte("a"))
	assert.Equal(t, 4, inner.decodes)
	v, _ := c.Decode([]byte("c"))
	assert.Equal(t, "c", *v.(*string))
	assert.Equal(t, 4, inner.decodes)
}
