package state

import (
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Metric names the dashboard reads from the instance's registry.
const (
	processedMetric = "tradestream_records_processed_total"
	lagMetric       = "tradestream_consumer_lag_records"
)

// rateWindow is how far back a rate looks; rateEvery how often the registry
// is gathered at most.
const (
	rateWindow = 5 * time.Second
	rateEvery  = 500 * time.Millisecond
)

// rateSample is the counters of the rate sources at one time.
type rateSample struct {
	at     time.Time
	counts map[string]float64
}

// rateSampler turns the registry's counters into rates and reads the
// consumer lag, gathering at most once per rateEvery for every board.
type rateSampler struct {
	g       prometheus.Gatherer
	sources []RateSource

	mu      sync.Mutex
	samples []rateSample
	rates   map[string]*float64
	lag     *int64
	byGroup map[string]int64
}

func newRateSampler(g prometheus.Gatherer, sources []RateSource) *rateSampler {
	return &rateSampler{g: g, sources: sources, rates: unknownRates(sources), byGroup: map[string]int64{}}
}

func unknownRates(sources []RateSource) map[string]*float64 {
	out := map[string]*float64{}
	for _, s := range sources {
		out[s.Name] = nil
	}
	return out
}

// sample returns the rates, the total lag and the lag per group as of now.
func (r *rateSampler) sample(now time.Time) (map[string]*float64, *int64, map[string]int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.g == nil {
		return r.rates, nil, r.byGroup
	}
	if n := len(r.samples); n > 0 && now.Sub(r.samples[n-1].at) < rateEvery {
		return r.rates, r.lag, r.byGroup
	}
	fams, err := r.g.Gather()
	if err != nil && len(fams) == 0 {
		return r.rates, r.lag, r.byGroup
	}
	r.samples = append(r.samples, rateSample{at: now, counts: counterSums(fams, r.sources)})
	for len(r.samples) > 1 && now.Sub(r.samples[0].at) > rateWindow {
		r.samples = r.samples[1:]
	}
	r.rates = rates(r.samples, r.sources)
	r.lag, r.byGroup = lagOf(fams)
	return r.rates, r.lag, r.byGroup
}

// counterSums sums the processed-record counters of each source.
func counterSums(fams []*dto.MetricFamily, sources []RateSource) map[string]float64 {
	out := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != processedMetric {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := labelMap(m)
			for _, s := range sources {
				if labels["group"] == s.Group && labels["topic"] == s.Topic {
					out[s.Name] += m.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

// rates are the per-second increases between the oldest and newest
// samples; unknown (nil) until the samples span half a second.
func rates(samples []rateSample, sources []RateSource) map[string]*float64 {
	out := unknownRates(sources)
	if len(samples) < 2 {
		return out
	}
	first, last := samples[0], samples[len(samples)-1]
	span := last.at.Sub(first.at).Seconds()
	if span < 0.5 {
		return out
	}
	for _, s := range sources {
		v := max(last.counts[s.Name]-first.counts[s.Name], 0) / span
		out[s.Name] = &v
	}
	return out
}

// lagOf sums the consumer lag gauges, in total and per group; nil when the
// registry has none.
func lagOf(fams []*dto.MetricFamily) (*int64, map[string]int64) {
	byGroup := map[string]int64{}
	for _, f := range fams {
		if f.GetName() != lagMetric {
			continue
		}
		var total int64
		for _, m := range f.GetMetric() {
			n := int64(m.GetGauge().GetValue())
			total += n
			byGroup[strings.TrimPrefix(labelMap(m)["group"], "processor ")] += n
		}
		return &total, byGroup
	}
	return nil, byGroup
}

func labelMap(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}
