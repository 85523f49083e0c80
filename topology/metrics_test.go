package topology

import (
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
)

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var d dto.Metric
	require.NoError(t, c.Write(&d))
	return d.GetCounter().GetValue()
}

// seriesOf counts the series of each family the registry holds.
func seriesOf(t *testing.T, m *Metrics) map[string]int {
	t.Helper()
	families, err := m.Registry.Gather()
	require.NoError(t, err)
	out := map[string]int{}
	for _, f := range families {
		out[f.GetName()] = len(f.GetMetric())
	}
	return out
}

// TestMetricsCountEachGroupAndTopicThroughTheirLookedUpSeries checks the
// series caches: counts land on their own group and topic from many
// goroutines at once, two groups on one stream each get theirs (the
// stream's copy-on-write map gains a group while others read it), and a
// pair shows only the series it used.
func TestMetricsCountEachGroupAndTopicThroughTheirLookedUpSeries(t *testing.T) {
	m := NewMetrics()
	inA, inB, out := newEdgeSeries(m, "in-a"), newEdgeSeries(m, "in-b"), newEdgeSeries(m, "out")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			in := []*edgeSeries{inA, inB}[g%2]
			group := []string{"g", "h"}[g/4]
			for range 1000 {
				in.observe(group, time.Now())
				out.emit(group)
			}
			if g == 0 {
				m.deadLetter("g", "in-a")
			}
		})
	}
	wg.Wait()
	require.Equal(t, map[string]int{"tradestream_records_processed_total": 4, "tradestream_processing_seconds": 4,
		"tradestream_records_emitted_total": 2, "tradestream_records_dead_lettered_total": 1}, seriesOf(t, m))
	for _, group := range []string{"g", "h"} {
		require.Equal(t, 2000.0, counterValue(t, m.processed.WithLabelValues(group, "in-a")))
		require.Equal(t, 2000.0, counterValue(t, m.processed.WithLabelValues(group, "in-b")))
		require.Equal(t, 4000.0, counterValue(t, m.emitted.WithLabelValues(group, "out")))
	}
	require.Equal(t, 1.0, counterValue(t, m.deadLettered.WithLabelValues("g", "in-a")))
	require.Same(t, m.seriesOf("g", "out"), out.of("g"), "a stream's series are the catalog's")
	// a pair shows only the series it used
	m2 := NewMetrics()
	newEdgeSeries(m2, "out").emit("g")
	require.Equal(t, map[string]int{"tradestream_records_emitted_total": 1}, seriesOf(t, m2))
	var nilMetrics *Metrics // a catalog without metrics
	require.Nil(t, newEdgeSeries(nilMetrics, "in"))
	var none *edgeSeries
	none.observe("g", time.Now())
	none.emit("g")
	nilMetrics.deadLetter("g", "in")
}

// BenchmarkEdgeMetrics is what a record's metrics cost a handler: the
// input's count and latency and one emit's count, from as many goroutines
// as cores (partitions of one group).
func BenchmarkEdgeMetrics(b *testing.B) {
	m := NewMetrics()
	in, out := newEdgeSeries(m, "tracking-inputs"), newEdgeSeries(m, "job-commands")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			in.observe("tracking", time.Now())
			out.emit("tracking")
		}
	})
}
