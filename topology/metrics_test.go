package topology

import (
	"sync"
	"sync/atomic"
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

// gathered returns the series of family name for group and topic, as the
// registry serves it (nil when it has none).
func gathered(t *testing.T, m *Metrics, name, group, topic string) *dto.Metric {
	t.Helper()
	families, err := m.Registry.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, metric := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range metric.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["group"] == group && labels["topic"] == topic {
				return metric
			}
		}
	}
	return nil
}

func gatheredCount(t *testing.T, m *Metrics, name, group, topic string) float64 {
	t.Helper()
	metric := gathered(t, m, name, group, topic)
	require.NotNil(t, metric, "no %s{group=%q,topic=%q}", name, group, topic)
	return metric.GetCounter().GetValue()
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
			for i := range 1000 {
				partition := int32(g*1000 + i) // every shard
				in.observe(group, partition, time.Now())
				out.emit(group, partition)
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
		require.Equal(t, 2000.0, gatheredCount(t, m, "tradestream_records_processed_total", group, "in-a"))
		require.Equal(t, 2000.0, gatheredCount(t, m, "tradestream_records_processed_total", group, "in-b"))
		require.Equal(t, 4000.0, gatheredCount(t, m, "tradestream_records_emitted_total", group, "out"))
		require.Equal(t, uint64(2000), gathered(t, m, "tradestream_processing_seconds", group, "in-a").GetHistogram().GetSampleCount())
	}
	require.Equal(t, 1.0, counterValue(t, m.deadLettered.WithLabelValues("g", "in-a")))
	require.Same(t, m.seriesOf("g", "out"), out.of("g"), "a stream's series are the catalog's")
	// a pair shows only the series it used
	m2 := NewMetrics()
	newEdgeSeries(m2, "out").emit("g", 0)
	require.Equal(t, map[string]int{"tradestream_records_emitted_total": 1}, seriesOf(t, m2))
	var nilMetrics *Metrics // a catalog without metrics
	require.Nil(t, newEdgeSeries(nilMetrics, "in"))
	var none *edgeSeries
	none.observe("g", 0, time.Now())
	none.emit("g", 0)
	nilMetrics.deadLetter("g", "in")
}

// TestTheLatencyHistogramSumsItsPartitionsShards checks what a series'
// shards add up to: each handler time in the bucket of the smallest bound
// it does not exceed, the count (the records processed) and the sum.
func TestTheLatencyHistogramSumsItsPartitionsShards(t *testing.T) {
	m := NewMetrics()
	s := m.seriesOf("g", "in")
	for partition, d := range map[int32]time.Duration{
		3:  40 * time.Microsecond, // under the first bound, 50 µs
		19: 50 * time.Microsecond, // on it (partition 19 shares 3's shard)
		4:  time.Millisecond,      // under 1.953 ms
		5:  time.Hour,             // above every bound
	} {
		s.shard(partition).observe(d)
	}
	h := gathered(t, m, "tradestream_processing_seconds", "g", "in").GetHistogram()
	require.Equal(t, uint64(4), h.GetSampleCount())
	require.InDelta(t, 3600.00109, h.GetSampleSum(), 1e-9)
	got := map[float64]uint64{}
	for _, b := range h.GetBucket() {
		got[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	require.Len(t, got, len(latencyBuckets))
	require.Equal(t, uint64(2), got[0.00005])
	require.Equal(t, uint64(2), got[latencyBuckets[3]], "0.78 ms")
	require.Equal(t, uint64(3), got[latencyBuckets[4]], "1.95 ms")
	require.Equal(t, uint64(3), got[latencyBuckets[11]], "the last bound, 1.19 s")
	require.Equal(t, 4.0, gatheredCount(t, m, "tradestream_records_processed_total", "g", "in"))
	require.Nil(t, gathered(t, m, "tradestream_records_emitted_total", "g", "in"), "no emit, no series")
}

// BenchmarkEdgeMetrics is what a record's metrics cost a handler: the
// input's count and latency and one emit's count, from as many goroutines
// as cores (partitions of one group).
func BenchmarkEdgeMetrics(b *testing.B) {
	m := NewMetrics()
	in, out := newEdgeSeries(m, "tracking-inputs"), newEdgeSeries(m, "job-commands")
	var partitions atomic.Int32
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		partition := partitions.Add(1) // a goroutine per partition, as a group's
		for pb.Next() {
			in.observe("tracking", partition, time.Now())
			out.emit("tracking", partition)
		}
	})
}
