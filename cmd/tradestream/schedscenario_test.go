package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// The scheduling scenario: a randomized stream of client commands over a
// working week — tradespeople (some with a lunch break, some inactive,
// some changing hours), bid and auto jobs, dependency chains (with forward
// references and attempted cycles), bids and acceptances, cancels,
// reschedules and field reports. Many commands are refused by the rules
// (a bid on a cancelled job...): that is part of the load.

// scenarioStart is Monday 7 January 2030, 00:00 UTC.
var scenarioStart = time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC)

// scenarioGen generates one scenario.
type scenarioGen struct {
	rng     *rand.Rand
	tenants []*tenantGen
	at      time.Time
	out     []*codecs.Command
	n       int
}

type tenantGen struct {
	id           string
	tradespeople []string
	trades       map[string][]string // trade → tradespeople
	jobs         []*jobGen
	nextJob      int
}

type jobGen struct {
	id, trade, mode string
	bids            []string
	accepted        bool
	field           int // field reports sent: en_route, on_site, completed
}

var scenarioTrades = []string{"plumber", "electrician"}

// scenario returns about n client commands for tenants tenants, in the
// order a client sends them (AcceptedAt increasing).
func scenario(seed uint64, tenants, tradespeople, n int) []*codecs.Command {
	g := &scenarioGen{rng: rand.New(rand.NewPCG(seed, 0x5c4ed)), at: time.Date(2029, 12, 1, 9, 0, 0, 0, time.UTC)}
	for i := range tenants {
		t := &tenantGen{id: fmt.Sprintf("tenant-%d", i), trades: map[string][]string{}}
		g.tenants = append(g.tenants, t)
		for k := range tradespeople {
			g.upsertTradesperson(t, fmt.Sprintf("tp%02d", k), true)
		}
	}
	for len(g.out) < n {
		t := g.tenants[g.rng.IntN(len(g.tenants))]
		switch r := g.rng.IntN(100); {
		case r < 30 || len(t.jobs) < 5:
			g.postJob(t)
		case r < 45:
			g.bid(t)
		case r < 57:
			g.accept(t)
		case r < 65:
			g.cancel(t)
		case r < 78:
			g.reschedule(t)
		case r < 88:
			g.field(t)
		case r < 90:
			g.upsertTradesperson(t, t.tradespeople[g.rng.IntN(len(t.tradespeople))], false)
		default:
			g.postJob(t)
		}
	}
	return g.out
}

func (g *scenarioGen) emit(t *tenantGen, kind string, set func(*codecs.Command)) {
	g.at = g.at.Add(time.Duration(1+g.rng.IntN(100)) * time.Millisecond)
	g.n++
	c := &codecs.Command{CommandID: fmt.Sprintf("c%06d", g.n), TenantID: t.id, Kind: kind, AcceptedAt: g.at, Source: "scenario"}
	set(c)
	g.out = append(g.out, c)
}

// point is a location within about 8 km of central London.
func (g *scenarioGen) point() codecs.GeoPoint {
	return codecs.GeoPoint{Lat: 51.5 + (g.rng.Float64()-0.5)*0.14, Lon: -0.12 + (g.rng.Float64()-0.5)*0.22}
}

func (g *scenarioGen) upsertTradesperson(t *tenantGen, id string, first bool) {
	trades := []string{scenarioTrades[g.rng.IntN(2)]}
	if g.rng.IntN(3) == 0 {
		trades = scenarioTrades
	}
	var hours []codecs.WorkingHours
	switch g.rng.IntN(4) {
	case 0: // a lunch break
		for d := int32(1); d <= 5; d++ {
			hours = append(hours, codecs.WorkingHours{Weekday: d, Start: "08:00", End: "12:00"},
				codecs.WorkingHours{Weekday: d, Start: "13:00", End: "17:30"})
		}
	case 1: // early, and Saturday mornings
		for d := int32(1); d <= 6; d++ {
			hours = append(hours, codecs.WorkingHours{Weekday: d, Start: "07:00", End: "15:00"})
		}
	} // otherwise the default, Monday to Friday 08:00–18:00
	if first {
		t.tradespeople = append(t.tradespeople, id)
		for _, tr := range trades {
			t.trades[tr] = append(t.trades[tr], id)
		}
	} else {
		trades = nil // keep the trades the jobs are generated against
		for tr, ids := range t.trades {
			if slices.Contains(ids, id) {
				trades = append(trades, tr)
			}
		}
		slices.Sort(trades)
	}
	active := g.rng.IntN(12) != 0
	g.emit(t, codecs.KindUpsertTradesperson, func(c *codecs.Command) {
		c.TradespersonID = id
		c.UpsertTradesperson = &codecs.UpsertTradesperson{Name: id, Trades: trades, Base: g.point(), RadiusKm: 30,
			WorkingHours: hours, Active: active}
	})
}

