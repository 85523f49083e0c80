package main

import (
	"fmt"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// Simulator mixes: "jobs" posts, cancels and reschedules jobs only (the
// cluster tests fold it with the jobs state machine); "marketplace" also
// registers tradespeople and plays bids, acceptances, promos, pricing
// changes and payments.
const (
	mixJobs        = "jobs"
	mixMarketplace = "marketplace"
)

// market is the simulator's memory of the marketplace it created: enough
// to send plausible commands without reading any view.
type market struct {
	size     int                       // tradespeople per tenant
	people   map[string][]simPerson    // per tenant
	setup    []*codecs.Command         // registration commands still to send
	open     map[string][]simJob       // jobs open for bids, per tenant
	accepted map[string][]simPayment   // accepted jobs to pay, per tenant
	bids     map[string]map[string]int // bids sent per tenant and job
}

type simPerson struct {
	id     string
	trades []string
	base   codecs.GeoPoint
}

type simJob struct {
	id, trade string
	loc       codecs.GeoPoint
	bidder    *simPerson // the last bidder
}

type simPayment struct {
	job, payment string
	step         int
}

var paymentSteps = []string{codecs.PaymentAuthorized, codecs.PaymentCaptured, codecs.PaymentSettled}

func newMarket(size int) *market {
	return &market{size: size, people: map[string][]simPerson{}, open: map[string][]simJob{},
		accepted: map[string][]simPayment{}, bids: map[string]map[string]int{}}
}

// marketCommand makes the next marketplace command: first every tenant's
// tradespeople, pricing and a promo, then a mix of the market's life.
func (s *simulator) marketCommand(now time.Time) (string, *codecs.Command) {
	m := s.market
	if len(m.people) == 0 {
		s.registerMarket(now)
	}
	if len(m.setup) > 0 {
		cmd := m.setup[0]
		m.setup = m.setup[1:]
		cmd.AcceptedAt = now.Truncate(time.Millisecond)
		return cmd.TenantID, cmd
	}
	tenant := s.tenants[s.rng.IntN(len(s.tenants))]
	s.next++
	cmd := &codecs.Command{CommandID: fmt.Sprintf("sim-%d-%d", now.UnixNano(), s.next), TenantID: tenant,
		AcceptedAt: now.Truncate(time.Millisecond), Source: "simulator"}
	roll := s.rng.IntN(100)
	switch {
	case roll < 35 || len(m.open[tenant]) == 0:
		s.postJob(cmd, now)
	case roll < 70:
		s.bid(cmd)
	case roll < 80:
		s.accept(cmd)
	case roll < 92 && len(m.accepted[tenant]) > 0:
		s.pay(cmd)
	case roll < 97:
		s.cancelOpen(cmd)
	default:
		cmd.Kind = codecs.KindSetPricing
		cmd.SetPricing = &codecs.SetPricing{TaxBps: int32(s.rng.IntN(3) * 1000), PlatformFeeBps: int32(1000 + s.rng.IntN(6)*100)}
	}
	return tenant, cmd
}

func (s *simulator) registerMarket(now time.Time) {
	m := s.market
	for _, tenant := range s.tenants {
		for i := range max(m.size, 1) {
			p := simPerson{id: fmt.Sprintf("tp-%d", i+1), trades: []string{trades[s.rng.IntN(len(trades))]}}
			if s.rng.IntN(4) == 0 {
				p.trades = append(p.trades, trades[s.rng.IntN(len(trades))])
			}
			p.base = codecs.GeoPoint{Lat: 51.3 + s.rng.Float64()*0.4, Lon: -0.5 + s.rng.Float64()*0.7}
			m.people[tenant] = append(m.people[tenant], p)
			m.setup = append(m.setup, &codecs.Command{CommandID: fmt.Sprintf("sim-setup-%s-%s-%d", tenant, p.id, now.UnixNano()),
				TenantID: tenant, TradespersonID: p.id, Kind: codecs.KindUpsertTradesperson, Source: "simulator",
				UpsertTradesperson: &codecs.UpsertTradesperson{Name: "Simulated " + p.id, Trades: p.trades, Active: true,
					Base:     p.base,
					RadiusKm: 10 + s.rng.Float64()*20, WorkingHours: everyDay()}})
		}
		max := int32(1000)
		m.setup = append(m.setup, &codecs.Command{CommandID: fmt.Sprintf("sim-setup-%s-promo-%d", tenant, now.UnixNano()),
			TenantID: tenant, PromoCode: "WELCOME10", Kind: codecs.KindUpsertPromo, Source: "simulator",
			UpsertPromo: &codecs.UpsertPromo{Code: "WELCOME10", PercentOff: ptrTo(int32(10)), Active: true,
				ValidFrom: now.Add(-time.Hour), ValidTo: now.Add(365 * 24 * time.Hour), MaxRedemptions: &max}})
	}
}

// everyDay is 07:00–20:00 every day, so that simulated jobs always match.
func everyDay() []codecs.WorkingHours {
	out := make([]codecs.WorkingHours, 7)
	for d := range out {
		out[d] = codecs.WorkingHours{Weekday: int32(d), Start: "07:00", End: "20:00"}
	}
	return out
}

func (s *simulator) postJob(cmd *codecs.Command, now time.Time) {
	id := fmt.Sprintf("job-%d", s.next)
	trade := trades[s.rng.IntN(len(trades))]
	start := now.Add(time.Duration(2+s.rng.IntN(72)) * time.Hour).Truncate(time.Hour)
	mode := "bid"
	if s.rng.IntN(7) == 0 {
		mode = "auto"
	}
	cmd.Kind, cmd.JobID = codecs.KindPostJob, id
	cmd.PostJob = &codecs.PostJob{CustomerID: fmt.Sprintf("cust-%d", s.rng.IntN(500)), Trade: trade,
		Title: "Simulated " + trade + " job", Location: codecs.GeoPoint{Lat: 51.35 + s.rng.Float64()*0.3, Lon: -0.4 + s.rng.Float64()*0.5},
		Window: codecs.Window{EarliestStart: start, LatestEnd: start.Add(8 * time.Hour)}, DurationMinutes: int32(30 + 15*s.rng.IntN(8)),
		Mode: mode, Currency: "GBP"}
	if s.rng.IntN(5) == 0 {
		cmd.PostJob.PromoCode = "WELCOME10"
	}
	if mode == "bid" {
		open := append(s.market.open[cmd.TenantID], simJob{id: id, trade: trade, loc: cmd.PostJob.Location})
		if len(open) > 200 {
			open = open[1:]
		}
		s.market.open[cmd.TenantID] = open
	}
}

func (s *simulator) bid(cmd *codecs.Command) {
	open := s.market.open[cmd.TenantID]
	j := &open[s.rng.IntN(len(open))]
	var able []simPerson
	for _, p := range s.market.people[cmd.TenantID] {
		for _, t := range p.trades {
			if t == j.trade {
				able = append(able, p)
			}
		}
	}
	if len(able) == 0 {
		able = s.market.people[cmd.TenantID] // a bid the jobs group refuses
	}
	p := able[s.rng.IntN(len(able))]
	if s.market.bids[cmd.TenantID] == nil {
		s.market.bids[cmd.TenantID] = map[string]int{}
	}
	s.market.bids[cmd.TenantID][j.id]++
	cmd.Kind, cmd.JobID = codecs.KindSubmitBid, j.id
	cmd.SubmitBid = &codecs.SubmitBid{BidID: fmt.Sprintf("bid-%d", s.next), TradespersonID: p.id, Currency: "GBP",
		Lines: []codecs.QuoteLine{{Description: "labour", Kind: "labor", AmountMinor: int64(5000 + s.rng.IntN(40)*500)},
			{Description: "materials", Kind: "materials", AmountMinor: int64(s.rng.IntN(20) * 250)}}}
	cmd.CommandID = cmd.CommandID + "-" + cmd.SubmitBid.BidID
	s.lastBid[j.id] = cmd.SubmitBid.BidID
	j.bidder = &p
}

func (s *simulator) accept(cmd *codecs.Command) {
	open := s.market.open[cmd.TenantID]
	for i, j := range open {
		bid, ok := s.lastBid[j.id]
		if !ok {
			continue
		}
		cmd.Kind, cmd.JobID, cmd.AcceptBid = codecs.KindAcceptBid, j.id, &codecs.AcceptBid{BidID: bid}
		s.market.open[cmd.TenantID] = append(open[:i:i], open[i+1:]...)
		s.market.accepted[cmd.TenantID] = append(s.market.accepted[cmd.TenantID], simPayment{job: j.id, payment: "pay-" + j.id})
		delete(s.lastBid, j.id)
		if s.fleet != nil && j.bidder != nil {
			s.fleet.add(cmd.TenantID, j.id, j.bidder.id, j.bidder.base, j.loc, cmd.AcceptedAt)
		}
		return
	}
	s.bid(cmd) // nothing to accept yet
}

func (s *simulator) pay(cmd *codecs.Command) {
	acc := s.market.accepted[cmd.TenantID]
	i := s.rng.IntN(len(acc))
	p := &acc[i]
	cmd.Kind, cmd.JobID, cmd.PaymentID = codecs.KindPaymentEvent, p.job, p.payment
	cmd.PaymentEvent = &codecs.PaymentEvent{PaymentID: p.payment, Event: paymentSteps[p.step],
		AmountMinor: int64(5000 + s.rng.IntN(100)*100), Currency: "GBP"}
	p.step++
	if p.step == len(paymentSteps) {
		s.market.accepted[cmd.TenantID] = append(acc[:i:i], acc[i+1:]...)
	}
}

func (s *simulator) cancelOpen(cmd *codecs.Command) {
	open := s.market.open[cmd.TenantID]
	i := s.rng.IntN(len(open))
	cmd.Kind, cmd.JobID = codecs.KindCancelJob, open[i].id
	cmd.CancelJob = &codecs.CancelJob{Reason: "simulated"}
	s.market.open[cmd.TenantID] = append(open[:i:i], open[i+1:]...)
}

func ptrTo[T any](v T) *T { return &v }
