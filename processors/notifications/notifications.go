// Package notifications is the processor group that keeps each recipient's
// newest notifications (at most Keep), keyed "<tenant>/tradesperson:<id>" or
// "<tenant>/customer:<id>". A notification id seen before is not added again.
package notifications

import (
	"slices"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// Keep is how many notifications a recipient's list holds.
const Keep = 100

// Define returns the notifications group graph.
func Define(cat *topology.Catalog) *goka.GroupGraph {
	p := &processor{cat: cat}
	return topology.DefineGroup(cat, cat.NotificationLists, cat.Notifications.Input(p.handle))
}

type processor struct{ cat *topology.Catalog }

func (p *processor) handle(ctx goka.Context, n *codecs.Notification) {
	var cur codecs.Notifications
	if v := p.cat.NotificationLists.Get(ctx); v != nil {
		cur = *v
	}
	if next, changed := Add(cur, n); changed {
		p.cat.NotificationLists.Set(ctx, &next)
	}
}

// Add puts n in the list, newest first, unless its id is already there.
func Add(list codecs.Notifications, n *codecs.Notification) (codecs.Notifications, bool) {
	if slices.ContainsFunc(list.Items, func(x codecs.Notification) bool { return x.ID == n.ID }) {
		return list, false
	}
	items := make([]codecs.Notification, 0, min(len(list.Items)+1, Keep))
	items = append(append(items, *n), list.Items[:min(len(list.Items), Keep-1)]...)
	// Keep newest first even when notifications arrive out of order.
	slices.SortStableFunc(items, func(a, b codecs.Notification) int { return b.At.Compare(a.At) })
	return codecs.Notifications{Items: items}, true
}
