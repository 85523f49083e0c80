package codecs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"reflect"

	"github.com/lovoo/goka"
)

// ErrCacheMismatch is Verify's error for a remembered value that no longer
// encodes to the bytes it is remembered under, or that differs from what
// those bytes decode to: a value modified after it was shared, or one a
// decode would not give back.
var ErrCacheMismatch = errors.New("codecs: cached value does not match its bytes")

// Cached is a goka.Codec that remembers decoded values by the exact bytes
// they stand for, so that a value is not decoded again: a large,
// read-mostly table value (a matching cell) is decoded once per change
// instead of once per read; with PrimeOnEncode, a group's own state, which
// the group reads back on the next record of its key as the bytes it has
// just written, is not decoded at all.
//
//   - Hit: Decode of bytes equal (hash, then bytes.Equal) to remembered
//     ones returns the remembered value itself, with no decoding.
//   - Miss: Decode decodes with the wrapped codec (whatever the writer
//     schema: resolution happens as without the cache), and remembers the
//     result unless the cache primes; an error is returned as it is.
//   - Prime: with PrimeOnEncode, Encode remembers the value it encoded under
//     the bytes it encoded to, until the first Decode of those bytes takes
//     it out: the next read of its key (and one written again is primed
//     again). The cache then holds the values written and not yet read, one
//     per key at most, not every version. The bytes written are the
//     wrapped codec's, and the cache keeps that very slice (no copy): its
//     callers must not modify it (goka stores and produces it as it is).
//     Were it modified, its hash, taken when it was remembered, would no
//     longer find it: a miss, not a wrong value (short of a 64-bit hash
//     collision with the new bytes).
//   - Eviction: size entries at most, in shards chosen by the bytes' hash,
//     each a clock: a new entry takes a free slot, or else the first slot
//     the hand finds without credit; the passing hand takes one credit
//     away. A read gives an entry one credit (the clock's second chance); a
//     primed entry gets three, so that a value nobody reads any more goes
//     after three turns of the hand.
//
// Values are shared by every reader of the same bytes and by the writer of
// a primed value: nobody may modify a value the codec returned, nor one
// after passing it to Encode. Verify checks that in tests. Cached is safe
// for concurrent use (goka runs each partition in its own goroutine).
type Cached struct {
	codec  goka.Codec
	seed   maphash.Seed
	prime  func(any) bool // nil: Encode does not prime
	shards []cacheShard
	shift  uint // the shard of a hash is its top bits: sum >> shift
}

// CacheOption configures a Cached.
type CacheOption func(*Cached)

// PrimeOnEncode makes Encode remember each *T it encodes: for a group's
// own table, whose next read of a key is, almost always, the bytes the
// group wrote last for it. Values of other types are encoded as usual and
// not remembered.
func PrimeOnEncode[T any]() CacheOption {
	return func(c *Cached) {
		c.prime = func(v any) bool {
			p, ok := v.(*T)
			return ok && p != nil
		}
	}
}

// Shard sizing: a cache of size entries is split into up to maxCacheShards
// shards of at least minShardSlots entries, so that partitions decoding at
// once rarely wait for the same lock, and a small cache stays one clock.
const (
	maxCacheShards = 16
	minShardSlots  = 512
)

// NewCached caches up to size values (at least one) of codec.
func NewCached(codec goka.Codec, size int, opts ...CacheOption) *Cached {
	n := 1
	for n < maxCacheShards && size/(2*n) >= minShardSlots {
		n *= 2
	}
	return newCached(codec, size, n, opts...)
}

