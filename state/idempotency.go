package state

import (
	"container/list"
	"sync"
	"time"
)

// idempotencyCache remembers the answer to each Idempotency-Key for ttl, so
// that a retry answers like the first request without a second command. It
// is per instance; across instances the ingest processor drops the repeat.
type idempotencyCache struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	items map[string]*list.Element
	order *list.List // oldest first
}

type idemEntry struct {
	key  string
	resp accepted
	at   time.Time
}

func newIdempotencyCache(ttl time.Duration, max int) *idempotencyCache {
	return &idempotencyCache{ttl: ttl, max: max, items: map[string]*list.Element{}, order: list.New()}
}

func (c *idempotencyCache) get(tenant, key string) (accepted, bool) {
	if key == "" {
		return accepted{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[tenant+"\x00"+key]
	if !ok || time.Since(e.Value.(*idemEntry).at) > c.ttl {
		return accepted{}, false
	}
	return e.Value.(*idemEntry).resp, true
}

func (c *idempotencyCache) put(tenant, key string, resp accepted) {
	if key == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := tenant + "\x00" + key
	if _, ok := c.items[k]; ok {
		return
	}
	c.items[k] = c.order.PushBack(&idemEntry{key: k, resp: resp, at: time.Now()})
	for c.order.Len() > c.max {
		oldest := c.order.Front()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(*idemEntry).key)
	}
}
