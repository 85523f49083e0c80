package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// Fleet settings of the marketplace mix.
const (
	// fleetWarp is how much faster than real time a simulated truck drives:
	// a 15-minute trip takes 90 s. Ping times stay in the past: a trip is
	// laid out so that its simulated clock catches up with real time on
	// arrival.
	fleetWarp = 10.0
	// fleetPingEvery is the simulated time between two pings of a truck.
	fleetPingEvery = 10 * time.Second
	// fleetMaxActive bounds the trucks on the road at once.
	fleetMaxActive = 20
	// fleetDrop and fleetLate are the shares of pings lost, and sent late
	// (after a newer one: out of order).
	fleetDrop = 0.05
	fleetLate = 0.05
	// fleetNoiseKm is the standard deviation of the GPS noise.
	fleetNoiseKm = 0.015
)

// fleet drives the trucks of the marketplace mix: a tradesperson whose bid
// was accepted drives a straight segment from their base to the job — en_route
// first, then pings with GPS noise, some dropped and some out of order,
// until arrival, and then completes the job.
type fleet struct {
	rng     *rand.Rand
	warp    float64 // fleetWarp; tests drive faster
	pending []*simTrip
	active  map[string]*simTrip // by "<tenant>/<tradesperson>"
	next    int
	dropped int // pings lost on purpose
}

// simTrip is one truck's drive to a job.
type simTrip struct {
	tenant, job, tp string
	from, to        codecs.GeoPoint
	readyAt         time.Time // the real time it may start: the booking needs a moment
	simStart        time.Time
	travel          time.Duration // simulated
	realStart       time.Time
	lastPing        time.Time // simulated time of the last ping made
	late            *codecs.LocationPing
	arrivedAt       time.Time // real time of arrival; zero while driving
}

func newFleet(rng *rand.Rand) *fleet {
	return &fleet{rng: rng, warp: fleetWarp, active: map[string]*simTrip{}}
}

// add queues a trip for an accepted job.
func (f *fleet) add(tenant, job, tp string, from, to codecs.GeoPoint, now time.Time) {
	if len(f.pending) >= 200 {
		f.pending = f.pending[1:]
	}
	f.pending = append(f.pending, &simTrip{tenant: tenant, job: job, tp: tp, from: from, to: to, readyAt: now.Add(2 * time.Second)})
}

// step advances every truck to now: the status commands to send (en_route,
// completed) and one batch of pings.
func (f *fleet) step(now time.Time) (cmds []*codecs.Command, pings []*codecs.LocationPing) {
	keys := make([]string, 0, len(f.active))
	for k := range f.active {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		tr := f.active[k]
		if !tr.arrivedAt.IsZero() {
			if now.Sub(tr.arrivedAt) >= 5*time.Second {
				cmds = append(cmds, f.status(tr, codecs.StatusCompleted, now))
				delete(f.active, k)
			}
			continue
		}
		pings = append(pings, f.drive(tr, now)...)
	}
	for len(f.pending) > 0 && len(f.active) < fleetMaxActive && !f.pending[0].readyAt.After(now) {
		tr := f.pending[0]
		f.pending = f.pending[1:]
		key := tr.tenant + "/" + tr.tp
		if f.active[key] != nil {
			continue // the tradesperson is busy: this job is left to them
		}
		speed := 30 + f.rng.Float64()*30
		tr.travel = time.Duration(roadKm(tr.from, tr.to) / speed * float64(time.Hour))
		tr.realStart = now
		tr.simStart = now.Add(-tr.travel + time.Duration(float64(tr.travel)/f.warp)).Truncate(time.Millisecond)
		tr.lastPing = tr.simStart
		f.active[key] = tr
		cmds = append(cmds, f.status(tr, codecs.StatusEnRoute, tr.simStart))
	}
	return cmds, pings
}

// drive makes a truck's pings up to its simulated clock at now.
func (f *fleet) drive(tr *simTrip, now time.Time) []*codecs.LocationPing {
	var out []*codecs.LocationPing
	clock := tr.simStart.Add(time.Duration(float64(now.Sub(tr.realStart)) * f.warp))
	if clock.After(now) {
		clock = now
	}
	end := tr.simStart.Add(tr.travel)
	for at := tr.lastPing.Add(fleetPingEvery); !at.After(clock); at = at.Add(fleetPingEvery) {
		if at.After(end) {
			at = end // the last ping: at the job
		}
		tr.lastPing = at
		frac := 1.0
		if at.Before(end) {
			frac = float64(at.Sub(tr.simStart)) / float64(tr.travel)
		}
		noise := fleetNoiseKm
		if frac >= 1 {
			noise /= 3 // parked: the fix settles
		}
		p := &codecs.LocationPing{TenantID: tr.tenant, TradespersonID: tr.tp, At: at,
			Lat: tr.from.Lat + (tr.to.Lat-tr.from.Lat)*frac + f.rng.NormFloat64()*noise/111.2,
			Lon: tr.from.Lon + (tr.to.Lon-tr.from.Lon)*frac + f.rng.NormFloat64()*noise/(111.2*math.Cos(tr.to.Lat*math.Pi/180))}
		if frac >= 1 {
			tr.arrivedAt = now
			out = append(out, p)
			break
		}
		switch r := f.rng.Float64(); {
		case r < fleetDrop:
			f.dropped++
			continue
		case r < fleetDrop+fleetLate && tr.late == nil:
			tr.late = p // sent after the next one
			continue
		}
		out = append(out, p)
		if tr.late != nil {
			out, tr.late = append(out, tr.late), nil
		}
	}
	if tr.late != nil && !tr.arrivedAt.IsZero() {
		out, tr.late = append(out, tr.late), nil
	}
	return out
}

func (f *fleet) status(tr *simTrip, status string, at time.Time) *codecs.Command {
	f.next++
	return &codecs.Command{CommandID: fmt.Sprintf("sim-trip-%d-%d", at.UnixNano(), f.next), TenantID: tr.tenant,
		JobID: tr.job, Kind: codecs.KindSetJobStatus, AcceptedAt: at.Truncate(time.Millisecond), Source: "simulator",
		SetJobStatus: &codecs.SetJobStatus{Status: status, At: at.Truncate(time.Millisecond)}}
}

// roadKm is the contract's road distance: the great-circle distance × 1.3.
func roadKm(a, b codecs.GeoPoint) float64 {
	const rad = math.Pi / 180
	dLat, dLon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * 6371.0088 * math.Asin(math.Min(1, math.Sqrt(h))) * 1.3
}
