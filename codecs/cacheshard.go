package codecs

import (
	"bytes"
	"sync"
)

// cacheShard is one clock of a Cached: slots filled in order up to their
// capacity, then reused when freed (a primed value read back) or where the
// hand finds one without credit left.
type cacheShard struct {
	mu    sync.Mutex
	index map[uint64]int32 // hash of the bytes → slot
	slots []cacheSlot      // len grows to cap, then slots are reused
	free  []int32          // empty slots
	hand  int
	stats CacheStats // Hits, Misses, Primes, Evictions
	_     [64]byte   // keeps the next shard's lock off this one's cache line
}

type cacheSlot struct {
	sum   uint64
	raw   []byte // the bytes; never written to
	value any
	// credit is how many more times the hand passes the slot before it
	// evicts it: readCredit after a read, primeCredit after Encode put it.
	credit uint8
	// primed says that Encode put the value: it encodes to raw, and its
	// first read takes it out of the cache.
	primed bool
	live   bool // false: the slot is in free
}

// Credits: a slot read since the hand last passed is spared once (the
// clock's second chance); a value Encode put, which its key's next record
// reads back, is spared until read (which frees its slot) or passed three
// times, so that values nobody reads any more (a tradesperson who stopped
// pinging) go first.
const (
	readCredit  = 1
	primeCredit = 3
)

// get returns the value remembered under data (whose hash is sum). A
// primed value is returned once: its slot is freed.
func (s *cacheShard) get(sum uint64, data []byte) (any, bool) {
	s.mu.Lock()
	i, ok := s.index[sum]
	if !ok || !bytes.Equal(s.slots[i].raw, data) {
		s.stats.Misses++
		s.mu.Unlock()
		return nil, false
	}
	s.stats.Hits++
	e := &s.slots[i]
	v := e.value
	if e.primed {
		delete(s.index, sum)
		*e = cacheSlot{}
		s.free = append(s.free, i)
	} else {
		e.credit = readCredit
	}
	s.mu.Unlock()
	return v, true
}

// put remembers v under data (whose hash is sum): data itself when Encode
// primes (the codec's fresh output, which nobody modifies), else a copy (a
// decoded slice may belong to a fetched batch, which it would keep alive
// whole). An entry of the same hash is replaced in place (the same bytes,
// or a collision).
func (s *cacheShard) put(sum uint64, data []byte, v any, primed bool) {
	raw := data
	if !primed {
		raw = bytes.Clone(data)
	}
	s.mu.Lock()
	if primed {
		s.stats.Primes++
	}
	i, ok := s.index[sum]
	switch {
	case ok:
	case len(s.free) > 0:
		i = s.free[len(s.free)-1]
		s.free = s.free[:len(s.free)-1]
	case len(s.slots) < cap(s.slots):
		s.slots = append(s.slots, cacheSlot{})
		i = int32(len(s.slots) - 1)
	default:
		i = s.victim()
		delete(s.index, s.slots[i].sum)
		s.stats.Evictions++
	}
	credit := uint8(0)
	if primed {
		credit = primeCredit
	}
	s.slots[i] = cacheSlot{sum: sum, raw: raw, value: v, credit: credit, primed: primed, live: true}
	s.index[sum] = i
	s.mu.Unlock()
}

// victim moves the hand past the slots with credit left, taking one from
// each, and returns the first slot without. It is called when no slot is
// free, so every slot is live, and the hand goes round at most
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