// newCached is NewCached with n shards (a power of two).
func newCached(codec goka.Codec, size, n int, opts ...CacheOption) *Cached {
	per := max(1, (size+n-1)/n)
	c := &Cached{codec: codec, seed: maphash.MakeSeed(), shards: make([]cacheShard, n), shift: 64}
	for m := n; m > 1; m >>= 1 {
		c.shift--
	}
	for i := range c.shards {
		c.shards[i].index = make(map[uint64]int32, per)
		c.shards[i].slots = make([]cacheSlot, 0, per)
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Encode implements goka.Codec: the wrapped codec's bytes, the value
// remembered under them when the codec primes.
func (c *Cached) Encode(v any) ([]byte, error) {
	data, err := c.codec.Encode(v)
	if err != nil || c.prime == nil || !c.prime(v) {
		return data, err
	}
	sum := maphash.Bytes(c.seed, data)
	c.shard(sum).put(sum, data, v, true)
	return data, nil
}

// Decode implements goka.Codec: the remembered value of data, or the
// wrapped codec's decoding of it, remembered (a copy of data as the key)
// unless the cache primes.
func (c *Cached) Decode(data []byte) (any, error) {
	sum := maphash.Bytes(c.seed, data)
	s := c.shard(sum)
	if v, ok := s.get(sum, data); ok {
		return v, nil
	}
	v, err := c.codec.Decode(data)
	if err != nil || c.prime != nil {
		return v, err
	}
	s.put(sum, data, v, false)
	return v, nil
}

func (c *Cached) shard(sum uint64) *cacheShard {
	if c.shift == 64 {
		return &c.shards[0]
	}
	return &c.shards[sum>>c.shift]
}

// CacheStats counts what a Cached did since it was made.
type CacheStats struct {
	// Hits are the decodes answered from the cache.
	Hits int64
	// Misses are the decodes that decoded.
	Misses int64
	// Primes are the values Encode remembered.
	Primes int64
	// Evictions are the entries dropped to make room.
	Evictions int64
	// Len is the number of values held now.
	Len int
}

// Stats returns the counters of every shard, summed.
func (c *Cached) Stats() CacheStats {
	var out CacheStats
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		out.Hits += s.stats.Hits
		out.Misses += s.stats.Misses
		out.Primes += s.stats.Primes
		out.Evictions += s.stats.Evictions
		out.Len += len(s.slots) - len(s.free)
		s.mu.Unlock()
	}
	return out
}

// Verify checks every remembered value against the bytes it is remembered
// under: the wrapped codec must decode the bytes to a value deeply equal to
// it (a value modified after it was shared is not; and a hit must give what
// a miss would), and must encode a primed value to exactly those bytes. It
// returns the first mismatch, wrapping ErrCacheMismatch. For tests: it
// decodes every entry (a NaN never equals itself: a value holding one fails).
func (c *Cached) Verify() error {
	type entry struct {
		raw    []byte
		value  any
		primed bool
	}
	var entries []entry
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for _, e := range s.slots {
			if !e.live {
				continue
			}
			entries = append(entries, entry{append([]byte(nil), e.raw...), e.value, e.primed})
		}
		s.mu.Unlock()
	}
	for _, e := range entries {
		want, err := c.codec.Decode(e.raw)
		if err != nil {
			return fmt.Errorf("%w: decoding the bytes of a %T: %v", ErrCacheMismatch, e.value, err)
		}
		if !reflect.DeepEqual(want, e.value) {
			return fmt.Errorf("%w: a cached %T differs from what its bytes decode to (modified after it was shared, "+
				"or not what a decode gives back): cached %s, decoded %s", ErrCacheMismatch, e.value, show(e.value), show(want))
		}
		if !e.primed {
			continue
		}
		got, err := c.codec.Encode(e.value)
		if err != nil {
			return fmt.Errorf("%w: encoding %T: %v", ErrCacheMismatch, e.value, err)
		}
		if !bytes.Equal(got, e.raw) {
			return fmt.Errorf("%w: a %T now encodes to other bytes than it is cached under: %s", ErrCacheMismatch, e.value, show(e.value))
		}
	}
	return nil
}

// show renders a value with what its pointers point to, for Verify's errors.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}
