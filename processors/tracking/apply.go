package tracking

import (
	"slices"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/geo"
)

// OutboxKeep is how many effects the outbox of a tradesperson keeps. The
// last one is what matters: an ETA supersedes the ones before it, and an
// arrival is the last effect of its job. The state is decoded and encoded
// on every ping, so the outbox is kept short.
const OutboxKeep = 2

// FinishedKeep is how many jobs that left en_route a state remembers.
const FinishedKeep = 8

// PingResult is the outcome of ApplyPing.
type PingResult struct {
	// State is the new state; nil when nothing is stored.
	State *codecs.TrackingState
	// Effects are the records to send to jobs.
	Effects []codecs.TrackingEffect
	// Reject says why the ping is invalid; "" when it is not.
	Reject string
}

// ApplyPing joins ping p, stored under key and logged at logged (its
// record's time on the log), with st (nil: no state yet). It never
// modifies its arguments, and reads no clock: the same record gives the
// same result on a replay.
func ApplyPing(st *codecs.TrackingState, key string, p *codecs.LocationPing, cfg Config, logged time.Time) PingResult {
	if !isKeyOf(key, p) {
		return PingResult{Reject: "key " + key + " is not the ping's tenant_id/tradesperson_id"}
	}
	if why := Invalid(p, logged, cfg.MaxFuture); why != "" {
		return PingResult{Reject: why}
	}
	if st != nil && st.Last != nil && !p.At.After(st.Last.At) {
		return PingResult{Effects: replay(st.Outbox, p.At)}
	}
	blk := nextState(st)
	next := &blk.state
	if obs, ok := Observation(next.Last, p); ok {
		next.SpeedKmh, next.Samples = Average(next.SpeedKmh, next.Samples, obs)
	}
	blk.last = codecs.Fix{Lat: p.Lat, Lon: p.Lon, At: p.At}
	next.Last = &blk.last
	var eff *codecs.TrackingEffect // the ping's effect, if any
	if a := next.Active; a != nil && !a.Arrived {
		pos := codecs.GeoPoint{Lat: p.Lat, Lon: p.Lon}
		straight := geo.HaversineKm(pos.Lat, pos.Lon, a.Location.Lat, a.Location.Lon) // once for Arrived and Estimate
		if straight <= cfg.ArrivalRadiusKm {
			a.Arrived = true
			eff = &codecs.TrackingEffect{PingAt: p.At, Kind: codecs.KindArrived, JobID: a.JobID}
		} else {
			minutes, km := estimateKm(straight, Speed(next.SpeedKmh, next.Samples))
			eta := codecs.ETA{Minutes: minutes, DistanceKm: km, UpdatedAt: p.At} // its Position is newETA's
			if Visible(a.Sent, &eta, cfg.Refresh, cfg.DistanceStepKm) {
				a.Sent = newETA(eta, pos) // allocated only when sent
				eff = &codecs.TrackingEffect{PingAt: p.At, Kind: codecs.KindETAUpdate, JobID: a.JobID, ETA: a.Sent}
			}
		}
	}
	next.Outbox = record(next.Outbox, eff)
	if eff == nil {
		return PingResult{State: next}
	}
	n := len(next.Outbox) // the effect is the outbox's last
	return PingResult{State: next, Effects: next.Outbox[n-1 : n : n]}
}

// isKeyOf reports whether key is "<tenant>/<tradesperson>" of ping p
// (compared in place: no key is built).
func isKeyOf(key string, p *codecs.LocationPing) bool {
	t, tp := p.TenantID, p.TradespersonID
	return len(key) == len(t)+1+len(tp) && key[:len(t)] == t && key[len(t)] == '/' && key[len(t)+1:] == tp
}

