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

	processed    *prometheus.CounterVec
	deadLettered *prometheus.CounterVec
	emitted      *prometheus.CounterVec
	latency      *prometheus.HistogramVec

	// The series by group and topic, made once (seriesOf); the streams
	// find theirs without this lock (edgeSeries).
	mu     sync.Mutex
	series map[seriesKey]*series
}

type seriesKey struct{ group, topic string }

// series are one group and topic's metrics, each made on first use, so
// that a pair that never dead-letters shows no dead-letter series. They
// are read without a lock: a record's path loads each with one atomic read.
type series struct {
	processed, deadLettered, emitted lazy[prometheus.Counter]
	latency                          lazy[prometheus.Observer]
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
		s = new(series)
		m.series[k] = s
	}
	return s
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

// observe counts a record of the stream that group handled, and the time
// its handler took since start.
func (e *edgeSeries) observe(group string, start time.Time) {
	if e == nil {
		return
	}
	s := e.of(group)
	s.processed.get(func() prometheus.Counter { return e.m.processed.WithLabelValues(group, e.topic) }).Inc()
	s.latency.get(func() prometheus.Observer { return e.m.latency.WithLabelValues(group, e.topic) }).
		Observe(time.Since(start).Seconds())
}

// emit counts a record group wrote to the stream.
func (e *edgeSeries) emit(group string) {
	if e != nil {
		e.m.emitTo(e.of(group), group, e.topic)
	}
}

// NewMetrics registers the processing metrics on a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		series:   make(map[seriesKey]*series),
		processed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tradestream_records_processed_total",
			Help: "Input records handled, per processor group and topic."}, []string{"group", "topic"}),
		deadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tradestream_records_dead_lettered_total",
			Help: "Input records sent to the dead-letter topic, per processor group and source topic."}, []string{"group", "topic"}),
		emitted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tradestream_records_emitted_total",
			Help: "Records emitted, per processor group and output topic (rejections are those to the rejects topic)."}, []string{"group", "topic"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tradestream_processing_seconds",
			Help:    "Time a handler took for one input record, per processor group and topic.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2.5, 12)}, []string{"group", "topic"}),
	}
	m.Registry.MustRegister(m.processed, m.deadLettered, m.emitted, m.latency)
	return m
}

func (m *Metrics) deadLetter(group, topic string) {
	if m != nil {
		m.seriesOf(group, topic).deadLettered.get(func() prometheus.Counter {
			return m.deadLettered.WithLabelValues(group, topic)
		}).Inc()
	}
}

func (m *Metrics) emitTo(s *series, group, topic string) {
	s.emitted.get(func() prometheus.Counter { return m.emitted.WithLabelValues(group, topic) }).Inc()
}
