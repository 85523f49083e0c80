// Package insights holds the two processor groups behind GET
// .../insights: insights folds each tenant's job events and payments
// ledger into UTC-day windows (topology/window), and insight-days keeps
// each day's counters for the API.
//
// # Windows
//
// Days are tumbling 24 h windows with Grace (1 h) on event time. Stream time
// is per tenant: a tenant's day closes ("final") once one of its records
// has an event time at or past the next day's 01:00 UTC. Records of a
// closed day go to tradestream.insights-late and are not counted. A tenant
// that goes quiet keeps its last day open (final false) until its next
// record; there is no wall-clock punctuation.
//
// # One log per tenant
//
// Job events and ledger entries come on two topics, and Goka interleaves
// two inputs as they arrive: the order in which a tenant's records of both
// reach the windows — and so which of them are late — would differ from
// one run to the next. The group therefore first appends both, unchanged,
// to its loopback topic (tradestream.insights-loop, keyed by tenant), and
// folds that single log. Its order is decided once, when the records first
// arrive; replaying the group from the earliest offsets (tradestream replay
// resets the loopback too) reads the same log in the same order and gives
// the same finals, and the copies the replay appends to the loop again are
// counted never (the day's ids) or late (the day closed).
//
// # Exactly once in effect
//
// Inputs are at-least-once: the jobs group re-sends a job event from its
// outbox when a command is redelivered, the payments group may append a
// ledger entry again, and this group may see its own input again after a
// crash. An event is counted once per day: (job, kind), or the ledger
// entry's command id. Each counted event has a marker in the group table, a
// side key of its tenant (goka.SideKeys) named "<YYYY-MM-DD>/<id>" whose
// value holds the loop offset that counted it, and the tenant's state holds
// the loop offset it is folded to; from the two, Decide tells a re-sent
// event from a record of this group delivered again, whichever of its
// table writes landed before a crash. The markers are deleted when their
// day closes. The days a record closed stay in the state until the next
// closes, and that record, delivered again, sends their finals again: the
// first delivery's final may be lost though its state write landed. The
// tenant's own value stays a few hundred bytes however busy its day, and
// each record writes two small values. The day's
// final counters are the same however often the input is delivered, and a
// replay of the same input from the start gives the same finals.
package insights

import (
	"time"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/window"
)

// Grace is how long after midnight UTC a day still takes records.
const Grace = time.Hour

// Days are UTC days with Grace.
var Days = window.Tumbling(24*time.Hour, Grace)

// Define returns the insights group graph: job events and the payments
// ledger, both keyed by tenant (co-partitioned), folded into day windows.
func Define(cat *topology.Catalog) *goka.GroupGraph {
	p := &processor{cat: cat}
	return topology.DefineGroup(cat, cat.Insights,
		cat.JobEvents.Input(func(ctx goka.Context, ev *codecs.JobEvent) {
			cat.InsightsLoop.Loopback(ctx, ctx.Key(), &codecs.InsightInput{JobEvent: ev})
		}),
		cat.PaymentsLedger.Input(func(ctx goka.Context, e *codecs.LedgerEntry) {
			cat.InsightsLoop.Loopback(ctx, ctx.Key(), &codecs.InsightInput{LedgerEntry: e})
		}),
		cat.InsightsLoop.Loop(p.input),
		cat.InsightUpdates.Output(),
		cat.InsightsLate.Output(),
	)
}

// WriteDelay and WriteBatch bound how the insights and insight-days
// tables' writes are coalesced (ProcessorOptions).
const (
	WriteDelay = time.Second
	WriteBatch = 1000
)

// ProcessorOptions are the goka options both groups of this package use
// besides the common ones: while a partition is behind its input (a
// replay, a restart, a burst), its table writes are coalesced per key
// (goka.WithCoalescedTableWrites): a tenant's state is then encoded once per
// batch instead of once per record. The day records to insight-updates are
// not delayed. Neither group modifies a state after writing it or one it
// read (FromStored and the folds copy).
func ProcessorOptions() []goka.ProcessorOption {
	return []goka.ProcessorOption{goka.WithCoalescedTableWrites(WriteDelay, WriteBatch)}
}

type processor struct{ cat *topology.Catalog }

// input folds one record of the merged log into the tenant's days.
func (p *processor) input(ctx goka.Context, in *codecs.InsightInput) {
	switch {
	case in.JobEvent != nil:
		ev := in.JobEvent
		p.add(ctx, string(p.cat.JobEvents.Topic), EventID(ev), ev.At, func(a *Agg) { FoldJobEvent(a, ev) })
	case in.LedgerEntry != nil:
		e := in.LedgerEntry
		var fold func(*Agg)
		if Revenue(e) {
			fold = func(a *Agg) { FoldLedger(a, e) }
		}
		p.add(ctx, string(p.cat.PaymentsLedger.Topic), LedgerID(e), e.At, fold)
	}
}

