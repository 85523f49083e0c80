package topology

import (
	"sync"
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

	// The series by group and topic, looked up once: a vector's lookup
	// hashes its label values on every call, a few percent of a ping's CPU.
	mu     sync.RWMutex
	series map[seriesKey]*series
}

type seriesKey struct{ group, topic string }

// series are one group and topic's metrics, each made on first use, so
// that a pair that never dead-letters shows no dead-letter series.
type series struct {
	processed, deadLettered, emitted prometheus.Counter
	latency                          prometheus.Observer
}

// metric returns the metric of group and topic that field points to in
// their series, made by mk on first use.
func metric[M comparable](m *Metrics, group, topic string, field func(*series) *M, mk func() M) M {
	k := seriesKey{group, topic}
	var v, none M
	m.mu.RLock()
	if s := m.series[k]; s != nil {
		v = *field(s)
	}
	m.mu.RUnlock()
	if v != none {
		return v
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.series[k]
	if s == nil {
		s = new(series)
		m.series[k] = s
	}
	if f := field(s); *f == none {
		*f = mk()
	}
	return *field(s)
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

func (m *Metrics) observe(group, topic string, start time.Time) {
	if m == nil {
		return
	}
	metric(m, group, topic, func(s *series) *prometheus.Counter { return &s.processed },
		func() prometheus.Counter { return m.processed.WithLabelValues(group, topic) }).Inc()
	metric(m, group, topic, func(s *series) *prometheus.Observer { return &s.latency },
		func() prometheus.Observer { return m.latency.WithLabelValues(group, topic) }).Observe(time.Since(start).Seconds())
}

func (m *Metrics) deadLetter(group, topic string) {
	if m != nil {
		metric(m, group, topic, func(s *series) *prometheus.Counter { return &s.deadLettered },
			func() prometheus.Counter { return m.deadLettered.WithLabelValues(group, topic) }).Inc()
	}
}

func (m *Metrics) emit(group, topic string) {
	if m != nil {
		metric(m, group, topic, func(s *series) *prometheus.Counter { return &s.emitted },
			func() prometheus.Counter { return m.emitted.WithLabelValues(group, topic) }).Inc()
	}
}
