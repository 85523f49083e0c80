package codecs

import (
	"bytes"
	"container/list"
	"hash/maphash"
	"sync"

	"github.com/lovoo/goka"
)

// Cached is a goka.Codec that remembers the decoded form of the last few
// distinct records it decoded, so that a large, read-mostly table value (a
// matching cell) is decoded once per change instead of once per read. A hit
// costs a hash and a comparison of the bytes. Decoded values are shared
// between readers: callers must treat them as immutable.
type Cached struct {
	codec goka.Codec
	size  int
	seed  maphash.Seed

	mu    sync.Mutex
	items map[uint64]*list.Element
	order *list.List // most recent first
}

type cachedItem struct {
	sum   uint64
	raw   []byte
	value any
}

// NewCached caches up to size decoded records of codec.
func NewCached(codec goka.Codec, size int) *Cached {
	return &Cached{codec: codec, size: size, seed: maphash.MakeSeed(), items: map[uint64]*list.Element{}, order: list.New()}
}

// Encode implements goka.Codec.
func (c *Cached) Encode(v any) ([]byte, error) { return c.codec.Encode(v) }

// Decode implements goka.Codec.
func (c *Cached) Decode(data []byte) (any, error) {
	sum := maphash.Bytes(c.seed, data)
	c.mu.Lock()
	if e, ok := c.items[sum]; ok && bytes.Equal(e.Value.(*cachedItem).raw, data) {
		c.order.MoveToFront(e)
		v := e.Value.(*cachedItem).value
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()
	v, err := c.codec.Decode(data)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[sum]; ok {
		c.order.Remove(e)
	}
	c.items[sum] = c.order.PushFront(&cachedItem{sum: sum, raw: append([]byte(nil), data...), value: v})
	for c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cachedItem).sum)
	}
	return v, nil
}
