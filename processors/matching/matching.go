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
// distance, activity, and a slot in the window and their working hours,
// and the best MaxRanked kept (Rank).
//
// # Calendars: the job probes them
//
// Matching reads no other group's table. It sends the job its ranked
// candidates (a candidates command); the job asks the calendar group for
// a slot of each in order (probes, whose answers travel in the job's log)
// and offers itself to the first five with room — the job_offer
// notifications and offered_to come from the jobs group (processors/jobs
// offers.go). A replay of matching therefore ranks as the first time, and
// a replay of the jobs group decides with the answers of its log.
//
// # Waiting jobs
//
// A tradesperson's profile and a job reach the cell by different paths
// (the tradespeople group, the jobs group), so a job posted a moment after
// a tradesperson registered may be matched before the tradesperson is in
// the index. A job in bid mode that nobody can take therefore waits in its
// cell (at most MaxWaiting, until its window ends); a member who joins or
// changes releases the waiting jobs it ranks for: they get candidates
// again. A bid job that ends a round offered to fewer than five (none
// included: its candidates had full calendars) comes back to wait
// (MatchWait, naming its round's candidates, offered ones included),
// unless the cell now ranks someone it did not probe (News): it then
// probes again at once. So each member who joins and ranks for a job
// offered to fewer than five tops it up (processors/jobs offers.go) until
// it has five. The jobs group closes a waiting job when it leaves posted
// (bid, cancel...). An auto job with no candidate needs attention at once.
package matching

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// Define returns the matching group graph. It reads no other group's
// table: the calendars are probed by the job (see the package doc).
func Define(cat *topology.Catalog) *goka.GroupGraph {
	p := &processor{cat: cat}
	return topology.DefineGroup(cat, cat.Matching,
		cat.MatchEvents.Input(p.handle),
		cat.JobCommands.Output(),
	)
}

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
			next, released = ReleaseWaiting(next, ev.TradespersonID)
		}
		p.cat.Matching.Set(ctx, &next)
		for _, r := range released {
			p.send(ctx, ev.TenantID, &r.Job, r.Candidates,
				fmt.Sprintf("match-%s-after-%s-%d", r.Job.JobID, ev.TradespersonID, ev.Seq), 0)
		}
	case codecs.MatchJob:
		if ev.Job == nil {
			return
		}
		cands := Rank(cell.Members, ev.Job, MaxRanked)
		if len(cands) == 0 && ev.Job.Mode != "auto" { // an auto job needs attention at once instead
			next := Wait(cell, ev.Job)
			p.cat.Matching.Set(ctx, &next)
		}
		p.send(ctx, ev.TenantID, ev.Job, cands, "match-"+ev.Job.JobID, 0)
	case codecs.MatchWait:
		if ev.Job == nil {
			return
		}
		cands := Rank(cell.Members, ev.Job, MaxRanked)
		if !News(cands, ev.Candidates) {
			next := Wait(cell, ev.Job)
			p.cat.Matching.Set(ctx, &next)
			return
		}
		// The cell changed while the job probed: it probes again, unless
		// the wait was of an older round (Attempt; a replay re-sends waits).
		p.send(ctx, ev.TenantID, ev.Job, cands, fmt.Sprintf("match-%s-retry-%d", ev.Job.JobID, ev.Seq), ev.Seq)
	case codecs.MatchClose:
		if ev.Job == nil {
			return
		}
		if next, changed := Unwait(cell, ev.Job.JobID); changed {
			p.cat.Matching.Set(ctx, &next)
		}
	}
}

// send tells the job its ranked candidates, with command id and the match
// event's position (Seq: its offset + 1, the same on a replay). Ids are
// deterministic: the job recognises a list sent again by either. A retry
// names the job's round it answers (attempt; 0 otherwise): the job takes
// no retry of a round older than its last. The job probes the
// candidates' calendars and sends the offers (processors/jobs offers.go).
func (p *processor) send(ctx goka.Context, tenant string, job *codecs.MatchRequest, cands []Candidate, id string, attempt int64) {
	p.cat.JobCommands.Emit(ctx, tenant+"/"+job.JobID, &codecs.Command{CommandID: id,
		TenantID: tenant, JobID: job.JobID, Kind: codecs.KindCandidates, AcceptedAt: job.PostedAt,
		Source: codecs.SourceInternal, Ranked: Ranked(cands), Seq: ctx.Offset() + 1, BookingAttempt: attempt})
}

// Update applies an index update to a cell. An update older than the
// member's current profile (by sequence number), or that profile again (a
// replay of the tradespeople group sends it again), changes nothing.
func Update(cell codecs.MatchCell, ev *codecs.MatchEvent) (codecs.MatchCell, bool) {
	i := slices.IndexFunc(cell.Members, func(m codecs.CellMember) bool { return m.TradespersonID == ev.TradespersonID })
	if i >= 0 && (ev.Seq < cell.Members[i].Seq ||
		ev.Seq == cell.Members[i].Seq && ev.Kind == codecs.MatchMember && ev.Member != nil && reflect.DeepEqual(*ev.Member, cell.Members[i])) {
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
