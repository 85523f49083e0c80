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

// lookup returns (a copy of) the series of k made so far.
func (m *Metrics) lookup(k seriesKey) series {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if s := m.series[k]; s != nil {
		return *s
	}
	return series{}
}

// made returns (a copy of) the series of k after fill made what it lacks.
func (m *Metrics) made(k seriesKey, fill func(*series)) series {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.series[k]
	if s == nil {
		s = new(series)
		m.series[k] = s
	}
	fill(s)
	return *s
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
	k := seriesKey{group, topic}
	s := m.lookup(k)
	if s.processed == nil {
		s = m.made(k, func(s *series) {
			if s.processed == nil {
				s.processed = m.processed.WithLabelValues(group, topic)
				s.latency = m.latency.WithLabelValues(group, topic)
			}
		})
	}
	s.processed.Inc()
	s.latency.Observe(time.Since(start).Seconds())
}

func (m *Metrics) deadLetter(group, topic string) {
	if m == nil {
		return
	}
	k := seriesKey{group, topic}
	s := m.lookup(k)
	if s.deadLettered == nil {
		s = m.made(k, func(s *series) {
			if s.deadLettered == nil {
				s.deadLettered = m.deadLettered.WithLabelValues(group, topic)
			}
		})
	}
	s.deadLettered.Inc()
}

func (m *Metrics) emit(group, topic string) {
	if m == nil {
		return
	}
	k := seriesKey{group, topic}
	s := m.lookup(k)
	if s.emitted == nil {
		s = m.made(k, func(s *series) {
			if s.emitted == nil {
				s.emitted = m.emitted.WithLabelValues(group, topic)
			}
		})
	}
	s.emitted.Inc()
}
