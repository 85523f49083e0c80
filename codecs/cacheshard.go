package codecs

import (
	"bytes"
	"sync"
)

// cacheShard is one clock of a Cached: slots filled in order up to their
// capacity, then reused where the hand finds one unread since it last
// passed.
type cacheShard struct {
	mu    sync.Mutex
	index map[uint64]int32 // hash of the bytes → slot
	slots []cacheSlot      // len grows to cap, then slots are reused
	hand  int
	stats CacheStats // Hits, Misses, Primes, Evictions
	_     [64]byte   // keeps the next shard's lock off this one's cache line
}

type cacheSlot struct {
	sum   uint64
	raw   []byte // a copy of the bytes, owned by the slot
	value any
	// credit is how many more times the hand passes the slot before it
	// evicts it: readCredit after a read, primeCredit after Encode put it.
	credit uint8
	// primed says that Encode put the value, so that it encodes to raw
	// (a decoded one may come from another writer schema).
	primed bool
}

// get returns the value remembered under data (whose hash is sum).
func (s *cacheShard) get(sum uint64, data []byte) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[sum]
	if !ok || !bytes.Equal(s.slots[i].raw, data) {
		s.stats.Misses++
		return nil, false
	}
	s.slots[i].credit = readCredit
	s.stats.Hits++
	return s.slots[i].value, true
}

// put remembers v under a copy of data (whose hash is sum). An entry of
// the same hash is replaced in place (the same bytes, or a collision).
// primed says that Encode remembers it (counted in Primes).
func (s *cacheShard) put(sum uint64, data []byte, v any, primed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if primed {
		s.stats.Primes++
	}
	i, ok := s.index[sum]
	switch {
	case ok && bytes.Equal(s.slots[i].raw, data):
		s.slots[i].value, s.slots[i].primed = v, primed
		if primed {
			s.slots[i].credit = primeCredit
		}
		return
	case ok:
	case len(s.slots) < cap(s.slots):
		s.slots = append(s.slots, cacheSlot{})
		i = int32(len(s.slots) - 1)
	default:
		i = s.victim()
		delete(s.index, s.slots[i].sum)
		s.stats.Evictions++
	}
	e := &s.slots[i]
	e.sum, e.raw, e.value, e.primed = sum, append(e.raw[:0], data...), v, primed
	e.credit = 0
	if primed {
		e.credit = primeCredit
	}
	s.index[sum] = i
}

// Credits: a slot read since the hand last passed is spared once (the
// clock's second chance); a value Encode put, which its key's next record
// reads back, is spared until read or passed three times, so that the
// states already read (and superseded by their key's next write) go first.
const (
	readCredit  = 1
	primeCredit = 3
)

// victim moves the hand past the slots with credit left, taking one from
// each, and returns the first slot without: the hand goes round at most
// primeCredit+1 times.
func (s *cacheShard) victim() int32 {
	for {
		i := s.hand
		s.hand = (s.hand + 1) % len(s.slots)
		if s.slots[i].credit == 0 {
			return int32(i)
		}
		s.slots[i].credit--
	}
}