// ApplyCommand applies a track_job or untrack_job to st; nil means no
// change. A job starts being tracked unless it already left en_route or a
// later job is tracked; leaving en_route stops it.
func ApplyCommand(st *codecs.TrackingState, cmd *codecs.TrackingCommand) *codecs.TrackingState {
	var finished []string
	var active *codecs.TrackedJob
	if st != nil {
		finished, active = st.Finished, st.Active
	}
	switch cmd.Kind {
	case codecs.KindTrackJob:
		if slices.Contains(finished, cmd.JobID) || active != nil &&
			(active.JobID == cmd.JobID || cmd.At.Before(active.Since)) {
			return nil
		}
		next := cloneState(st)
		next.Active = &codecs.TrackedJob{JobID: cmd.JobID, Location: cmd.Location, Since: cmd.At}
		return next
	case codecs.KindUntrackJob:
		if slices.Contains(finished, cmd.JobID) {
			return nil
		}
		next := cloneState(st)
		if active != nil && active.JobID == cmd.JobID {
			next.Active = nil
		}
		next.Finished = append(next.Finished, cmd.JobID)
		if len(next.Finished) > FinishedKeep {
			next.Finished = next.Finished[len(next.Finished)-FinishedKeep:]
		}
		return next
	}
	return nil
}

// cloneState copies st (nil: an empty state) so that it can be changed.
func cloneState(st *codecs.TrackingState) *codecs.TrackingState {
	if st == nil {
		return &codecs.TrackingState{Finished: []string{}, Outbox: []codecs.TrackingEffect{}}
	}
	c := *st
	c.Finished = slices.Clone(st.Finished)
	c.Outbox = slices.Clone(st.Outbox)
	if st.Active != nil {
		a := *st.Active
		c.Active = &a
	}
	return &c
}

// pingBlock is what a ping's new state and effects are made of, allocated
// at once: the state, its copy of the active job, its last fix and its
// outbox (the previous one's effects and the ping's, whose last is the
// ping's effect: PingResult.Effects). They are never modified once
// ApplyPing returned. The ETA is not part of it: the outboxes of the next
// states point to it, and through a block they would keep every earlier
// state in memory (newETA).
type pingBlock struct {
	state  codecs.TrackingState
	active codecs.TrackedJob
	last   codecs.Fix
	outbox [OutboxKeep]codecs.TrackingEffect
}

// newETA returns eta with its Position set to pos, allocated together.
func newETA(eta codecs.ETA, pos codecs.GeoPoint) *codecs.ETA {
	blk := new(struct {
		eta codecs.ETA
		pos codecs.GeoPoint
	})
	blk.eta, blk.pos = eta, pos
	blk.eta.Position = &blk.pos
	return &blk.eta
}

// nextState copies st (nil: an empty state) for a ping: its outbox with
// room for the ping's effects, its finished jobs shared (a ping never
// changes them; ApplyCommand, which does, copies them).
func nextState(st *codecs.TrackingState) *pingBlock {
	blk := new(pingBlock)
	if st == nil {
		blk.state = codecs.TrackingState{Finished: []string{}, Outbox: blk.outbox[:0]}
		return blk
	}
	blk.state = *st
	if len(st.Outbox) <= len(blk.outbox) {
		blk.state.Outbox = append(blk.outbox[:0], st.Outbox...)
	} else { // an outbox longer than OutboxKeep, written by an older version
		blk.state.Outbox = append(make([]codecs.TrackingEffect, 0, len(st.Outbox)+1), st.Outbox...)
	}
	if st.Active != nil {
		blk.active = *st.Active
		blk.state.Active = &blk.active
	}
	return blk
}

// record appends eff (nil: none) to outbox, the new state's own
// (nextState), and keeps the last OutboxKeep effects: when the block's
// outbox is full its oldest effect makes room in place.
func record(outbox []codecs.TrackingEffect, eff *codecs.TrackingEffect) []codecs.TrackingEffect {
	out := outbox
	switch {
	case eff == nil:
	case len(out) == OutboxKeep && cap(out) == OutboxKeep:
		copy(out, out[1:])
		out[len(out)-1] = *eff
	default:
		out = append(out, *eff)
	}
	if len(out) > OutboxKeep {
		out = out[len(out)-OutboxKeep:]
	}
	return out
}

// replay returns the effects a ping at `at` sent.
func replay(outbox []codecs.TrackingEffect, at time.Time) []codecs.TrackingEffect {
	var out []codecs.TrackingEffect
	for _, e := range outbox {
		if e.PingAt.Equal(at) {
			out = append(out, e)
		}
	}
	return out
}
