package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tradestream/tradestream/processors/ingest"
	"github.com/tradestream/tradestream/topology"
)

// noisyResult is the noisy-neighbour figure of the job command pipeline
// (b): tenant B's latencies alone, and while tenant A sends 50× B's rate.
type noisyResult struct {
	RateB              float64
	AloneP50, AloneP99 time.Duration
	FloodP50, FloodP99 time.Duration
}

// noisyPairs is how many phases of each condition a noisy-neighbour run
// alternates.
const noisyPairs = 3

// noisyNeighbour runs `tradestream run --processors ingest,jobs` with two
// tenants on different partitions of the commands topic: B at rate, alone
// for d in all and with A at 50×rate for d in all, in alternating phases.
func noisyNeighbour(ctx context.Context, b *benchConfig, rate float64, d time.Duration) (noisyResult, error) {
	prefix := fmt.Sprintf("bench%d-noisy.", time.Now().UnixNano()%1e9)
	defer deleteRunTopics(b, prefix, func(format string, args ...any) {
		fmt.Fprintf(b.Progress, "bench noisy neighbour: %s\n", fmt.Sprintf(format, args...))
	})
	cat, cfg, err := benchCatalog(ctx, b, prefix)
	if err != nil {
		return noisyResult{}, err
	}
	tenantA, tenantB := "tenant-a", "tenant-b"
	for i := 0; topology.Partition(tenantA, cat.Config().Partitions) == topology.Partition(tenantB, cat.Config().Partitions); i++ {
		tenantB = fmt.Sprintf("tenant-b%d", i)
	}
	w, err := watchOutput(strings.Split(b.Brokers, ","), string(cat.Jobs.Topic), benchSarama(),
		func(key, _ []byte) (string, bool) { return string(key), true })
	if err != nil {
		return noisyResult{}, err
	}
	defer w.Close()
	// Each tenant writes through its own client, as two customers' systems
	// would: with one producer B's records would queue behind A's in the
	// bench's own request pipeline, which is not Tradestream's doing.
	producers := map[string]*benchProducer{}
	for _, tenant := range []string{tenantA, tenantB} {
		p, err := newBenchProducer(strings.Split(b.Brokers, ","))
		if err != nil {
			return noisyResult{}, err
		}
		defer p.Close()
		producers[tenant] = p
	}
	worker, logPath := runWorker(b, cfg, "ingest,jobs"), filepath.Join(b.WorkDir, prefix+"log")
	stop, err := startWorker(worker, logPath)
	if err != nil {
		return noisyResult{}, err
	}
	defer stop()
	var n atomic.Int64 // records sent: each has a distinct job id
	send := func(tenant string, now time.Time) string {
		job := fmt.Sprintf("job-%d", n.Add(1))
		k, v := jobCommand(cat, tenant, job, now)
		producers[tenant].send(string(cat.Commands.Topic), k, v)
		return ingest.JobKey(tenant, job)
	}
	wait := func(sent map[string]time.Time) ([]time.Duration, error) {
		for _, p := range producers {
			if err := p.flush(); err != nil {
				return nil, err
			}
		}
		wctx, cancel := context.WithTimeout(ctx, b.Timeout)
		defer cancel()
		lat, err := w.latencies(wctx, sent, int(n.Load()))
		return lat, workerFailed(err, logPath)
	}
	// Warm-up: both tenants, until the worker answers.
	warm := map[string]time.Time{}
	for i := range 200 {
		warm[send([]string{tenantA, tenantB}[i%2], time.Now())] = time.Now()
	}
	if _, err := wait(warm); err != nil {
		return noisyResult{}, err
	}
	// pace calls each r times a second from start for d.
	pace := func(start time.Time, d time.Duration, r float64, each func()) {
		for i := 0; time.Since(start) < d; time.Sleep(time.Millisecond) {
			for due := time.Since(start).Seconds() * r; float64(i) < due; i++ {
				each()
			}
		}
	}
	phase := func(flood bool, d time.Duration) ([]time.Duration, error) {
		sentB := map[string]time.Time{}
		start := time.Now()
		var flooding sync.WaitGroup
		if flood { // A sends from its own goroutine, as its own client would
			flooding.Add(1)
			go func() {
				defer flooding.Done()
				pace(start, d, 50*rate, func() { send(tenantA, time.Now()) })
			}()
		}
		pace(start, d, rate, func() {
			now := time.Now()
			sentB[send(tenantB, now)] = now
		})
		flooding.Wait()
		return wait(sentB)
	}
	// B's time in each condition is split into noisyPairs alternating
	// phases (alone, with A, alone, …): the machine's load drifts over a
	// run, and alternating puts the drift on both conditions alike.
	var alone, flood []time.Duration
	for range noisyPairs {
		for _, withA := range []bool{false, true} {
			lat, err := phase(withA, d/noisyPairs)
			if err != nil {
				return noisyResult{}, err
			}
			if withA {
				flood = append(flood, lat...)
			} else {
				alone = append(alone, lat...)
			}
		}
	}
	return noisyResult{RateB: rate, AloneP50: percentile(alone, 50), AloneP99: percentile(alone, 99),
		FloodP50: percentile(flood, 50), FloodP99: percentile(flood, 99)}, nil
}

// writeNoisy prints the noisy-neighbour line.
func writeNoisy(w interface{ Write([]byte) (int, error) }, r noisyResult) {
	fmt.Fprintf(w, "noisy neighbour (b): tenant B at %.0f/s alone p50 %.1f ms p99 %.1f ms; with tenant A at %.0f/s p50 %.1f ms p99 %.1f ms (%.2f× alone)\n",
		r.RateB, ms(r.AloneP50), ms(r.AloneP99), 50*r.RateB, ms(r.FloodP50), ms(r.FloodP99), float64(r.FloodP99)/float64(max(r.AloneP99, 1)))
}
