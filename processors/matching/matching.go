// Package matching is the processor group that finds the tradespeople for a
// posted job — a stream-table join against a spatial index.
//
// # The index
//
// The table is keyed "<tenant>/<trade>/<cell>" over a grid of 0.1° cells
// (geo.CellDeg). The tradespeople group writes a member into every cell its
// service circle touches, for each of its trades; the jobs group sends a
// posted job to the one cell containing it. Both go through the same
// co-partitioned input, so a job is matched against exactly the
// tradespeople who could reach it, without scanning the others.
//
// Cost: a profile change writes one record per covered cell and trade (about
// 40 cells for a 20 km radius at 51°N, at most a few hundred at the 100 km
// maximum). A match reads one cell: its members are filtered by exact
// distance, activity, and a free slot in the window, the working hours and
// the calendar (a lookup of the calendar group's table, see calendars), and
// the best MaxOffers kept. The calendar lookup keeps a copy of every
// calendar in each matching instance (a goka view); only the few members
// that could make the top five are looked up.
//
// # Waiting jobs
//
// A tradesperson's profile and a job reach the cell by different paths
// (the tradespeople group, the jobs group), so a job posted a moment after
// a tradesperson registered may be matched before the tradesperson is in
// the index. A job in bid mode that nobody can take therefore waits in its
// cell (at most MaxWaiting, until its window ends); a member who joins or
// changes is matched against the waiting jobs and offered those it can
// take. The jobs group closes a waiting job when it leaves posted (bid,
// cancel...). An auto job with no candidate needs attention at once.
package matching

import (
	"fmt"
	"slices"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// Define returns the matching group graph.
func Define(cat *topology.Catalog) *goka.GroupGraph {
	p := &processor{cat: cat}
	return topology.DefineGroup(cat, cat.Matching,
		cat.MatchEvents.Input(p.handle),
		cat.Calendars.CachedLookup(CalendarCache),
		cat.Notifications.Output(),
		cat.JobCommands.Output(),
	)
}

// CalendarCache is how many decoded calendars a matching processor keeps:
// a match reads the calendars of the few members that could make the top
// five, and a calendar changes far less often than it is read.
const CalendarCache = 4096

type processor struct{ cat *topology.Catalog }

func (p *processor) handle(ctx goka.Context, ev *codecs.MatchEvent) {
	var cell codecs.MatchCell
	if cur := p.cat.Matching.Get(ctx); cur != nil {
		cell = *cur
	}
	switch ev.Kind {
	case codecs.MatchMember, codecs.MatchRemove:
		next, changed := Update(cell, ev)
		if !changed {
			return
		}
		var released []Release
		if ev.Kind == codecs.MatchMember && len(next.Waiting) > 0 {
			next, released = ReleaseWaiting(next, p.calendars(ctx, ev.TenantID))
		}
		p.cat.Matching.Set(ctx, &next)
		for _, r := range released {
			p.offer(ctx, ev.TenantID, &r.Job, r.Candidates,
				fmt.Sprintf("match-%s-after-%s-%d", r.Job.JobID, ev.TradespersonID, ev.Seq))
		}
	case codecs.MatchJob:
		if ev.Job == nil {
			return
		}
		cands := Match(cell.Members, ev.Job, p.calendars(ctx, ev.TenantID))
		if len(cands) == 0 && ev.Job.Mode != "auto" { // an auto job needs attention at once instead
			next := Wait(cell, ev.Job)
			p.cat.Matching.Set(ctx, &next)
		}
		p.offer(ctx, ev.TenantID, ev.Job, cands, "match-"+ev.Job.JobID)
	case codecs.MatchClose:
		if ev.Job == nil {
			return
		}
		if next, changed := Unwait(cell, ev.Job.JobID); changed {
			p.cat.Matching.Set(ctx, &next)
		}
	}
}

// calendars reads the tenant's calendars from the calendar group's table
// (keyed "<tenant>/<tradesperson>"). The lookup trails the table by the
// view's fetch interval: an appointment booked a moment ago may not be seen
// yet, and then the offer goes out and the calendar refuses the booking —
// the calendar, not matching, is what prevents a double booking.
func (p *processor) calendars(ctx goka.Context, tenant string) Calendars {
	return func(id string) []codecs.CalendarAppointment {
		if cal := p.cat.Calendars.LookupKey(ctx, tenant+"/"+id); cal != nil {
			return cal.Appointments
		}
		return nil
	}
}

// offer notifies each candidate and tells the job who they are, with
// command id. Ids are deterministic, so a redelivery notifies nobody twice.
func (p *processor) offer(ctx goka.Context, tenant string, job *codecs.MatchRequest, cands []Candidate, id string) {
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.TradespersonID
		p.cat.Notifications.Emit(ctx, tenant+"/tradesperson:"+c.TradespersonID, &codecs.Notification{
			ID: "offer-" + job.JobID + "-" + c.TradespersonID, Recipient: "tradesperson:" + c.TradespersonID,
			Kind: "job_offer", JobID: job.JobID, At: job.PostedAt,
			Message: fmt.Sprintf("New job near you (%.1f km): %s", c.DistanceKm, job.Title)})
	}
	p.cat.JobCommands.Emit(ctx, tenant+"/"+job.JobID, &codecs.Command{CommandID: id,
		TenantID: tenant, JobID: job.JobID, Kind: codecs.KindMatched, AcceptedAt: job.PostedAt,
		Source: codecs.SourceInternal, Candidates: ids})
}

// Update applies an index update to a cell. An update older than the
// member's current profile (by sequence number) changes nothing.
func Update(cell codecs.MatchCell, ev *codecs.MatchEvent) (codecs.MatchCell, bool) {
	i := slices.IndexFunc(cell.Members, func(m codecs.CellMember) bool { return m.TradespersonID == ev.TradespersonID })
	if i >= 0 && ev.Seq < cell.Members[i].Seq {
		return cell, false
	}
	members := slices.Clone(cell.Members)
	switch {
	case ev.Kind == codecs.MatchRemove && i >= 0:
		members = slices.Delete(members, i, i+1)
	case ev.Kind == codecs.MatchMember && ev.Member != nil && i >= 0:
		members[i] = *ev.Member
	case ev.Kind == codecs.MatchMember && ev.Member != nil:
		members = append(members, *ev.Member)
	default:
		return cell, false
	}
	cell.Members = members
	return cell, true
}
