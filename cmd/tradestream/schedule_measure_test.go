package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/state"
)

// TestMeasureSchedulingThroughput times bookings through every processor
// group of one instance on the real broker (see measure_test.go for how to
// run it): 4 tenants of 25 tradespeople each, then jobs posted as fast as
// 32 clients can, until every job is booked or needs attention.
//
//   - auto: 2 000 auto jobs; each is matched, probes its (up to 5)
//     candidates' calendars and reserves the earliest start.
//   - accept: 2 000 bid jobs, each with one bid, accepted: one reserve.
func TestMeasureSchedulingThroughput(t *testing.T) {
	skipUnlessMeasuring(t)
	for _, flow := range []string{"auto", "accept"} {
		var rates, checks []float64
		for run := range measureRuns {
			rate, check := measureBookings(t, flow, 2000, uint64(run))
			rates, checks = append(rates, rate), append(checks, check)
		}
		t.Logf("MEASURE scheduling %s: median %.0f bookings/s over %d runs %v", flow, median(rates), measureRuns, rounded(rates))
		t.Logf("MEASURE check schedule (read both tables from Kafka + check): median %.2f s %v", median(checks), rounded(checks))
	}
}

// measureBookings returns bookings per second and the time `check
// schedule` took on the result.
func measureBookings(t *testing.T, flow string, jobs int, seed uint64) (float64, float64) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	defer in.stop()
	cat, err := catalog(env.config(t, "driver", t.TempDir()))
	require.NoError(t, err)
	emitter, err := state.NewKafkaEmitter(cat)
	require.NoError(t, err)
	defer emitter.Close()
	rng := rand.New(rand.NewPCG(seed, 11))
	at := time.Now().UTC()
	point := func() codecs.GeoPoint {
		return codecs.GeoPoint{Lat: 51.5 + (rng.Float64()-0.5)*0.14, Lon: -0.12 + (rng.Float64()-0.5)*0.22}
	}
	cmd := func(tenant, kind string) *codecs.Command {
		at = at.Add(time.Millisecond)
		return &codecs.Command{CommandID: fmt.Sprintf("m-%s-%d", tenant, at.UnixNano()), TenantID: tenant, Kind: kind,
			AcceptedAt: at, Source: "measure"}
	}
	var setup []*codecs.Command
	tenants := []string{"m0", "m1", "m2", "m3"}
	for _, tn := range tenants {
		for k := range 25 {
			c := cmd(tn, codecs.KindUpsertTradesperson)
			c.TradespersonID = fmt.Sprint("tp", k)
			c.UpsertTradesperson = &codecs.UpsertTradesperson{Name: c.TradespersonID, Trades: []string{"plumber"},
				Base: point(), RadiusKm: 30, Active: true}
			setup = append(setup, c)
		}
	}
	ctx := t.Context()
	for _, c := range setup {
		require.NoError(t, emitter.Emit(ctx, c.TenantID, c))
	}
	eventually(t, time.Minute, func() bool {
		cals, err := readTable(ctx, cat, cat.Calendars)
		return err == nil && len(cals) == len(setup)
	}, "every calendar has its profile")
	time.Sleep(time.Second) // the matching index and the jobs group's profile lookups follow

	// One client per tenant and flow lane: a job's commands stay in order.
	lanes := make([][]*codecs.Command, 32)
	for i := range jobs {
		tn := tenants[i%len(tenants)]
		p := cmd(tn, codecs.KindPostJob)
		p.JobID = fmt.Sprint("j", i)
		start := scenarioStart.AddDate(0, 0, rng.IntN(5)).Add(time.Duration(8+rng.IntN(6)) * time.Hour)
		p.PostJob = &codecs.PostJob{CustomerID: "c", Trade: "plumber", Title: p.JobID, Location: point(), DurationMinutes: 60,
			Window: codecs.Window{EarliestStart: start, LatestEnd: start.Add(4 * time.Hour)}, Mode: flow, Currency: "GBP"}
		lane := []*codecs.Command{p}
		if flow == "accept" {
			p.PostJob.Mode = "bid"
			b := cmd(tn, codecs.KindSubmitBid)
			b.JobID = p.JobID
			b.SubmitBid = &codecs.SubmitBid{BidID: "b", TradespersonID: fmt.Sprint("tp", rng.IntN(25)), Currency: "GBP",
				Lines: []codecs.QuoteLine{{Kind: "labor", AmountMinor: 5000}}}
			a := cmd(tn, codecs.KindAcceptBid)
			a.JobID, a.AcceptBid = p.JobID, &codecs.AcceptBid{BidID: "b"}
			lane = append(lane, b, a)
		}
		lanes[i%len(lanes)] = append(lanes[i%len(lanes)], lane...)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for _, lane := range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, c := range lane {
				if err := emitter.Emit(ctx, c.TenantID, c); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	sent := time.Since(start)
	var booked int
	eventually(t, 10*time.Minute, func() bool {
		js, err := readTable(ctx, cat, cat.Jobs)
		require.NoError(t, err)
		done := 0
		booked = 0
		for _, j := range js {
			switch j.Status {
			case codecs.StatusBooked:
				booked++
				done++
			case codecs.StatusNeedsAttention:
				done++
			}
		}
		if done < jobs {
			time.Sleep(200 * time.Millisecond)
		}
		return done == jobs
	}, "every job booked or needing attention")
	took := time.Since(start)
	checkStart := time.Now()
	r, err := checkSchedule(context.Background(), cat, time.Time{})
	require.NoError(t, err)
	checkTook := time.Since(checkStart)
	require.Empty(t, r.Violations)
	t.Logf("%s run %d: %d jobs sent in %s, %d booked (%d need attention) after %s: %.0f bookings/s; check %s",
		flow, seed+1, jobs, sent.Round(time.Millisecond), booked, jobs-booked, took.Round(time.Millisecond),
		float64(booked)/took.Seconds(), checkTook.Round(time.Millisecond))
	return float64(booked) / took.Seconds(), checkTook.Seconds()
}
