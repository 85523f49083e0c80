package topology

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the processing metrics of one catalog's processors, on a
// registry of their own (no global state): records processed, dead-lettered
// and emitted per group and topic, and the handler latency.
type Metrics struct {
	// Registry holds every collector; cmd adds its own and serves it.
	Registry *prometheus.Registry

	deadLettered *prometheus.CounterVec

	// The series by group and topic, made once (seriesOf); the streams
	// find theirs without this lock (edgeSeries). Metrics collects their
	// records processed and emitted and their latency (Collect).
	mu     sync.Mutex
	series map[seriesKey]*series
}

type seriesKey struct{ group, topic string }

// The records processed and emitted and the handler latency, collected
// from the series (Metrics.Collect).
var (
	processedDesc = prometheus.NewDesc("tradestream_records_processed_total",
		"Input records handled, per processor group and topic.", []string{"group", "topic"}, nil)
	emittedDesc = prometheus.NewDesc("tradestream_records_emitted_total",
		"Records emitted, per processor group and output topic (rejections are those to the rejects topic).", []string{"group", "topic"}, nil)
	latencyDesc = prometheus.NewDesc("tradestream_processing_seconds",
		"Time a handler took for one input record, per processor group and topic.", []string{"group", "topic"}, nil)
	// latencyBuckets are the latency histogram's upper bounds, in seconds.
	latencyBuckets = prometheus.ExponentialBuckets(0.00005, 2.5, latencyBounds)
)

// latencyBounds is how many upper bounds the latency histogram has.
const latencyBounds = 12

// series are one group and topic's metrics. The records processed and
// emitted and their latency are counted in shards, a record in its
// partition's: a group's partitions run on every core, and counters they
// all wrote would move between the cores' caches at every record. A series
// shows once it counted something (Collect). The dead letters are a
// vector's child made on first use, read without a lock.
type series struct {
	shards       [shardCount]shard // first, from the object's start: its size class aligns it to 64 bytes
	group, topic string
	deadLettered lazy[prometheus.Counter]
}

// shardCount is how many shards a series has; partition p counts in shard
// p % shardCount.
const shardCount = 16

// shard is a part of a series' counts, on cache lines of its own.
type shard struct {
	// buckets[i] counts the records whose handler took at most
	// latencyBuckets[i] and more than the bound before; the last one the
	// records above every bound. Their sum is the records processed.
	buckets  [latencyBounds + 1]atomic.Uint64
	sumNanos atomic.Uint64 // the handlers' time
	emitted  atomic.Uint64
	_        [128 - (latencyBounds+3)*8]byte // to 128 bytes, two cache lines
}

// observe counts a record handled in d.
func (sh *shard) observe(d time.Duration) {
	secs := d.Seconds()
	i := 0
	for i < len(latencyBuckets) && secs > latencyBuckets[i] {
		i++
	}
	sh.buckets[i].Add(1)
	sh.sumNanos.Add(uint64(max(d, 0)))
}

func (s *series) shard(partition int32) *shard {
	return &s.shards[uint32(partition)%shardCount]
}

// lazy is a metric made on first use. Two goroutines may both make it:
// a vector's WithLabelValues returns the same child to both.
type lazy[M any] struct{ p atomic.Pointer[M] }

func (l *lazy[M]) get(mk func() M) M {
	if p := l.p.Load(); p != nil {
		return *p
	}
	v := mk()
	l.p.CompareAndSwap(nil, &v)
	return *l.p.Load()
}

// seriesOf returns the series of group and topic, made on first use.
func (m *Metrics) seriesOf(group, topic string) *series {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := seriesKey{group, topic}
	s := m.series[k]
	if s == nil {
		s = &series{group: group, topic: topic}
		m.series[k] = s
	}
	return s
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- processedDesc
	ch <- emittedDesc
	ch <- latencyDesc
}

// Collect implements prometheus.Collector: each series' shards summed, the
// records processed and their latency once it handled a record, the records
// emitted once it emitted one.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	all := make([]*series, 0, len(m.series))
	for _, s := range m.series {
		all = append(all, s)
	}
	m.mu.Unlock()
	for _, s := range all {
		var counts [latencyBounds + 1]uint64
		var sumNanos, emitted uint64
		for i := range s.shards {
			sh := &s.shards[i]
			for b := range counts {
				counts[b] += sh.buckets[b].Load()
			}
			sumNanos += sh.sumNanos.Load()
			emitted += sh.emitted.Load()
		}
		if emitted > 0 {
			ch <- prometheus.MustNewConstMetric(emittedDesc, prometheus.CounterValue, float64(emitted), s.group, s.topic)
		}
		processed, cumulative := uint64(0), make(map[float64]uint64, len(latencyBuckets))
		for b, n := range counts {
			processed += n
			if b < len(latencyBuckets) {
				cumulative[latencyBuckets[b]] = processed
			}
		}
		if processed == 0 {
			continue
		}
		ch <- prometheus.MustNewConstMetric(processedDesc, prometheus.CounterValue, float64(processed), s.group, s.topic)
		ch <- prometheus.MustNewConstHistogram(latencyDesc, processed, float64(sumNanos)/1e9, cumulative, s.group, s.topic)
	}
}

// edgeSeries are a stream's series by group: a copy-on-write map, so that a
// record's lookup takes no lock shared by every partition of every group
// (the catalog's map under its lock was a few per cent of a ping's CPU).
// A nil *edgeSeries (a catalog without metrics) records nothing.
type edgeSeries struct {
	m       *Metrics
	topic   string
	byGroup atomic.Pointer[map[string]*series]
	mu      sync.Mutex // held to add a group
}

func newEdgeSeries(m *Metrics, topic string) *edgeSeries {
	if m == nil {
		return nil
	}
	return &edgeSeries{m: m, topic: topic}
}

// of returns group's series of the stream.
func (e *edgeSeries) of(group string) *series {
	if byGroup := e.byGroup.Load(); byGroup != nil {
		if s := (*byGroup)[group]; s != nil {
			return s
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.byGroup.Load()
	if old != nil && (*old)[group] != nil {
		return (*old)[group]
	}
	next := make(map[string]*series, 1)
	if old != nil {
		maps.Copy(next, *old)
	}
	s := e.m.seriesOf(group, e.topic)
	next[group] = s
	e.byGroup.Store(&next)
	return s
}

// observe counts a record of the stream that partition of group handled,
// and the time its handler took since start.
func (e *edgeSeries) observe(group string, partition int32, start time.Time) {
	if e != nil {
		e.of(group).shard(partition).observe(time.Since(start))
	}
}

// emit counts a record partition of group wrote to the stream.
func (e *edgeSeries) emit(group string, partition int32) {
	if e != nil {
		e.of(group).shard(partition).emitted.Add(1)
	}
}

// NewMetrics registers the processing metrics on a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		series:   make(map[seriesKey]*series),
		deadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tradestream_records_dead_lettered_total",
			Help: "Input records sent to the dead-letter topic, per processor group and source topic."}, []string{"group", "topic"}),
	}
	m.Registry.MustRegister(m, m.deadLettered)
	return m
}

func (m *Metrics) deadLetter(group, topic string) {
	if m != nil {
		m.seriesOf(group, topic).deadLettered.get(func() prometheus.Counter {
			return m.deadLettered.WithLabelValues(group, topic)
		}).Inc()
	}
}
