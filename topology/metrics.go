package topology

import (
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
}

// NewMetrics registers the processing metrics on a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
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
	m.processed.WithLabelValues(group, topic).Inc()
	m.latency.WithLabelValues(group, topic).Observe(time.Since(start).Seconds())
}

func (m *Metrics) deadLetter(group, topic string) {
	if m != nil {
		m.deadLettered.WithLabelValues(group, topic).Inc()
	}
}

func (m *Metrics) emit(group, topic string) {
	if m != nil {
		m.emitted.WithLabelValues(group, topic).Inc()
	}
}
