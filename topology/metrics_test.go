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
// series cache: counts land on their own group and topic from many
// goroutines at once, and a pair shows only the series it used.
func TestMetricsCountEachGroupAndTopicThroughTheirLookedUpSeries(t *testing.T) {
	m := NewMetrics()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			topic := []string{"in-a", "in-b"}[g%2]
			for range 1000 {
				m.observe("g", topic, time.Now())
				m.emit("g", "out")
			}
			if g == 0 {
				m.deadLetter("g", "in-a")
			}
		})
	}
	wg.Wait()
	require.Equal(t, map[string]int{"tradestream_records_processed_total": 2, "tradestream_processing_seconds": 2,
		"tradestream_records_emitted_total": 1, "tradestream_records_dead_lettered_total": 1}, seriesOf(t, m))
	require.Equal(t, 4000.0, counterValue(t, m.processed.WithLabelValues("g", "in-a")))
	require.Equal(t, 4000.0, counterValue(t, m.processed.WithLabelValues("g", "in-b")))
	require.Equal(t, 8000.0, counterValue(t, m.emitted.WithLabelValues("g", "out")))
	require.Equal(t, 1.0, counterValue(t, m.deadLettered.WithLabelValues("g", "in-a")))
	// a pair shows only the series it used
	m2 := NewMetrics()
	m2.emit("g", "out")
	require.Equal(t, map[string]int{"tradestream_records_emitted_total": 1}, seriesOf(t, m2))
	var nilMetrics *Metrics
	nilMetrics.observe("g", "in", time.Now()) // a catalog without metrics
	nilMetrics.emit("g", "out")
	nilMetrics.deadLetter("g", "in")
}
