package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/lovoo/goka/storage"

	"github.com/tradestream/tradestream/topology/memstore"
)

// Where a processor group keeps its tables (its own and the ones it looks
// up), chosen per group by --storage (see docs/operations.md, "Memory
// storage", and the session 4 results in BENCHMARKS.md):
//
//   - leveldb: one LevelDB per table partition under the state directory.
//     A restart recovers only what the changelog got since the last run.
//   - memory: a map per partition (topology/memstore), rebuilt from the
//     whole changelog at every start; nothing is written to disk. For
//     small tables whose changelogs are compacted often.
//
// Views (what the HTTP API reads) always use LevelDB.
const (
	storageLevelDB = "leveldb"
	storageMemory  = "memory"
)

// defaultStorage is --storage's default: LevelDB, but the tracking
// group's table in memory. That table is written at every GPS ping (memory
// storage saves a LevelDB read, write and journal write each time: about
// 30 % of the group's CPU per ping, BENCHMARKS.md) and holds one small
// value per tradesperson en route; its changelog rolls a segment every
// topology.TrackingSegment, so the log cleaner keeps what a start reads
// to the live keys plus the last minutes of pings.
const defaultStorage = storageLevelDB + ",tracking=" + storageMemory

// storagePlan is a parsed --storage: a kind for every group, and
// exceptions by group name.
type storagePlan struct {
	all    string
	groups map[string]string
}

// parseStorage reads "<kind>[,<group>=<kind>...]", e.g. "memory" or
// "leveldb,tracking=memory". A kind first is the kind of every group but
// the exceptions after it; a spec of exceptions only changes those groups
// of the default plan; an empty spec is the default.
func parseStorage(spec string) (storagePlan, error) {
	if strings.TrimSpace(spec) == "" {
		spec = defaultStorage
	}
	p := storagePlan{all: storageLevelDB, groups: map[string]string{"tracking": storageMemory}}
	given := map[string]bool{}
	kind := func(k string) error {
		if k != storageLevelDB && k != storageMemory {
			return usageErr("--storage: unknown kind %q (have %s, %s)", k, storageLevelDB, storageMemory)
		}
		return nil
	}
	for i, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		group, k, isGroup := strings.Cut(part, "=")
		switch {
		case !isGroup && i == 0:
			if err := kind(part); err != nil {
				return p, err
			}
			p.all, p.groups = part, map[string]string{}
		case !isGroup:
			return p, usageErr("--storage: %q: the kind for every group comes first, exceptions as group=kind", part)
		default:
			group, k = strings.TrimSpace(group), strings.TrimSpace(k)
			if _, ok := groups[group]; !ok {
				return p, usageErr("--storage: unknown processor %q (have %s)", group, strings.Join(groupNames(), ", "))
			}
			if err := kind(k); err != nil {
				return p, err
			}
			if given[group] {
				return p, usageErr("--storage: %s given twice", group)
			}
			given[group] = true
			p.groups[group] = k
		}
	}
	return p, nil
}

// kind is group's storage kind.
func (p storagePlan) kind(group string) string {
	if k, ok := p.groups[group]; ok {
		return k
	}
	return p.all
}

// builder is group's storage builder; LevelDB partitions live under
// root/processors/<group>.
func (p storagePlan) builder(group, root string) storage.Builder {
	if p.kind(group) == storageMemory {
		return memstore.Builder()
	}
	// Each group its own directory: a group may look up another group's
	// table, and LevelDB allows one opener per directory.
	return markingBuilder(filepath.Join(root, "processors", group))
}

// String is the plan as --storage would give it, groups in name order.
func (p storagePlan) String() string {
	out := []string{p.all}
	for _, g := range groupNames() {
		if k, ok := p.groups[g]; ok {
			out = append(out, fmt.Sprintf("%s=%s", g, k))
		}
	}
	return strings.Join(out, ",")
}
