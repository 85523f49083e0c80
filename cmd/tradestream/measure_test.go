package main

// Measurements on the real broker, for BENCHMARKS.md. They log figures and
// assert nothing about time. They run only when asked:
//
//	TRADESTREAM_MEASURE=1 go test -run TestMeasure -count=1 -v -timeout 30m ./cmd/tradestream/
//
// with TRADESTREAM_IT_BROKERS and TRADESTREAM_IT_REGISTRY set (see
// scripts/kafka-local.sh and scripts/registry-local.sh).

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/ingest"
	"github.com/tradestream/tradestream/state"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/memstore"
)

// measureRuns is how many times each figure is measured; the median is
// reported.
const measureRuns = 3

func skipUnlessMeasuring(t *testing.T) {
	if os.Getenv("TRADESTREAM_MEASURE") == "" || os.Getenv("TRADESTREAM_IT_BROKERS") == "" {
		t.Skip("set TRADESTREAM_MEASURE=1 and TRADESTREAM_IT_BROKERS/TRADESTREAM_IT_REGISTRY to measure")
	}
}

// TestMeasureTableRecovery fills a jobs table topic with N job records
// written with the real codec, then times fresh views (LevelDB storage, as an
// instance runs them) until they recovered.
func TestMeasureTableRecovery(t *testing.T) {
	skipUnlessMeasuring(t)
	n := 200_000
	if s := os.Getenv("TRADESTREAM_MEASURE_RECORDS"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(t, err)
	}
	prefix := fmt.Sprintf("m%d-%d.", time.Now().UnixNano()%1e9, rand.IntN(1e6))
	cat, err := catalog(&Config{Brokers: os.Getenv("TRADESTREAM_IT_BROKERS"), Registry: os.Getenv("TRADESTREAM_IT_REGISTRY"),
		TopicPrefix: prefix, Partitions: 12, InstanceID: "measure"})
	require.NoError(t, err)
	var specs []topology.Spec
	for _, s := range cat.Specs() {
		if s.Name == string(cat.Jobs.Topic) {
			specs = append(specs, s)
		}
	}
	_, err = topology.Apply(t.Context(), cat.Config(), specs)
	require.NoError(t, err)

	bytes, took := produceJobs(t, cat, n)
	t.Logf("produced %d job records (%.0f bytes each) in %s: %.0f records/s", n, float64(bytes)/float64(n),
		took.Round(time.Millisecond), float64(n)/took.Seconds())

	// Each run recovers a view with LevelDB storage, then one with memory
	// storage (--storage memory: what a processor table of that kind costs
	// at every start), side by side.
	kinds := []struct {
		name  string
		build func() storage.Builder
	}{
		{"LevelDB", func() storage.Builder { return storage.DefaultBuilder(t.TempDir()) }},
		{"memory", memstore.Builder},
	}
	rates := make([][]float64, len(kinds))
	for run := range measureRuns {
		for k, kind := range kinds {
			v, err := state.NewView(cat.Config(), cat.Jobs, goka.WithViewStorageBuilder(kind.build()))
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			start := time.Now()
			go func() { done <- v.Run(ctx) }()
			eventually(t, 10*time.Minute, v.Recovered, "view recovered")
			took := time.Since(start)
			j, err := v.Get(ingest.JobKey("measure", fmt.Sprintf("job-%d", n-1)))
			require.NoError(t, err)
			require.NotNil(t, j, "the last job is in the view")
			cancel()
			require.NoError(t, <-done)
			rates[k] = append(rates[k], float64(n)/took.Seconds())
			t.Logf("run %d: %s view of %d records recovered in %s: %.0f records/s", run+1, kind.name, n,
				took.Round(time.Millisecond), rates[k][run])
		}
	}
	for k, kind := range kinds {
		t.Logf("MEASURE table recovery (%s view, %d records, 12 partitions): median %.0f records/s over %d runs %v",
			kind.name, n, median(rates[k]), measureRuns, rounded(rates[k]))
	}
}

// produceJobs writes n posted jobs of tenant "measure" to the jobs table
// topic, partitioned as goka does, and returns the bytes written and the time
// it took.
func produceJobs(t *testing.T, cat *topology.Catalog, n int) (int, time.Duration) {
	t.Helper()
	cfg := cat.Config().Sarama()
	cfg.Producer.Idempotent = false
	cfg.Producer.RequiredAcks = sarama.WaitForLocal
	cfg.Net.MaxOpenRequests = 5
	cfg.Producer.Flush.Frequency = 5 * time.Millisecond
	cfg.Producer.Flush.Messages = 500
	cfg.Producer.Return.Successes = false
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewAsyncProducer(cat.Config().Brokers, cfg)
	require.NoError(t, err)
	failed := make(chan int)
	go func() {
		count := 0
		for range p.Errors() {
			count++
		}
		failed <- count
	}()
	t0 := time.Date(2030, 1, 7, 8, 0, 0, 0, time.UTC)
	parts := cat.Config().Partitions
	start, total := time.Now(), 0
	for i := range n {
		j := &codecs.Job{ID: fmt.Sprintf("job-%d", i), TenantID: "measure", CustomerID: fmt.Sprintf("cust-%d", i%5000),
			Trade: "plumber", Title: "Leaky tap in the upstairs bathroom", Status: codecs.StatusPosted, Mode: "bid",
			Location: codecs.GeoPoint{Lat: 51.5, Lon: -0.12}, Currency: "GBP", DurationMinutes: 60,
			Window:        codecs.Window{EarliestStart: t0, LatestEnd: t0.Add(9 * time.Hour)},
			StatusHistory: []codecs.StatusChange{{Status: codecs.StatusPosted, At: t0}}, Bids: []codecs.Bid{},
			CreatedAt: t0, UpdatedAt: t0, Seq: int64(i + 1), Version: 1}
		b, err := cat.Jobs.Codec.Encode(j)
		require.NoError(t, err)
		key := ingest.JobKey("measure", j.ID)
		total += len(b)
		p.Input() <- &sarama.ProducerMessage{Topic: string(cat.Jobs.Topic), Key: sarama.StringEncoder(key),
			Value: sarama.ByteEncoder(b), Partition: topology.Partition(key, parts)}
	}
	p.AsyncClose()
	require.Zero(t, <-failed, "records the broker refused")
	return total, time.Since(start)
}

