package main

import (
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/tradestream/tradestream/topology"
)

// An idle instance's consumers (a view per table, a consumer per group)
// each fetch again whenever a fetch comes back empty: how often is the
// fetch wait's doing. With Kafka's default (500 ms) an idle instance asks
// the broker a fraction as often as with 20 ms. (That a record is not held
// back by the wait, the broker answering a waiting fetch as soon as one
// arrives, every end-to-end test shows: they run with the default.)
func TestAnIdleInstanceAsksTheBrokerForRecordsRarely(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(12))
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	var fetches atomic.Int64
	cluster.ControlKey(int16(kmsg.Fetch), func(kmsg.Request) (kmsg.Response, error, bool) {
		fetches.Add(1)
		return nil, nil, false // counted, then handled as usual
	})
	reg := srfake.New()
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(func() { srv.Close(); reg.Close() })

	idleFetches := func(name string, wait time.Duration) int64 {
		prefix := fmt.Sprintf("fw%s%d.", name, time.Now().UnixNano()%1e9)
		t.Setenv("TRADESTREAM_CDC_TOPICS", cdcTopicsOf(prefix))
		env := &testEnv{brokers: cluster.ListenAddrs()[0], registry: srv.URL, prefix: prefix,
			configure: func(c *Config) { c.FetchWait = wait }}
		in := env.start(t, name, t.TempDir())
		time.Sleep(time.Second) // past the views' first fetches
		before := fetches.Load()
		time.Sleep(2 * time.Second)
		n := fetches.Load() - before
		require.NoError(t, in.stop())
		return n
	}
	short := idleFetches("short", 20*time.Millisecond)
	deflt := idleFetches("default", 0)
	t.Logf("fetch requests of an idle instance in 2 s: %d with a 20 ms wait, %d with the default (%s)",
		short, deflt, topology.DefaultFetchWait)
	require.Positive(t, deflt, "the idle instance still fetches")
	assert.Less(t, deflt*5, short, "the default wait spaces an idle instance's fetches out")
}
