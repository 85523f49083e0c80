package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// TestMeasurePingToSSELatency measures how long a GPS ping takes to reach
// the job's event stream as a new ETA: from just before POST .../locations
// to the `job` event whose eta.updated_at is the ping's time. Trucks (one
// per tenant, each en route to its job, each job's stream open) send pings
// at a fixed total rate, each 100 m nearer its job (so that every ping
// changes the ETA the job shows: the tracking group sends only visible
// changes, see tracking.Visible). It asserts nothing about time; without
// TRADESTREAM_MEASURE=1 it skips. It runs on the real broker when
// TRADESTREAM_IT_BROKERS/TRADESTREAM_IT_REGISTRY are set, else on the
// embedded one. TRADESTREAM_MEASURE_PING_RATE sets the rate (default 50/s).
func TestMeasurePingToSSELatency(t *testing.T) {
	if os.Getenv("TRADESTREAM_MEASURE") == "" {
		t.Skip("set TRADESTREAM_MEASURE=1 to measure")
	}
	rate := 50.0
	if s := os.Getenv("TRADESTREAM_MEASURE_PING_RATE"); s != "" {
		var err error
		rate, err = strconv.ParseFloat(s, 64)
		require.NoError(t, err)
	}
	const trucks, duration = 10, 20 * time.Second
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())

	var (
		mu      sync.Mutex
		sent    = map[string]time.Time{} // "<tenant> <ping ms>" → when its POST began
		latency []time.Duration
		wg      sync.WaitGroup
	)
	streams := make([]*eventStream, trucks)
	for i := range trucks {
		tenant := fmt.Sprint("m", i)
		bookedAutoJob(t, in, tenant, "t1")
		st, out := in.post(t, "/v1/tenants/"+tenant+"/jobs/t1/status", map[string]any{"status": "en_route",
			"at": time.Now().UTC().Add(-time.Hour)})
		require.Equal(t, http.StatusAccepted, st, out)
		eventually(t, 30*time.Second, func() bool {
			st, _ := in.post(t, "/v1/tenants/"+tenant+"/locations", []map[string]any{pingJSON("ana", 100, time.Now().UTC())})
			j := in.job(t, tenant, "t1")
			return st == http.StatusAccepted && j.ETA != nil
		}, "a first ETA of %s", tenant)
		streams[i] = openEventStream(t, in, tenant, "t1")
		wg.Add(1)
		go func() { // the stream's reader
			defer wg.Done()
			for ev := range streams[i].events {
				var j codecs.Job
				if ev.event != "job" || json.Unmarshal([]byte(ev.data), &j) != nil || j.ETA == nil {
					continue
				}
				got := time.Now()
				mu.Lock()
				if s, ok := sent[fmt.Sprint(tenant, " ", j.ETA.UpdatedAt.UnixMilli())]; ok {
					latency = append(latency, got.Sub(s))
				}
				mu.Unlock()
			}
		}()
	}

	interval := time.Duration(float64(trucks) / rate * float64(time.Second))
	startKm := 5 + 0.1*(duration.Seconds()/interval.Seconds()+10) // never within arrival distance
	var senders sync.WaitGroup
	posted := make([]int, trucks)
	stop := time.Now().Add(duration)
	for i := range trucks {
		senders.Add(1)
		go func() { // one truck: pings in order, at its share of the rate
			defer senders.Done()
			tick := time.NewTicker(interval)
			defer tick.Stop()
			tenant := fmt.Sprint("m", i)
			for n := 1; time.Now().Before(stop); n++ {
				<-tick.C
				at := time.Now().UTC().Truncate(time.Millisecond)
				mu.Lock()
				sent[fmt.Sprint(tenant, " ", at.UnixMilli())] = time.Now()
				mu.Unlock()
				st, _ := postQuiet(in.url+"/v1/tenants/"+tenant+"/locations", []map[string]any{pingJSON("ana", startKm-0.1*float64(n), at)})
				if st == http.StatusAccepted {
					posted[i]++
				}
			}
		}()
	}
	senders.Wait()
	time.Sleep(5 * time.Second) // stragglers
	total := 0
	for _, n := range posted {
		total += n
	}
	mu.Lock()
	ls := slices.Clone(latency)
	mu.Unlock()
	slices.Sort(ls)
	require.NotEmpty(t, ls)
	q := func(p float64) time.Duration {
		return ls[min(len(ls)-1, int(p*float64(len(ls))))].Round(time.Millisecond)
	}
	broker := "embedded kfake"
	if env.real {
		broker = "real broker"
	}
	t.Logf("MEASURE ping-to-SSE (%s, %d trucks, target %.0f pings/s, sent %.1f pings/s): %d of %d pings seen on a stream; latency p50 %s, p90 %s, p99 %s, max %s",
		broker, trucks, rate, float64(total)/duration.Seconds(), len(ls), total, q(0.50), q(0.90), q(0.99), ls[len(ls)-1].Round(time.Millisecond))
	dropped := "?"
	if resp, err := http.Get(in.url + "/metrics"); err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, line := range strings.Split(string(body), "\n") {
			if v, ok := strings.CutPrefix(line, `tradestream_sse_dropped_events_total{event="job"} `); ok {
				dropped = v
			}
		}
	}
	t.Logf("MEASURE ping-to-SSE: job states superseded before their stream took them (drop-to-latest): %s", dropped)
	require.NoError(t, in.stop())
	wg.Wait()
}
