package goka

// tradestream patch: side keys. See PATCHES.md (patch 6).

import (
	"fmt"
	"sort"
	"strings"
)

// SideKeySeparator separates a side key's primary key from its suffix.
const SideKeySeparator = "\x00"

// SideKey is the side key suffix of key: key, SideKeySeparator, suffix.
func SideKey(key, suffix string) string { return key + SideKeySeparator + suffix }

// SideKeys is implemented by the Context a processor with a group table
// passes to its callbacks. A callback may read and write its own key's side
// keys besides the key itself: entries of the group table that belong to
// the current key, such as one per id a key has seen, so that the key's
// own value stays small however many there are.
//
// A side key lives in its key's partition only if the producer puts it
// there: the processor's producer (WithProducerBuilder) must partition the
// table's keys by their part before the first SideKeySeparator; a view's
// Get finds only keys without one. Writes and deletes are sent to the
// table's topic like SetValue's and Delete's, and are coalesced the same
// way (WithCoalescedTableWrites).
type SideKeys interface {
	// SideValue returns the value of the current key's side key suffix,
	// nil if there is none.
	SideValue(suffix string) any
	// SetSideValue sets the value of the current key's side key suffix.
	SetSideValue(suffix string, value any, options ...ContextOption)
	// DeleteSideValues deletes the current key's side keys whose suffix
	// starts with prefix and returns how many it deleted.
	DeleteSideValues(prefix string, options ...ContextOption) int
}

var _ SideKeys = (*cbContext)(nil)

func (ctx *cbContext) SideValue(suffix string) any {
	val, err := ctx.valueForKey(SideKey(ctx.Key(), suffix))
	if err != nil {
		ctx.Fail(err)
	}
	return val
}

func (ctx *cbContext) SetSideValue(suffix string, value any, options ...ContextOption) {
	opts := ctxOptionsOf(options)
	if err := ctx.setValueForKey(SideKey(ctx.Key(), suffix), value, opts.emitHeaders); err != nil {
		ctx.Fail(err)
	}
}

func (ctx *cbContext) DeleteSideValues(prefix string, options ...ContextOption) int {
	opts := ctxOptionsOf(options)
	keys, err := ctx.sideKeys(SideKey(ctx.Key(), prefix))
	if err != nil {
		ctx.Fail(err)
	}
	for _, key := range keys {
		if err := ctx.deleteKey(key, opts.emitHeaders); err != nil {
			ctx.Fail(err)
		}
	}
	return len(keys)
}

// sideKeys returns the keys of the table starting with prefix, sorted:
// those in the partition's storage and those written since the last flush
// of coalesced writes, without those deleted since.
func (ctx *cbContext) sideKeys(prefix string) ([]string, error) {
	if ctx.table == nil {
		return nil, fmt.Errorf("Cannot access state in stateless processor")
	}
	start := []byte(prefix)
	it, err := ctx.table.IteratorWithRange(start, prefixLimit(start))
	if err != nil {
		return nil, fmt.Errorf("error iterating keys with prefix %q: %v", prefix, err)
	}
	defer it.Release()
	found := make(map[string]bool)
	for it.Next() {
		// The limit is inclusive in some storages: check the prefix.
		if key := string(it.Key()); strings.HasPrefix(key, prefix) {
			found[key] = true
		}
	}
	if ctx.writes != nil {
		for key, w := range ctx.writes.writes {
			if strings.HasPrefix(key, prefix) {
				found[key] = w.value != nil
			}
		}
	}
	keys := make([]string, 0, len(found))
	for key, present := range found {
		if present {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	return keys, nil
}

// prefixLimit is the smallest key greater than every key starting with
// prefix (nil: no limit).
func prefixLimit(prefix []byte) []byte {
	limit := append([]byte(nil), prefix...)
	for i := len(limit) - 1; i >= 0; i-- {
		if limit[i] < 0xff {
			limit[i]++
			return limit[:i+1]
		}
	}
	return nil
}