// add folds one record, the event id, into its day once (Decide; fold nil:
// nothing to count, the record only moves the stream time). It sends the
// updated day, the days it closed (final) and, for a late record, the
// record to the late topic.
//
// The days a record closed stay in the state until the next day closes:
// when that record is delivered again (after a crash, or a replay) its
// first delivery's finals may be lost though its state landed, so it sends
// them again (the days table keeps the last final). Other records the state
// has folded already send nothing again but their day's update.
func (p *processor) add(ctx goka.Context, source, id string, at time.Time, fold func(*Agg)) {
	offset := ctx.Offset()
	cur := p.cat.Insights.Get(ctx)
	var (
		folded   int64 // the loop offset the tenant's state is folded to
		closed   []codecs.InsightPane
		closedBy int64
	)
	if cur != nil {
		folded, closed, closedBy = cur.NextOffset, cur.Closed, cur.ClosedBy
	}
	marker := markerKey(at, id)
	var decided Decision
	st, res := window.Add(Days, FromStored(cur), at, func(window.Bounds) Agg { return Agg{} }, func(a *Agg) {
		if fold == nil {
			return
		}
		decided = Decide(offset, folded, p.cat.Insights.GetSide(ctx, marker), a.seenBefore(id))
		if decided.Count {
			fold(a)
		}
	})
	next := ToStored(st)
	next.NextOffset = max(folded, offset+1)
	next.Closed, next.ClosedBy = closed, closedBy
	if len(res.Closed) > 0 {
		next.Closed, next.ClosedBy = storedPanes(res.Closed, false), offset+1
	}
	p.cat.Insights.Set(ctx, next)
	if decided.Mark {
		p.cat.Insights.SetSide(ctx, marker, &codecs.InsightsState{NextOffset: offset + 1})
	}
	if res.Late {
		p.cat.InsightsLate.Emit(ctx, ctx.Key(), &codecs.LateRecord{TenantID: ctx.Key(), Source: source, ID: id,
			EventTime: at.UTC(), StreamTime: st.StreamTime})
	}
	for _, pane := range res.Updated {
		p.cat.InsightUpdates.Emit(ctx, ctx.Key()+"/"+Date(pane.Start), DayOf(ctx.Key(), pane, false))
	}
	for _, pane := range res.Closed {
		p.final(ctx, pane)
	}
	if offset+1 == closedBy && offset < folded {
		for _, pane := range FromStored(&codecs.InsightsState{Panes: closed}).Panes {
			p.final(ctx, pane)
		}
	}
}

// final sends a closed day and deletes its markers.
func (p *processor) final(ctx goka.Context, pane window.Pane[Agg]) {
	p.cat.InsightUpdates.Emit(ctx, ctx.Key()+"/"+Date(pane.Start), DayOf(ctx.Key(), pane, true))
	p.cat.Insights.DeleteSides(ctx, dayMarkers(pane.Start))
}

// markerKey is the suffix of the tenant's side key that marks the event id
// of day t counted: "<YYYY-MM-DD>/<id>". The day's markers go when it
// closes (dayMarkers).
func markerKey(t time.Time, id string) string { return dayMarkers(t) + id }

// dayMarkers is the prefix of the markers of day t.
func dayMarkers(t time.Time) string { return Date(t) + "/" }

// Date is the UTC date of t, YYYY-MM-DD.
func Date(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// DayOf is a pane as the day record of tenant.
func DayOf(tenant string, pane window.Pane[Agg], final bool) *codecs.InsightsDay {
	return &codecs.InsightsDay{TenantID: tenant, Date: Date(pane.Start), Counts: pane.Agg.Counts, Final: final}
}

// FromStored is the window state of a stored tenant state (nil: empty).
func FromStored(s *codecs.InsightsState) window.State[Agg] {
	if s == nil {
		return window.State[Agg]{}
	}
	st := window.State[Agg]{StreamTime: s.StreamTime, Panes: make([]window.Pane[Agg], len(s.Panes))}
	for i, p := range s.Panes {
		st.Panes[i] = window.Pane[Agg]{Bounds: window.Bounds{Start: p.Start.UTC(), End: p.End.UTC()},
			Agg: Agg{Counts: p.Counts, Seen: p.Seen}}
	}
	return st
}

// ToStored is the stored form of a tenant's window state.
func ToStored(st window.State[Agg]) *codecs.InsightsState {
	return &codecs.InsightsState{StreamTime: st.StreamTime, Panes: storedPanes(st.Panes, true), Closed: []codecs.InsightPane{}}
}

// storedPanes are panes in their stored form, with the ids they list or
// (seen false: closed days) without.
func storedPanes(panes []window.Pane[Agg], seen bool) []codecs.InsightPane {
	out := make([]codecs.InsightPane, len(panes))
	for i, p := range panes {
		ids := []string{}
		if seen && p.Agg.Seen != nil {
			ids = p.Agg.Seen
		}
		out[i] = codecs.InsightPane{Start: p.Start, End: p.End, Counts: p.Agg.Counts, Seen: ids}
	}
	return out
}

// DefineDays returns the insight-days group graph: the latest counters of
// each tenant's day, keyed "<tenant>/<YYYY-MM-DD>". A final day stays final.
func DefineDays(cat *topology.Catalog) *goka.GroupGraph {
	return topology.DefineGroup(cat, cat.InsightDays,
		cat.InsightUpdates.Input(func(ctx goka.Context, d *codecs.InsightsDay) {
			if cur := cat.InsightDays.Get(ctx); cur != nil && cur.Final && !d.Final {
				return
			}
			cat.InsightDays.Set(ctx, d)
		}),
	)
}
