package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/insights"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/memstore"
)

// TestMeasureInsightsBacklog times the insights group through one tenant's
// day of job events (8,000, or TRADESTREAM_MEASURE_RECORDS) waiting on its loop topic (as after a replay or a
// restart), with its table writes coalesced (insights.ProcessorOptions, as
// the instances run it) and written per record (goka's default), side by
// side. Per record the group writes the tenant's state and the event's
// marker (a side key); coalesced, a batch writes each once. Timed by the
// record times of the day's first update and of its final. See
// BENCHMARKS.md ("Insights").
func TestMeasureInsightsBacklog(t *testing.T) {
	if testing.Short() || os.Getenv("TRADESTREAM_MEASURE") == "" {
		t.Skip("set TRADESTREAM_MEASURE=1 to measure")
	}
	events := 8000
	if s := os.Getenv("TRADESTREAM_MEASURE_RECORDS"); s != "" {
		var err error
		events, err = strconv.Atoi(s)
		require.NoError(t, err)
	}
	rates := map[bool][]float64{}
	for range measureRuns {
		for _, coalesced := range []bool{false, true} {
			rate, _ := measureInsightsBacklog(t, events, coalesced)
			rates[coalesced] = append(rates[coalesced], rate)
		}
	}
	for _, coalesced := range []bool{false, true} {
		t.Logf("MEASURE insights backlog of %d events, coalesced %v: median %.0f events/s %v",
			events, coalesced, median(rates[coalesced]), rounded(rates[coalesced]))
	}
}

// TestTheInsightsGroupBehindWritesTheTenantsStateOncePerBatch runs a day's
// backlog through the insights group as the instances run it: the day's
// counts are right, the tenant's state went to the table's changelog a few
// times instead of once per event and stayed small (the counted events are
// marked beside it), and the day's markers were deleted when it closed.
func TestTheInsightsGroupBehindWritesTheTenantsStateOncePerBatch(t *testing.T) {
	const events = 2000
	_, tbl := measureInsightsBacklog(t, events, true)
	t.Logf("%d events: %d writes of the tenant's state (largest %d bytes), %d markers written, %d deleted, %d left",
		events+1, tbl.writes, tbl.largest, tbl.markers, tbl.deleted, tbl.live)
	require.GreaterOrEqual(t, tbl.writes, 1)
	require.LessOrEqual(t, tbl.writes, (events+1)/insights.WriteBatch+3, "one write per batch of %d, and the last", insights.WriteBatch)
	require.Less(t, tbl.largest, 1024, "the tenant's state does not grow with the day's events")
	require.Positive(t, tbl.deleted, "the closed day's markers are deleted")
	require.Zero(t, tbl.live, "no marker of the closed day is left")
}

// insightsTable is what the insights group wrote to its table's topic.
type insightsTable struct {
	writes, largest int // the tenant's state: records, largest value
	// markers and deleted count the records of the closed day's markers
	// with a value and deletions; live those whose last record has a value.
	markers, deleted, live int
}

// measureInsightsBacklog returns the rate at which the insights group
// folded n events of a tenant's day waiting on its loop, and what it wrote
// to its table.
func measureInsightsBacklog(t *testing.T, n int, coalesced bool) (float64, insightsTable) {
	env := newTestEnv(t)
	cfg := env.config(t, "measure", t.TempDir())
	cat, err := catalog(cfg)
	require.NoError(t, err)
	_, err = topology.Apply(t.Context(), cat.Config(), cat.Specs())
	require.NoError(t, err)

	// One tenant's day: n events over 24 h (posted, arrived, completed,
	// rated per job), then one the next day that closes it.
	day := time.Now().UTC().Truncate(24 * time.Hour).Add(-72 * time.Hour)
	kinds := []string{codecs.JobEventPosted, codecs.JobEventArrived, codecs.JobEventCompleted, codecs.JobEventRated}
	em, err := goka.NewEmitter(cat.Config().Brokers, cat.InsightsLoop.Topic, cat.InsightsLoop.Codec(), cat.Config().EmitterOptions()...)
	require.NoError(t, err)
	for i := range n + 1 {
		ev := &codecs.JobEvent{TenantID: "acme", JobID: fmt.Sprint("j", i/len(kinds)), Kind: kinds[i%len(kinds)],
			At: day.Add(time.Duration(i) * 24 * time.Hour / time.Duration(n)), AppointmentStart: day, Rating: 4}
		if i == n {
			ev = &codecs.JobEvent{TenantID: "acme", JobID: "next", Kind: codecs.JobEventPosted, At: day.Add(26 * time.Hour)}
		}
		_, err := em.Emit("acme", &codecs.InsightInput{JobEvent: ev})
		require.NoError(t, err)
	}
	require.NoError(t, em.Finish())

	opts := append(cat.Config().ProcessorOptions(), goka.WithStorageBuilder(memstore.Builder()))
	if coalesced {
		opts = append(opts, insights.ProcessorOptions()...)
	}
	p, err := goka.NewProcessor(cat.Config().Brokers, insights.Define(cat), opts...)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Logf("the processor stopped with: %v", err) // the figure is taken already
		}
	}()

	var first, final time.Time
	eventually(t, 5*time.Minute, func() bool {
		first = time.Time{}
		for _, m := range readAll(t, env.brokers, string(cat.InsightUpdates.Topic)) {
			v, err := cat.InsightUpdates.Codec().Decode(m.Value)
			require.NoError(t, err)
			d := v.(*codecs.InsightsDay)
			if d.Date != insights.Date(day) {
				continue
			}
			if first.IsZero() || m.Timestamp.Before(first) {
				first = m.Timestamp
			}
			if d.Final {
				require.Equal(t, int64(n/len(kinds)), d.Counts.JobsPosted, "the final day counts every job once")
				final = m.Timestamp
			}
		}
		return !final.IsZero()
	}, "the day's final record")
	took := final.Sub(first)
	var tbl insightsTable
	last := map[string]bool{} // marker key → its last record has a value
	for _, m := range readAll(t, env.brokers, string(cat.Insights.Topic)) {
		switch key := string(m.Key); {
		case key == "acme":
			tbl.writes++
			tbl.largest = max(tbl.largest, len(m.Value))
		case strings.HasPrefix(key, goka.SideKey("acme", insights.Date(day)+"/")):
			require.Equal(t, topology.Partition("acme", cat.Config().Partitions), m.Partition, "a marker is in its tenant's partition")
			if m.Value == nil {
				tbl.deleted++
			} else {
				tbl.markers++
			}
			last[key] = m.Value != nil
		}
	}
	for _, live := range last {
		if live {
			tbl.live++
		}
	}
	t.Logf("coalesced %v: %d events in %v, %+v", coalesced, n, took, tbl)
	return float64(n) / took.Seconds(), tbl
}
