package calendar

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology/topologytest"
)

// busyCalendar books n one-hour jobs, within 8 km of central London, into a
// tradesperson's working week through Apply, as the group would.
func busyCalendar(b *testing.B, n int) *codecs.Calendar {
	rng := rand.New(rand.NewPCG(1, 2))
	cal, _ := Apply(nil, profileReq(1, weekdays("08:00", "18:00"), true))
	for i := range n {
		req := reserveReq(fmt.Sprint("busy-", i), 1, at(0, "08:00"), at(4+7*(i/25), "18:00"), 60)
		req.Location = codecs.GeoPoint{Lat: 51.5 + (rng.Float64()-0.5)*0.14, Lon: -0.12 + (rng.Float64()-0.5)*0.22}
		next, answers := Apply(cal, req)
		if next == nil || answers[0].Kind != codecs.KindSlotConfirmed {
			b.Fatalf("could not book %d jobs", n)
		}
		cal = next
	}
	return cal
}

// BenchmarkReserve measures one booking decision of the calendar group: a
// reserve that must search past n appointments (the job's window is the
// whole booked span, so the earliest free slot is at its end), then the
// release that undoes it. "codec" adds decoding and encoding the calendar,
// which the group does for every record.
func BenchmarkReserve(b *testing.B) {
	for _, n := range []int{0, 20, 200} {
		cal := busyCalendar(b, n)
		req := reserveReq("new", 1, at(0, "08:00"), at(35, "18:00"), 60)
		rel := releaseReq("new", 1)
		b.Run(fmt.Sprintf("appointments=%d", n), func(b *testing.B) {
			for b.Loop() {
				next, answers := Apply(cal, req)
				if answers[0].Kind != codecs.KindSlotConfirmed {
					b.Fatal(answers[0].Reason)
				}
				Apply(next, rel)
			}
		})
		b.Run(fmt.Sprintf("appointments=%d+codec", n), func(b *testing.B) {
			codec := topologytest.Catalog(b).Calendars.Codec
			data, err := codec.Encode(cal)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				v, err := codec.Decode(data)
				if err != nil {
					b.Fatal(err)
				}
				next, _ := Apply(v.(*codecs.Calendar), req)
				if _, err := codec.Encode(next); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(data)), "bytes/calendar")
		})
	}
}

// BenchmarkCheck measures the invariant checker over a marketplace of 1 000
// tradespeople with 40 appointments each (40 000 booked jobs, a third of
// them depending on the job before).
func BenchmarkCheck(b *testing.B) {
	var (
		cals []codecs.Calendar
		jobs []codecs.Job
	)
	for t := range 1000 {
		tp := fmt.Sprint("tp", t)
		cal := calendarOf(tp)
		for k := range 40 {
			day, slot := k/8, k%8
			id := fmt.Sprintf("%s-j%d", tp, k)
			var deps []string
			if k%3 == 2 {
				deps = []string{fmt.Sprintf("%s-j%d", tp, k-1)}
			}
			j, a := booking(id, tp, at(day, "08:00").Add(time.Duration(slot)*75*time.Minute), here, deps...)
			cal.Appointments = append(cal.Appointments, a)
			jobs = append(jobs, j)
		}
		cals = append(cals, cal)
	}
	if r := Check(cals, jobs, time.Time{}); !r.OK() {
		b.Fatalf("the fixture is not consistent: %v", r.Violations[:1])
	}
	b.ReportMetric(40_000, "appointments")
	for b.Loop() {
		Check(cals, jobs, time.Time{})
	}
}
