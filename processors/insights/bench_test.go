package insights

import (
	"fmt"
	"testing"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology/topologytest"
	"github.com/tradestream/tradestream/topology/window"
)

// dayOfEvents is n job events of one tenant spread over one day (in order),
// a tenth of them repeated, then one event the next day that closes it.
func dayOfEvents(n int) []*codecs.JobEvent {
	kinds := []string{codecs.JobEventPosted, codecs.JobEventArrived, codecs.JobEventCompleted, codecs.JobEventRated}
	out := make([]*codecs.JobEvent, 0, n+1)
	for i := range n {
		e := &codecs.JobEvent{TenantID: "acme", JobID: fmt.Sprint("j", i/len(kinds)), Kind: kinds[i%len(kinds)],
			At: day.Add(time.Duration(i) * 24 * time.Hour / time.Duration(n)), AppointmentStart: day, Rating: 4}
		if i%10 == 9 {
			e = out[i-1] // a re-send
		}
		out = append(out, e)
	}
	return append(out, &codecs.JobEvent{TenantID: "acme", JobID: "next", Kind: codecs.JobEventPosted, At: day.Add(26 * time.Hour)})
}

// BenchmarkAggregateDay folds a tenant's day of events into its window:
// "fold" is the window and counting logic alone; "stored" adds what the
// group does per record besides Kafka: decoding and encoding the tenant's
// state and encoding the event's marker (side key), as when every record
// is written (a group that keeps up).
func BenchmarkAggregateDay(b *testing.B) {
	cat := topologytest.Catalog(b)
	for _, n := range []int{100, 1000, 10000} {
		events := dayOfEvents(n)
		b.Run(fmt.Sprintf("fold/events=%d", n), func(b *testing.B) {
			for b.Loop() {
				var st window.State[Agg]
				for _, e := range events {
					st, _ = window.Add(Days, st, e.At, func(window.Bounds) Agg { return Agg{} }, func(a *Agg) { FoldJobEvent(a, e) })
				}
			}
			b.ReportMetric(float64(len(events)*b.N)/b.Elapsed().Seconds(), "events/s")
		})
		b.Run(fmt.Sprintf("stored/events=%d", n), func(b *testing.B) {
			for b.Loop() {
				var data []byte
				marked := make(map[string]bool, len(events))
				for i, e := range events {
					var cur *codecs.InsightsState
					if data != nil {
						v, err := cat.Insights.Codec.Decode(data)
						if err != nil {
							b.Fatal(err)
						}
						cur = v.(*codecs.InsightsState)
					}
					id := markerKey(e.At, EventID(e))
					count := !marked[id]
					st, _ := window.Add(Days, FromStored(cur), e.At, func(window.Bounds) Agg { return Agg{} },
						func(a *Agg) {
							if count {
								FoldJobEvent(a, e)
							}
						})
					s := ToStored(st)
					s.NextOffset = int64(i + 1)
					var err error
					if data, err = cat.Insights.Codec.Encode(s); err != nil {
						b.Fatal(err)
					}
					if count {
						marked[id] = true
						if _, err = cat.Insights.Codec.Encode(&codecs.InsightsState{NextOffset: int64(i + 1)}); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
			b.ReportMetric(float64(len(events)*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
