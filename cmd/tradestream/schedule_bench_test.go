package main

import (
	"testing"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/calendar"
)

// BenchmarkSchedulingLogic runs the 5 000-command scheduling scenario
// through the scheduling groups' logic on the in-memory bus, without faults
// and without Kafka or Avro: the cost of the decisions alone, per scenario.
// It reports client commands, internal records and slot confirmations per
// second of one core.
func BenchmarkSchedulingLogic(b *testing.B) {
	cmds := scenario(20300107, 3, 12, 5000)
	var records, confirmed int
	for b.Loop() {
		bus := newMemBus(1, 0, 0)
		for _, c := range cmds {
			bus.submit(c)
		}
		if err := bus.drain(1 << 30); err != nil {
			b.Fatal(err)
		}
		records, confirmed = bus.processed, 0
		for _, j := range bus.jobs {
			for _, h := range j.StatusHistory {
				if h.Status == codecs.StatusBooked {
					confirmed++
				}
			}
		}
	}
	per := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(len(cmds))/per, "commands/s")
	b.ReportMetric(float64(records)/per, "records/s")
	b.ReportMetric(float64(confirmed)/per, "bookings/s")
}

// BenchmarkCheckScenario measures the checker on the scenario's final
// tables (about 2 100 jobs and 500 appointments).
func BenchmarkCheckScenario(b *testing.B) {
	bus := newMemBus(1, 0, 0)
	for _, c := range scenario(20300107, 3, 12, 5000) {
		bus.submit(c)
	}
	if err := bus.drain(1 << 30); err != nil {
		b.Fatal(err)
	}
	cals, jobs := bus.tables()
	for b.Loop() {
		if r := calendar.Check(cals, jobs, time.Time{}); !r.OK() {
			b.Fatal(r.Violations)
		}
	}
}
