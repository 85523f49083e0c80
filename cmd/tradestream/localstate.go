package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka/storage"
	"github.com/syndtr/goleveldb/leveldb"
	lverrors "github.com/syndtr/goleveldb/leveldb/errors"

	"github.com/tradestream/tradestream/topology"
)

// Local table state lives under the instance directory as goka's
// storage.DefaultBuilder lays it out: <root>/<topic>.<partition>, one LevelDB
// per table partition, where root is <dir>/views or <dir>/processors/<group>.
// Each keeps the offset of the last changelog record it holds.
//
// A cache can be AHEAD of its topic: the topic was deleted and recreated, or
// an unclean leader election truncated it. Goka then either refuses to start
// ("kafka tells us there's no message in the topic, but our cache has one") —
// and the instance crash-loops — or pretends the partition is recovered and
// serves the stale cache. repairLocalState finds those partitions before any
// processor or view opens them and wipes them, so goka rebuilds them from the
// changelog.

var (
	// errLocalState prefixes local state failures.
	errLocalState = errors.New("local state")
	// errCorrupted marks a LevelDB that cannot be opened: it is rebuilt too.
	errCorrupted = fmt.Errorf("%w: corrupted", errLocalState)
)

// repairLocalState checks every table partition stored under dir and wipes
// the ones that cannot be trusted, so that goka rebuilds them from the
// changelog: processor tables left open by a crash (see markingBuilder), and
// caches ahead of their topic (see cacheVerdict). Partitions of topics the cluster
// does not have are left alone. It must run before goka opens the storage.
func repairLocalState(cfg topology.Config, dir string, log *slog.Logger) error {
	parts, err := localPartitions(dir)
	if err != nil || len(parts) == 0 {
		return err
	}
	client, err := sarama.NewClient(cfg.Brokers, cfg.Sarama())
	if err != nil {
		return fmt.Errorf("%w: connecting to %v: %w", errLocalState, cfg.Brokers, cfg.Security.Explain(err))
	}
	defer client.Close()
	for _, p := range parts {
		attrs := []any{"topic", p.topic, "partition", p.partition, "path", p.path()}
		if p.leftOpen() {
			log.Warn("local table state was not closed cleanly (crash?) and may hold writes its changelog never got: wiping it to rebuild from the changelog", attrs...)
			if err := p.wipe(); err != nil {
				return err
			}
			continue
		}
		local, hasData, err := p.read()
		if errors.Is(err, errCorrupted) {
			log.Warn("local table state is corrupted: wiping it to rebuild from the changelog", append(attrs, "err", err)...)
			if err := p.wipe(); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		hwm, err := client.GetOffset(p.topic, p.partition, sarama.OffsetNewest)
		if errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
			log.Debug("local state of a topic the cluster does not have: left alone", attrs...)
			continue
		}
		if err != nil {
			return fmt.Errorf("%w: high-water mark of %s/%d: %w", errLocalState, p.topic, p.partition, err)
		}
		attrs = append(attrs, "local_offset", local, "high_water_mark", hwm)
		switch cacheVerdict(local, hasData, hwm) {
		case keep:
			continue
		case wipeAhead:
			log.Warn("local table state is ahead of its topic (deleted and recreated?): wiping it to rebuild from the changelog", attrs...)
		case wipeUnanchored:
			log.Info("local table state holds data but no offset: wiping it to rebuild from the changelog", attrs...)
		}
		if err := p.wipe(); err != nil {
			return err
		}
	}
	return nil
}

// verdict is what to do with one stored table partition.
type verdict int

const (
	keep verdict = iota
	// wipeAhead: the cache holds records the topic does not have.
	wipeAhead
	// wipeUnanchored: the cache holds data but no offset. Goka reloads such
	// a partition from the oldest offset anyway, but over the old keys, so
	// keys the topic no longer has would survive. It happens when the only
	// record a processor wrote is at offset 0 (goka never stores offset 0
	// after a table write) and after a crash during a first recovery (goka
	// stores recovery offsets every 30 s).
	wipeUnanchored
)

// cacheVerdict decides from a partition's stored offset (-1 when none),
// whether it holds any data, and the topic partition's high-water mark. The
// stored offset is that of the last record applied, so an intact topic always
// has hwm > stored.
func cacheVerdict(local int64, hasData bool, hwm int64) verdict {
	switch {
	case local >= 0 && local >= hwm:
		return wipeAhead
	case local < 0 && hasData:
		return wipeUnanchored
	}
	return keep
}

// localPartition is one table partition's storage on disk.
type localPartition struct {
	root      string // the builder's path, e.g. <dir>/views
	topic     string
	partition int32
}

func (p localPartition) path() string {
	return filepath.Join(p.root, fmt.Sprintf("%s.%d", p.topic, p.partition))
}

// read opens the storage as goka's DefaultBuilder does and reads its offset
// (-1 when none is stored) and whether it holds any key. A LevelDB that
// cannot be opened because it is corrupted yields errCorrupted.
func (p localPartition) read() (offset int64, hasData bool, err error) {
	db, err := leveldb.OpenFile(p.path(), nil)
	if lverrors.IsCorrupted(err) {
		return 0, false, fmt.Errorf("%w: opening %s: %w", errCorrupted, p.path(), err)
	}
	if err != nil {
		return 0, false, fmt.Errorf("%w: opening %s: %w", errLocalState, p.path(), err)
	}
	defer func() {
		if cerr := db.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("%w: closing %s: %w", errLocalState, p.path(), cerr)
		}
	}()
	st, err := storage.New(db)
	if err != nil {
		return 0, false, fmt.Errorf("%w: %s: %w", errLocalState, p.path(), err)
	}
	if offset, err = st.GetOffset(-1); err != nil {
		return 0, false, fmt.Errorf("%w: reading the offset of %s: %w", errLocalState, p.path(), err)
	}
	it := db.NewIterator(nil, nil)
	hasData = it.First()
	it.Release()
	if err := it.Error(); err != nil {
		return 0, false, fmt.Errorf("%w: reading %s: %w", errLocalState, p.path(), err)
	}
	return offset, hasData, nil
}

// wipe deletes the partition's storage and its open marker.
func (p localPartition) wipe() error {
	if err := os.RemoveAll(p.path()); err != nil {
		return fmt.Errorf("%w: wiping %s: %w", errLocalState, p.path(), err)
	}
	if err := os.Remove(openMarker(p.path())); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %w", errLocalState, err)
	}
	return nil
}

// leftOpen reports whether the storage was open when its process died.
func (p localPartition) leftOpen() bool {
	_, err := os.Stat(openMarker(p.path()))
	return err == nil
}

// localPartitions finds the LevelDB directories <topic>.<partition> at any
// depth under dir (e.g. <dir>/views/<topic>.<partition>, or
// <dir>/processors/<group>/<topic>.<partition>).
func localPartitions(dir string) ([]localPartition, error) {
	var out []localPartition
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || path == dir {
			return err
		}
		name := d.Name()
		i := strings.LastIndexByte(name, '.')
		if i < 1 {
			return nil
		}
		n, err := strconv.ParseInt(name[i+1:], 10, 32)
		if err != nil || n < 0 {
			return nil
		}
		if _, err := os.Stat(filepath.Join(path, "CURRENT")); err != nil {
			return nil // not a LevelDB
		}
		out = append(out, localPartition{root: filepath.Dir(path), topic: name[:i], partition: int32(n)})
		return filepath.SkipDir
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errLocalState, err)
	}
	return out, nil
}
