package topology_test

import (
	"fmt"
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
