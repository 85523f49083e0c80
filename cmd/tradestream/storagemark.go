package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

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

// markedStorage removes its marker once closed cleanly.
type markedStorage struct {
	storage.Storage
	marker string
}

func (m *markedStorage) Close() error {
	if err := m.Storage.Close(); err != nil {
		return err // the marker stays: the next start rebuilds
	}
	if err := os.Remove(m.marker); err != nil {
		return fmt.Errorf("%w: %w", errLocalState, err)
	}
	return nil
}