// window is a random window in the working week: mostly a few hours of one
// day, sometimes several days.
func (g *scenarioGen) window(minutes int) codecs.Window {
	day := scenarioStart.AddDate(0, 0, g.rng.IntN(5)).Add(time.Duration(6+g.rng.IntN(9)) * time.Hour)
	start := day.Add(time.Duration(g.rng.IntN(12)) * 5 * time.Minute)
	length := time.Duration(minutes)*time.Minute + time.Duration(g.rng.IntN(8*60))*time.Minute
	if g.rng.IntN(8) == 0 {
		length += time.Duration(1+g.rng.IntN(3)) * 24 * time.Hour
	}
	return codecs.Window{EarliestStart: start, LatestEnd: start.Add(length)}
}

func (g *scenarioGen) postJob(t *tenantGen) {
	j := &jobGen{id: fmt.Sprintf("j%05d", t.nextJob), trade: scenarioTrades[g.rng.IntN(2)], mode: "bid"}
	t.nextJob++
	if g.rng.IntN(2) == 0 {
		j.mode = "auto"
	}
	var deps []string
	switch r := g.rng.IntN(100); {
	case r < 30 && len(t.jobs) > 0: // a chain: one or two recent jobs
		for range 1 + g.rng.IntN(2) {
			d := t.jobs[max(0, len(t.jobs)-1-g.rng.IntN(6))].id
			if !slices.Contains(deps, d) {
				deps = append(deps, d)
			}
		}
	case r < 36: // a job posted later (a forward reference: may close a cycle)
		deps = []string{fmt.Sprintf("j%05d", t.nextJob+g.rng.IntN(3))}
	}
	t.jobs = append(t.jobs, j)
	minutes := 30 + 15*g.rng.IntN(11)
	g.emit(t, codecs.KindPostJob, func(c *codecs.Command) {
		c.JobID = j.id
		c.PostJob = &codecs.PostJob{CustomerID: fmt.Sprintf("cust%02d", g.rng.IntN(20)), Trade: j.trade, Title: "job " + j.id,
			Location: g.point(), Window: g.window(minutes), DurationMinutes: int32(minutes), Mode: j.mode,
			DependsOn: deps, Currency: "GBP"}
	})
}

// pick returns a random job of t matching ok, preferring recent ones.
func (g *scenarioGen) pick(t *tenantGen, ok func(*jobGen) bool) *jobGen {
	for range 8 {
		j := t.jobs[max(0, len(t.jobs)-1-g.rng.IntN(min(len(t.jobs), 40)))]
		if ok(j) {
			return j
		}
	}
	return nil
}

func (g *scenarioGen) bid(t *tenantGen) {
	j := g.pick(t, func(j *jobGen) bool { return j.mode == "bid" && !j.accepted && len(j.bids) < 3 })
	if j == nil || len(t.trades[j.trade]) == 0 {
		return
	}
	tp := t.trades[j.trade][g.rng.IntN(len(t.trades[j.trade]))]
	id := fmt.Sprintf("b%d-%s", len(j.bids), tp)
	j.bids = append(j.bids, id)
	g.emit(t, codecs.KindSubmitBid, func(c *codecs.Command) {
		c.JobID = j.id
		c.SubmitBid = &codecs.SubmitBid{BidID: id, TradespersonID: tp, Currency: "GBP",
			Lines: []codecs.QuoteLine{{Description: "work", Kind: "labor", AmountMinor: int64(5000 + g.rng.IntN(20000))}}}
	})
}

func (g *scenarioGen) accept(t *tenantGen) {
	j := g.pick(t, func(j *jobGen) bool { return len(j.bids) > 0 && !j.accepted })
	if j == nil {
		return
	}
	j.accepted = true
	g.emit(t, codecs.KindAcceptBid, func(c *codecs.Command) {
		c.JobID = j.id
		c.AcceptBid = &codecs.AcceptBid{BidID: j.bids[g.rng.IntN(len(j.bids))]}
	})
}

func (g *scenarioGen) cancel(t *tenantGen) {
	j := g.pick(t, func(*jobGen) bool { return true })
	g.emit(t, codecs.KindCancelJob, func(c *codecs.Command) {
		c.JobID = j.id
		c.CancelJob = &codecs.CancelJob{Reason: "scenario"}
	})
}

func (g *scenarioGen) reschedule(t *tenantGen) {
	j := g.pick(t, func(*jobGen) bool { return true })
	w := g.window(30 + 15*g.rng.IntN(4))
	g.emit(t, codecs.KindRescheduleJob, func(c *codecs.Command) {
		c.JobID = j.id
		c.RescheduleJob = &codecs.RescheduleJob{Window: w}
	})
}

func (g *scenarioGen) field(t *tenantGen) {
	j := g.pick(t, func(j *jobGen) bool { return j.field < 3 })
	if j == nil {
		return
	}
	status := []string{codecs.StatusEnRoute, codecs.StatusOnSite, codecs.StatusCompleted}[j.field]
	j.field++
	g.emit(t, codecs.KindSetJobStatus, func(c *codecs.Command) {
		c.JobID = j.id
		c.SetJobStatus = &codecs.SetJobStatus{Status: status, At: c.AcceptedAt}
	})
}
