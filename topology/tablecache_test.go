package topology_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology/topologytest"
)

// TestTheTrackingCacheServesTenThousandTradespeople: 10,000 tradespeople
// pinging in turn (each ping reads its tradesperson's state and writes the
// next) are all served from the cache of TrackingCacheSize, whose shards
// fill unevenly.
func TestTheTrackingCacheServesTenThousandTradespeople(t *testing.T) {
	cat := topologytest.Catalog(t)
	codec, cache := cat.Tracking.GokaCodec(), cat.Tracking.Cache()
	require.NotNil(t, cache)
	const n = 10_000
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	stored := make([][]byte, n)
	for round := range 3 {
		for k := range n {
			st := &codecs.TrackingState{Finished: []string{}, Outbox: []codecs.TrackingEffect{}}
			if round > 0 {
				v, err := codec.Decode(stored[k])
				require.NoError(t, err)
				prev := v.(*codecs.TrackingState)
				require.Equal(t, fmt.Sprint(k), prev.Finished[0])
				st.Samples = prev.Samples + 1
			}
			st.Finished = []string{fmt.Sprint(k)}
			st.Last = &codecs.Fix{Lat: 51.5, Lon: -0.12, At: at.Add(time.Duration(round) * time.Minute)}
			var err error
			stored[k], err = codec.Encode(st)
			require.NoError(t, err)
		}
	}
	assert.Equal(t, codecs.CacheStats{Hits: 2 * n, Primes: 3 * n, Len: n}, cache.Stats())
}

func TestTheTableCachesAreInTheMetrics(t *testing.T) {
	cat := topologytest.Catalog(t)
	codec := cat.Tracking.GokaCodec()
	data, err := codec.Encode(&codecs.TrackingState{Finished: []string{}, Outbox: []codecs.TrackingEffect{}})
	require.NoError(t, err)
	for range 2 { // a hit, then a miss: the hit took the state out
		_, err = codec.Decode(data)
		require.NoError(t, err)
	}
	families, err := cat.Metrics.Registry.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "tradestream_table_cache_") {
			continue
		}
		for _, m := range f.GetMetric() {
			if m.GetLabel()[0].GetValue() != string(cat.Tracking.Topic) {
				continue
			}
			if m.Counter != nil {
				got[f.GetName()] = m.GetCounter().GetValue()
			} else if m.Gauge != nil {
				got[f.GetName()] = m.GetGauge().GetValue()
			}
		}
	}
	assert.Equal(t, map[string]float64{
		"tradestream_table_cache_hits_total": 1, "tradestream_table_cache_misses_total": 1,
		"tradestream_table_cache_primes_total": 1, "tradestream_table_cache_evictions_total": 0,
		"tradestream_table_cache_entries": 0,
	}, got)
}