// TestMeasureRebalance times, with tradestream run processes and the jobs
// path (ingest and jobs groups): an instance joining one that runs alone
// (until every group is Stable over both, and until a probe command through
// every partition is processed), a SIGTERM'd instance leaving, and a kill -9'd
// one leaving (the group waits for its session to time out).
func TestMeasureRebalance(t *testing.T) {
	skipUnlessMeasuring(t)
	c := newCluster(t)
	a := c.start("a")
	c.waitBalanced("a alone", "a")
	probes := newProbes(t, a)
	probes.through("warm-up")

	figures := map[string][]float64{}
	record := func(name string, start time.Time) {
		figures[name] = append(figures[name], time.Since(start).Seconds())
	}
	for run := range measureRuns {
		start := time.Now()
		b := c.start("b")
		record("join: ready (views recovered)", start)
		c.waitBalanced("b joined", "a", "b")
		record("join: groups stable over both", start)
		probes.through(fmt.Sprintf("join %d", run))
		record("join: a command through every partition processed", start)

		start = time.Now()
		b.term()
		record("leave (SIGTERM): process exited", start)
		c.waitBalanced("b left", "a")
		record("leave (SIGTERM): groups stable over a", start)
		probes.through(fmt.Sprintf("leave %d", run))
		record("leave (SIGTERM): a command through every partition processed", start)

		b = c.start("b")
		c.waitBalanced("b joined", "a", "b")
		probes.through(fmt.Sprintf("before kill %d", run))
		start = time.Now()
		b.kill()
		c.waitBalanced("b killed", "a")
		record("crash (kill -9): groups stable over a", start)
		probes.through(fmt.Sprintf("crash %d", run))
		record("crash (kill -9): a command through every partition processed", start)
	}
	names := make([]string, 0, len(figures))
	for name := range figures {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Logf("MEASURE rebalance %s: median %.1f s over %d runs %v", name, median(figures[name]), len(figures[name]), rounded(figures[name]))
	}
}

// probes post one job through every partition of the commands topic and of
// the job-commands topic, and wait until each is in the view.
type probes struct {
	t       *testing.T
	via     *proc
	tenants []string // tenants[i] hashes to commands partition i
	jobs    []string // jobs[i] of tenants[i] hashes to job-commands partition i
	n       int      // probes sent through each partition so far
}

func newProbes(t *testing.T, via *proc) *probes {
	const parts = 12
	p := &probes{t: t, via: via, tenants: make([]string, parts), jobs: make([]string, parts)}
	for i, found := 0, 0; found < parts; i++ {
		tenant := fmt.Sprintf("probe%d", i)
		if k := topology.Partition(tenant, parts); p.tenants[k] == "" {
			p.tenants[k] = tenant
			found++
		}
	}
	for k, tenant := range p.tenants {
		for i := 0; p.jobs[k] == ""; i++ {
			if job := fmt.Sprintf("j%d", i); topology.Partition(ingest.JobKey(tenant, job), parts) == int32(k) {
				p.jobs[k] = job
			}
		}
	}
	return p
}

// through sends one command per partition pair, each job's first a post and
// later ones reschedules, and waits until the view shows them all.
func (p *probes) through(what string) {
	p.t.Helper()
	p.n++
	for k, tenant := range p.tenants {
		url, body := p.via.url+"/v1/tenants/"+tenant+"/jobs", any(jobBody(p.jobs[k], 7))
		if p.n > 1 {
			url += "/" + p.jobs[k] + "/reschedule"
			body = map[string]any{"window": jobBody("x", 7+p.n%20)["window"]}
		}
		st, err := postQuiet(url, body)
		require.NoError(p.t, err)
		require.Equal(p.t, http.StatusAccepted, st, "%s: probe %s/%s", what, tenant, p.jobs[k])
	}
	for k, tenant := range p.tenants {
		eventually(p.t, 2*time.Minute, func() bool {
			st, j := getJob(p.via.url, tenant, p.jobs[k])
			return st == http.StatusOK && j.Version == int64(p.n)
		}, "%s: probe %s/%s at version %d", what, tenant, p.jobs[k], p.n)
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func rounded(xs []float64) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		if x >= 100 {
			out[i] = strconv.FormatFloat(x, 'f', 0, 64)
		} else {
			out[i] = strconv.FormatFloat(x, 'f', 1, 64)
		}
	}
	return out
}
