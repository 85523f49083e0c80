package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/lovoo/goka/storage"
)

// Goka writes a processor's table value to local storage first and to the
// changelog after, and stores the changelog offset when Kafka acknowledged
// the write. A process killed in between leaves a local value the changelog
// never got. If the same instance gets the partition back, goka recovers
// from the stored offset, keeps that value, and the redelivered input
// command finds it already applied: the write never reaches the changelog,
// so every view misses it, and so does the next owner of the partition.
//
// markingBuilder makes such partitions recognisable: while a processor
// storage is open, a marker file sits next to it; goka closes a partition's
// storage only after its in-flight messages were acknowledged and committed,
// and the marker goes with a clean close. A marker found at start-up means
// the process died with the storage open: repairLocalState wipes it.
// Views need no marker: they only ever hold what the changelog has.

// openMarker is the marker of the LevelDB at path.
func openMarker(path string) string { return path + ".open" }

// markingBuilder is storage.DefaultBuilder(root) with open markers.
func markingBuilder(root string) storage.Builder {
	build := storage.DefaultBuilder(root)
	return func(topic string, partition int32) (storage.Storage, error) {
		marker := openMarker(filepath.Join(root, fmt.Sprintf("%s.%d", topic, partition)))
		if err := os.MkdirAll(root, 0o755); err != nil {
			return nil, fmt.Errorf("%w: %w", errLocalState, err)
		}
		if err := os.WriteFile(marker, nil, 0o644); err != nil {
			return nil, fmt.Errorf("%w: %w", errLocalState, err)
		}
		st, err := build(topic, partition)
		if err != nil {
			return nil, errors.Join(err, os.Remove(marker))
		}
		return &markedStorage{Storage: st, marker: marker}, nil
	}
}

// offsetEvery is how often a marked storage writes its offset to LevelDB.
//
// Goka stores a table partition's offset after every acknowledged table
// write: one more LevelDB put, journal write included, per record (8 % of
// the tracking group's CPU, BENCHMARKS.md "Where the time goes"). A marked
// storage keeps the latest offset in memory and writes it at most this
// often, and always before it closes. Nothing is lost by the wait: a
// storage that was not closed cleanly is wiped at the next start whatever
// its offset (repairLocalState), and a clean close writes the last one.
const offsetEvery = time.Second

// markedStorage removes its marker once closed cleanly, and writes its
// offset lazily (see offsetEvery).
type markedStorage struct {
	storage.Storage
	marker string

	mu      sync.Mutex
	offset  int64 // the latest offset set; valid when hasOff
	hasOff  bool
	pending bool      // offset is newer than the stored one
	written time.Time // when the offset was last stored
}

// SetOffset keeps offset, and stores it when the last store is
// offsetEvery old.
func (m *markedStorage) SetOffset(offset int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.offset, m.hasOff = offset, true
	if now := time.Now(); now.Sub(m.written) >= offsetEvery {
		m.written, m.pending = now, false
		return m.Storage.SetOffset(offset)
	}
	m.pending = true
	return nil
}

// GetOffset is the latest offset set, stored or not.
func (m *markedStorage) GetOffset(def int64) (int64, error) {
	m.mu.Lock()
	if m.hasOff {
		defer m.mu.Unlock()
		return m.offset, nil
	}
	m.mu.Unlock()
	return m.Storage.GetOffset(def)
}

// flushOffset stores an offset kept in memory only.
func (m *markedStorage) flushOffset() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.pending {
		return nil
	}
	m.pending, m.written = false, time.Now()
	return m.Storage.SetOffset(m.offset)
}

// MarkRecovered stores the offset recovery reached, then switches modes.
func (m *markedStorage) MarkRecovered() error {
	if err := m.flushOffset(); err != nil {
		return err
	}
	return m.Storage.MarkRecovered()
}

func (m *markedStorage) Close() error {
	if err := m.flushOffset(); err != nil {
		return errors.Join(err, m.Storage.Close()) // the marker stays: the next start rebuilds
	}
	if err := m.Storage.Close(); err != nil {
		return err // the marker stays: the next start rebuilds
	}
	if err := os.Remove(m.marker); err != nil {
		return fmt.Errorf("%w: %w", errLocalState, err)
	}
	return nil
}
