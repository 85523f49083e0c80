// Package tradespeople is the processor group that owns tradespeople's
// profiles, keyed "<tenant>/<id>". Profiles come from the HTTP API and from
// CDC; a removal deletes the key with a tombstone. Bids pass through on
// their way to their job, stamped with the bidder's profile (StampBid).
package tradespeople

import (
	"slices"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/cdcmark"
	"github.com/tradestream/tradestream/topology"
)

// Define returns the tradespeople group graph.
func Define(cat *topology.Catalog) *goka.GroupGraph {
	p := &processor{cat: cat}
	return topology.DefineGroup(cat, cat.Tradespeople,
		cat.TradespersonCommands.Input(p.handle),
		cat.MatchEvents.Output(),
		cat.CalendarCommands.Output(),
		cat.JobCommands.Output(),
	)
}

type processor struct{ cat *topology.Catalog }

func (p *processor) handle(ctx goka.Context, cmd *codecs.Command) {
	cur := p.cat.Tradespeople.Get(ctx)
	switch cmd.Kind {
	case codecs.KindSubmitBid:
		// A bid on its way to its job: stamped with the profile.
		p.cat.JobCommands.Emit(ctx, cmd.TenantID+"/"+cmd.JobID, StampBid(cur, cmd))
		return
	case codecs.KindRateTradesperson:
		p.rate(ctx, cmd, cur)
		return
	case codecs.KindJobCompleted:
		if next := Complete(cur, cmd); next != nil {
			p.cat.Tradespeople.Set(ctx, next)
		}
		return
	}
	if cur != nil && cmd.Seq == cur.Seq {
		// A redelivery of the last change: its index updates are sent
		// again (the index ignores what it has) in case a crash lost them.
		p.index(ctx, cmd.TenantID, cmd.TradespersonID, cmd.Seq, Previous(cur), cur)
		p.cat.CalendarCommands.Emit(ctx, ctx.Key(), CalendarProfile(cmd, cur))
		return
	}
	next, del := Apply(cur, cmd)
	switch {
	case del:
		ctx.Delete()
	case next != nil:
		p.cat.Tradespeople.Set(ctx, next)
	default:
		return
	}
	p.index(ctx, cmd.TenantID, cmd.TradespersonID, cmd.Seq, cur, next)
	p.cat.CalendarCommands.Emit(ctx, ctx.Key(), CalendarProfile(cmd, next))
}

// StampBid returns the bid cmd as it goes on to its job: stamped with what
// the job checks of the bidder tp (nil: no such tradesperson) as of this
// point of the group's log, so that a replay of the jobs group checks it
// the same way.
func StampBid(tp *codecs.Tradesperson, cmd *codecs.Command) *codecs.Command {
	out := *cmd
	out.BidderChecked, out.Bidder = true, nil
	if tp != nil {
		out.Bidder = &codecs.BidderStamp{Active: tp.Active, Trades: slices.Clone(tp.Trades)}
	}
	return &out
}

// CalendarProfile is the profile update for the tradesperson's calendar:
// working hours, base and activity, ordered by the command's sequence
// number; tp nil means the tradesperson was removed.
func CalendarProfile(cmd *codecs.Command, tp *codecs.Tradesperson) *codecs.CalendarRequest {
	p := &codecs.CalendarProfileUpdate{Removed: tp == nil, Seq: cmd.Seq, WorkingHours: []codecs.WorkingHours{}}
	if tp != nil {
		p.WorkingHours, p.Base, p.Active = tp.WorkingHours, tp.Base, tp.Active
	}
	return &codecs.CalendarRequest{Kind: codecs.CalendarProfile, TenantID: cmd.TenantID, TradespersonID: cmd.TradespersonID,
		At: cmd.AcceptedAt, Profile: p}
}

func (p *processor) index(ctx goka.Context, tenant, id string, seq int64, before, after *codecs.Tradesperson) {
	for _, u := range IndexUpdates(tenant, id, seq, before, after) {
		p.cat.MatchEvents.Emit(ctx, u.Key, u.Event)
	}
}

// Previous returns the profile as the index knew it before tp's last change
// (only its coverage is set), or nil.
func Previous(tp *codecs.Tradesperson) *codecs.Tradesperson {
	if tp.Previous == nil {
		return nil
	}
	return &codecs.Tradesperson{Base: tp.Previous.Base, RadiusKm: tp.Previous.RadiusKm, Trades: tp.Previous.Trades}
}

// DefaultWorkingHours are Monday to Friday, 08:00–18:00 UTC.
func DefaultWorkingHours() []codecs.WorkingHours {
	out := make([]codecs.WorkingHours, 0, 5)
	for d := int32(1); d <= 5; d++ {
		out = append(out, codecs.WorkingHours{Weekday: d, Start: "08:00", End: "18:00"})
	}
	return out
}

// Apply returns the new profile (nil: nothing to store) and whether the key
// is to be deleted. A command at or below the profile's sequence number is
// a redelivery and changes nothing, and so is a CDC command whose mark the
// profile has applied (the cdc group may send one again after a crash, see
// processors/internal/cdcmark); the rating is kept across updates.
func Apply(cur *codecs.Tradesperson, cmd *codecs.Command) (*codecs.Tradesperson, bool) {
	u := cmd.UpsertTradesperson
	if u == nil || (cur != nil && cmd.Seq <= cur.Seq) {
		return nil, false
	}
	if cur != nil && cmd.Source == codecs.SourceCDC && cdcmark.Seen(cur.CDCMarks, cmd.CDCMark) {
		return nil, false
	}
	if u.Removed {
		return nil, cur != nil
	}
	tp := &codecs.Tradesperson{ID: cmd.TradespersonID, TenantID: cmd.TenantID, Name: u.Name,
		Trades: slices.Clone(u.Trades), Base: u.Base, RadiusKm: u.RadiusKm, WorkingHours: slices.Clone(u.WorkingHours),
		Active: u.Active, CreatedAt: cmd.AcceptedAt, UpdatedAt: cmd.AcceptedAt, Seq: cmd.Seq}
	if len(tp.WorkingHours) == 0 {
		tp.WorkingHours = DefaultWorkingHours()
	}
	if tp.Trades == nil {
		tp.Trades = []string{}
	}
	if cmd.Source == codecs.SourceCDC {
		var marks []string
		if cur != nil {
			marks = cur.CDCMarks
		}
		tp.CDCMarks = cdcmark.Note(marks, cmd.CDCMark)
	} else if cur != nil {
		tp.CDCMarks = cur.CDCMarks
	}
	if cur != nil {
		tp.CreatedAt, tp.Rating, tp.RatedJobs, tp.CompletedJobs = cur.CreatedAt, cur.Rating, cur.RatedJobs, cur.CompletedJobs
		tp.Previous = &codecs.Coverage{Base: cur.Base, RadiusKm: cur.RadiusKm, Trades: cur.Trades}
	}
	return tp, false
}
