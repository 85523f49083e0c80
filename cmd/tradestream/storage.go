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

// defaultStorage is --storage's default.
const defaultStorage = storageLevelDB

// storagePlan is a parsed --storage: a kind for every group, and
// exceptions by group name.
type storagePlan struct {
	all    string
	groups map[string]string
}

// parseStorage reads "<kind>[,<group>=<kind>...]", e.g. "memory" or
// "leveldb,tracking=memory". A spec of exceptions only keeps the default
// kind for the other groups.
func parseStorage(spec string) (storagePlan, error) {
	p := storagePlan{all: defaultStorage, groups: map[string]string{}}
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
		case part == "" && i == 0 && !strings.Contains(spec, ","):
			continue // an empty spec is the default
		case !isGroup && i == 0:
			if err := kind(part); err != nil {
				return p, err
			}
			p.all = part
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
			if _, dup := p.groups[group]; dup {
				return p, usageErr("--storage: %s given twice", group)
			}
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
