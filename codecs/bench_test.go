package codecs

import (
	"fmt"
	"testing"
	"time"
)

// benchValues are the records of the hot paths: a GPS ping, the tracking
// state (steady, with an outbox of 2 effects, and with a full one of 8), the
// eta_update and post_job commands, and a job.
func benchValues() []struct {
	name, schema string
	value        any
} {
	at := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	speed := 34.0
	eta := func(i int) *ETA {
		return &ETA{Minutes: int32(20 - i), DistanceKm: 12.5 - float64(i)/10, UpdatedAt: at.Add(time.Duration(i) * 10 * time.Second),
			Position: &GeoPoint{Lat: 51.5 + float64(i)/1000, Lon: -0.12}}
	}
	state := func(outbox int) *TrackingState {
		s := &TrackingState{
			Active: &TrackedJob{JobID: "job-000123", Location: GeoPoint{Lat: 51.6, Lon: -0.1}, Since: at, Sent: eta(outbox)},
			Last:   &Fix{Lat: 51.51, Lon: -0.12, At: at.Add(time.Minute)}, SpeedKmh: 33.7, Samples: 12,
			Finished: []string{"job-000100", "job-000101"},
		}
		for i := range outbox {
			s.Outbox = append(s.Outbox, TrackingEffect{PingAt: at.Add(time.Duration(i) * 10 * time.Second), Kind: KindETAUpdate, JobID: "job-000123", ETA: eta(i)})
		}
		return s
	}
	budget := int64(25000)
	return []struct {
		name, schema string
		value        any
	}{
		{"ping", "tracking_input", &TrackingInput{Ping: &LocationPing{TenantID: "acme", TradespersonID: "tp-0042", Lat: 51.5, Lon: -0.12, At: at, SpeedKmh: &speed}}},
		{"tracking_state_outbox_2", "tracking_state", state(2)},
		{"tracking_state_outbox_8", "tracking_state", state(8)},
		{"eta_update", "command", &Command{CommandID: "eta-1", TenantID: "acme", Kind: KindETAUpdate, JobID: "job-000123",
			TradespersonID: "tp-0042", AcceptedAt: at, Source: "tracking", ETA: eta(0)}},
		{"post_job", "command", &Command{CommandID: "c-1", TenantID: "acme", Kind: KindPostJob, AcceptedAt: at, IdempotencyKey: "k-1", Source: "api",
			PostJob: &PostJob{CustomerID: "c-1", Trade: "plumber", Title: "Leaky tap", Location: GeoPoint{Lat: 51.5, Lon: -0.12},
				Window: Window{EarliestStart: at, LatestEnd: at.Add(8 * time.Hour)}, DurationMinutes: 90, Mode: "auto", BudgetMinor: &budget, Currency: "GBP"}}},
		{"job", "job", func() *Job { j := sampleJob(); return &j }()},
	}
}

// BenchmarkCodecs runs the goavro path and the binary codec side by side on
// the same values: go test -run XXX -bench Codecs -benchtime 1s ./codecs
func BenchmarkCodecs(b *testing.B) {
	reg := NewMemoryRegistry()
	for _, v := range benchValues() {
		c := codecFor(b, reg, v.schema)
		data, err := c.binEncode(v.value)
		if err != nil {
			b.Fatal(err)
		}
		for _, path := range []string{"goavro", "binary"} {
			enc, dec := c.oldEncode, c.oldDecode
			if path == "binary" {
				enc, dec = c.binEncode, c.binDecode
			}
			b.Run(fmt.Sprintf("%s/%d_bytes/encode/%s", v.name, len(data), path), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := enc(v.value); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("%s/%d_bytes/decode/%s", v.name, len(data), path), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := dec(data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
