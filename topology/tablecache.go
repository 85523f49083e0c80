package topology

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tradestream/tradestream/codecs"
)

// cacheCollector exports the counters of the catalog's table caches
// (codecs.CacheStats), read at each scrape.
type cacheCollector struct {
	caches                                   map[string]*codecs.Cached // by table topic
	hits, misses, primes, evictions, entries *prometheus.Desc
}

func newCacheCollector(caches map[string]*codecs.Cached) *cacheCollector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, []string{"table"}, nil)
	}
	return &cacheCollector{caches: caches,
		hits:      desc("tradestream_table_cache_hits_total", "Table values read from the table's cache instead of decoded."),
		misses:    desc("tradestream_table_cache_misses_total", "Table values decoded: not in the table's cache."),
		primes:    desc("tradestream_table_cache_primes_total", "Table values written and kept in the table's cache for their next read."),
		evictions: desc("tradestream_table_cache_evictions_total", "Values the table's cache dropped to make room."),
		entries:   desc("tradestream_table_cache_entries", "Values the table's cache holds."),
	}
}

// Describe implements prometheus.Collector.
func (c *cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.hits, c.misses, c.primes, c.evictions, c.entries} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *cacheCollector) Collect(ch chan<- prometheus.Metric) {
	for table, cache := range c.caches {
		s := cache.Stats()
		ch <- prometheus.MustNewConstMetric(c.hits, prometheus.CounterValue, float64(s.Hits), table)
		ch <- prometheus.MustNewConstMetric(c.misses, prometheus.CounterValue, float64(s.Misses), table)
		ch <- prometheus.MustNewConstMetric(c.primes, prometheus.CounterValue, float64(s.Primes), table)
		ch <- prometheus.MustNewConstMetric(c.evictions, prometheus.CounterValue, float64(s.Evictions), table)
		ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, float64(s.Len), table)
	}
}
