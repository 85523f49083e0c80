// Package memstore is a goka storage kept in memory: a map per table
// partition, rebuilt from the table's changelog every time the partition is
// opened (nothing survives the process).
//
// It replaces goka's storage.NewMemory, which keeps a sorted key slice and
// re-sorts it on every new key (and scans it on every delete): quadratic
// while a large table recovers. Here writes are a map assignment; iterators
// sort a snapshot of the keys when they are created, which only views and
// `tradestream check` do.
//
// Per write it saves LevelDB's journal write and memtable insert, and per
// read its memtable search (BENCHMARKS.md, session 4 results); the price is the
// table in the heap and a full recovery from the changelog at every start.
package memstore

import (
	"bytes"
	"errors"
	"sort"
	"sync"

	"github.com/lovoo/goka/storage"
)

// Builder builds one Store per table partition.
func Builder() storage.Builder {
	return func(string, int32) (storage.Storage, error) { return New(), nil }
}

// Store is one table partition in memory. It is safe for concurrent
// readers and one writer, as goka requires.
type Store struct {
	mu        sync.RWMutex
	values    map[string][]byte
	offset    int64
	hasOffset bool
}

// New returns an empty Store without an offset.
func New() *Store { return &Store{values: make(map[string][]byte)} }

// errNilValue refuses a nil value: goka deletes with Delete.
var errNilValue = errors.New("memstore: nil value")

// Open does nothing: a Store is ready when built.
func (s *Store) Open() error { return nil }

// Close does nothing: the values go with the process.
func (s *Store) Close() error { return nil }

// Has reports whether key holds a value.
func (s *Store) Has(key string) (bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.values[key]
	return ok, nil
}

// Get returns key's value, or nil. The caller must not modify it.
func (s *Store) Get(key string) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.values[key], nil
}

// Set stores a copy of value under key (goka may hand over a slice of a
// fetched batch, which a reference would keep alive whole).
func (s *Store) Set(key string, value []byte) error {
	if value == nil {
		return errNilValue
	}
	v := bytes.Clone(value)
	s.mu.Lock()
	s.values[key] = v
	s.mu.Unlock()
	return nil
}

// Delete removes key.
func (s *Store) Delete(key string) error {
	s.mu.Lock()
	delete(s.values, key)
	s.mu.Unlock()
	return nil
}

// GetOffset returns the offset set last, or def if none was.
func (s *Store) GetOffset(def int64) (int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.hasOffset {
		return def, nil
	}
	return s.offset, nil
}

// SetOffset records the offset of the last changelog record applied.
func (s *Store) SetOffset(offset int64) error {
	s.mu.Lock()
	s.offset, s.hasOffset = offset, true
	s.mu.Unlock()
	return nil
}

// MarkRecovered does nothing: a Store has one mode.
func (s *Store) MarkRecovered() error { return nil }

// Iterator iterates over a snapshot of every pair in key order.
func (s *Store) Iterator() (storage.Iterator, error) { return s.snapshot(nil, nil), nil }

// IteratorWithRange iterates over a snapshot of the pairs with keys in
// [start, limit), in key order. As goka's LevelDB storage does, an empty
// limit means every key starting with start.
func (s *Store) IteratorWithRange(start, limit []byte) (storage.Iterator, error) {
	if len(limit) == 0 {
		limit = prefixEnd(start)
	}
	return s.snapshot(start, limit), nil
}

// snapshot copies the pairs in [start, limit) (nil: unbounded) in order.
func (s *Store) snapshot(start, limit []byte) *iterator {
	s.mu.RLock()
	it := &iterator{pos: -1}
	for k, v := range s.values {
		if inRange(k, start, limit) {
			it.pairs = append(it.pairs, pair{k, v})
		}
	}
	s.mu.RUnlock()
	sort.Slice(it.pairs, func(i, j int) bool { return it.pairs[i].key < it.pairs[j].key })
	return it
}

// inRange reports whether start ≤ k < limit (nil bounds are open).
func inRange(k string, start, limit []byte) bool {
	return (start == nil || k >= string(start)) && (limit == nil || k < string(limit))
}

// prefixEnd is the smallest key above every key starting with prefix, or
// nil when there is none (an empty prefix or one of 0xff bytes only).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

type pair struct {
	key   string
	value []byte
}

// iterator walks a sorted snapshot; it starts before the first pair.
type iterator struct {
	pairs []pair
	pos   int
}

func (i *iterator) Next() bool {
	if i.pos < len(i.pairs) {
		i.pos++
	}
	return i.pos < len(i.pairs)
}

func (i *iterator) valid() bool { return i.pos >= 0 && i.pos < len(i.pairs) }

func (i *iterator) Err() error { return nil }

func (i *iterator) Key() []byte {
	if !i.valid() {
		return nil
	}
	return []byte(i.pairs[i.pos].key)
}

func (i *iterator) Value() ([]byte, error) {
	if !i.valid() {
		return nil, nil
	}
	return i.pairs[i.pos].value, nil
}

func (i *iterator) Release() { i.pos = len(i.pairs) }

// Seek moves to the first pair whose key is ≥ key, as LevelDB's iterator
// does, and reports whether there is one.
func (i *iterator) Seek(key []byte) bool {
	i.pos = sort.Search(len(i.pairs), func(j int) bool { return i.pairs[j].key >= string(key) })
	return i.pos < len(i.pairs)
}
