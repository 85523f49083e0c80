package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/calendar"
)

// TestAMoveCascadesThroughADependencyChain books a chain a ← b ← c (each
// depends on the one before), moves a to the next day, and checks that b
// and then c follow it; cancelling b then sends c to needs_attention and
// frees both slots. It runs on the in-memory bus, with redeliveries.
func TestAMoveCascadesThroughADependencyChain(t *testing.T) {
	b := newMemBus(3, 0.05, 0)
	var n int
	send := func(kind, job string, set func(*codecs.Command)) {
		n++
		c := &codecs.Command{CommandID: fmt.Sprint("c", n), TenantID: "acme", Kind: kind, JobID: job,
			AcceptedAt: scenarioStart.Add(time.Duration(n) * time.Second)}
		set(c)
		b.submit(c)
		require.NoError(t, b.drain(100_000))
	}
	send(codecs.KindUpsertTradesperson, "", func(c *codecs.Command) {
		c.TradespersonID = "ana"
		c.UpsertTradesperson = &codecs.UpsertTradesperson{Name: "Ana", Trades: []string{"plumber"},
			Base: codecs.GeoPoint{Lat: 51.5, Lon: -0.12}, RadiusKm: 30, Active: true}
	})
	monday := codecs.Window{EarliestStart: scenarioStart.Add(8 * time.Hour), LatestEnd: scenarioStart.Add(48 * time.Hour)}
	post := func(id string, deps ...string) {
		send(codecs.KindPostJob, id, func(c *codecs.Command) {
			c.PostJob = &codecs.PostJob{CustomerID: "cust", Trade: "plumber", Location: codecs.GeoPoint{Lat: 51.5, Lon: -0.12},
				Window: monday, DurationMinutes: 60, Mode: "auto", DependsOn: deps, Currency: "GBP"}
		})
	}
	post("c", "b") // posted before its dependency: it waits
	post("b", "a")
	post("a")
	start := func(id string) time.Time {
		j := b.jobs["acme/"+id]
		require.Equal(t, codecs.StatusBooked, j.Status, id)
		return j.Appointment.Start
	}
	assert.Equal(t, scenarioStart.Add(8*time.Hour), start("a"))
	assert.Equal(t, scenarioStart.Add(9*time.Hour), start("b"))
	assert.Equal(t, scenarioStart.Add(10*time.Hour), start("c"))

	tuesday := codecs.Window{EarliestStart: scenarioStart.Add(32 * time.Hour), LatestEnd: scenarioStart.Add(42 * time.Hour)}
	send(codecs.KindRescheduleJob, "a", func(c *codecs.Command) { c.RescheduleJob = &codecs.RescheduleJob{Window: tuesday} })
	assert.Equal(t, scenarioStart.Add(32*time.Hour), start("a"))
	assert.Equal(t, scenarioStart.Add(33*time.Hour), start("b"), "b follows a")
	assert.Equal(t, scenarioStart.Add(34*time.Hour), start("c"), "and c follows b")

	send(codecs.KindCancelJob, "b", func(c *codecs.Command) { c.CancelJob = &codecs.CancelJob{} })
	assert.Equal(t, codecs.StatusNeedsAttention, b.jobs["acme/c"].Status)
	cals, jobs := b.tables()
	r := calendar.Check(cals, jobs, time.Time{})
	assert.True(t, r.OK(), "%v %v", r.Violations, r.InFlight)
	assert.Equal(t, 1, r.Appointments, "only a keeps its slot")
}
