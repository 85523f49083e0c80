package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/state"
	"github.com/tradestream/tradestream/topology"
)

// TestMeasureTrackingThroughput times one instance running the tracking
// group alone through a backlog of pings: 500 tradespeople en route, 200
// pings each (100 000), produced in batches of 1 000 through the API's
// emitter (acks=all), then the group started and timed from its first
// table write to the last. Every ping is joined with its tradesperson's
// state and written back; the visible ETA changes go to job-commands.
// See BENCHMARKS.md ("Tracking"). It runs on the real broker with
// TRADESTREAM_IT_BROKERS set, on the embedded kfake broker otherwise
// (figures that only compare runs on the same machine).
func TestMeasureTrackingThroughput(t *testing.T) {
	if testing.Short() || os.Getenv("TRADESTREAM_MEASURE") == "" {
		t.Skip("set TRADESTREAM_MEASURE=1 to measure")
	}
	const tradespeople, per = 500, 200
	var produce, join []float64
	for range measureRuns {
		p, j := measureTracking(t, tradespeople, per)
		produce, join = append(produce, p), append(join, j)
	}
	t.Logf("MEASURE tracking produce (batches of 1000, acks=all): median %.0f pings/s %v", median(produce), rounded(produce))
	t.Logf("MEASURE tracking join (one instance, tracking group alone): median %.0f pings/s %v", median(join), rounded(join))
}

// measureTracking returns the rate at which the pings were produced and the
// rate at which the tracking group joined them.
func measureTracking(t *testing.T, tradespeople, per int) (float64, float64) {
	env := newTestEnv(t)
	cfg := env.config(t, "measure", t.TempDir())
	cfg.Processors = "tracking"
	cat, err := catalog(cfg)
	require.NoError(t, err)
	_, err = topology.Apply(t.Context(), cat.Config(), cat.Specs())
	require.NoError(t, err)
	ctx := t.Context()

	// Every tradesperson en route to a job 20 km south of their first ping.
	tc, err := goka.NewEmitter(cat.Config().Brokers, cat.TrackingInputs.Topic, cat.TrackingInputs.Codec(), cat.Config().EmitterOptions()...)
	require.NoError(t, err)
	start := time.Now().UTC().Add(-time.Duration(per) * 10 * time.Second).Truncate(time.Second)
	dest := codecs.GeoPoint{Lat: 51.5, Lon: -0.12}
	for i := range tradespeople {
		tp := fmt.Sprintf("tp%d", i)
		require.NoError(t, tc.EmitSync("acme/"+tp, &codecs.TrackingInput{Command: &codecs.TrackingCommand{CommandID: "track_job-j" + tp,
			TenantID: "acme", TradespersonID: tp, Kind: codecs.KindTrackJob, JobID: "j" + tp, Location: dest, At: start}}))
	}
	require.NoError(t, tc.Finish())

	em, err := state.NewKafkaEmitter(cat)
	require.NoError(t, err)
	defer em.Close()
	var batch []*codecs.LocationPing
	began := time.Now()
	for k := range per {
		for i := range tradespeople {
			km := 20 - 19*float64(k)/float64(per)
			batch = append(batch, &codecs.LocationPing{TenantID: "acme", TradespersonID: fmt.Sprintf("tp%d", i),
				Lat: dest.Lat + km/111.2, Lon: dest.Lon + float64(i%7)*0.001, At: start.Add(time.Duration(k) * 10 * time.Second)})
			if len(batch) == 1000 {
				require.NoError(t, em.EmitLocations(ctx, batch))
				batch = batch[:0]
			}
		}
	}
	if len(batch) > 0 {
		require.NoError(t, em.EmitLocations(ctx, batch))
	}
	n := tradespeople * per
	produced := float64(n) / time.Since(began).Seconds()

	runCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- serve(runCtx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil) }()
	client, err := sarama.NewClient([]string{env.brokers}, cat.Config().Sarama())
	require.NoError(t, err)
	defer client.Close()
	// One table write per track_job and per ping (every ping is newer than
	// the last of its tradesperson).
	table, want := string(cat.Tracking.Topic), int64(tradespeople+n)
	var first, total int64
	var t0 time.Time
	deadline := time.Now().Add(10 * time.Minute)
	for total < want {
		total = 0
		for part := range cat.Config().Partitions {
			hwm, err := client.GetOffset(table, part, sarama.OffsetNewest)
			require.NoError(t, err)
			total += hwm
		}
		if total > 0 && t0.IsZero() {
			t0, first = time.Now(), total
		}
		require.True(t, time.Now().Before(deadline), "tracking wrote %d of %d", total, want)
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(t0)
	joined := float64(want-first) / elapsed.Seconds()
	etas := int64(0)
	for part := range cat.Config().Partitions {
		hwm, err := client.GetOffset(string(cat.JobCommands.Topic), part, sarama.OffsetNewest)
		require.NoError(t, err)
		etas += hwm
	}
	t.Logf("MEASURE tracking run: produced %d pings at %.0f/s; joined %d in %s: %.0f pings/s; %d ETA writes to jobs (%.2f per ping)",
		n, produced, want-first, elapsed.Round(time.Millisecond), joined, etas, float64(etas)/float64(n))
	cancel()
	<-done
	return produced, joined
}
