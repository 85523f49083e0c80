package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/IBM/sarama"

	"github.com/tradestream/tradestream/topology"
)

// benchConfig says what tradestream bench measures, and against what.
type benchConfig struct {
	Brokers, Registry string
	// Workloads are the ids to run, in order (a..e).
	Workloads []string
	// Warmup records are processed before the measured Records.
	Warmup, Records int
	// Paced records are then sent at Rate records/s for the latencies.
	Paced int
	Rate  float64
	// NoisyRate is tenant B's rate in the noisy-neighbour run (0: none);
	// NoisyFor the length of each of its phases.
	NoisyRate float64
	NoisyFor  time.Duration
	// Runs is how many times each workload runs; the table shows medians.
	Runs int
	// Exe is the tradestream binary the workers run.
	Exe string
	// Storage, when set, is the goka workers' --storage (the processor
	// groups' table storage); otherwise they use run's default.
	Storage string
	// StreamsDir is the Kafka Streams comparator's Maven project.
	StreamsDir string
	// Profile, when set, is where the goka workers write CPU and
	// allocation profiles (<run prefix>.cpu, .alloc).
	Profile string
	// BrokerPID is the broker's process on this machine (0: not measured),
	// whose CPU per 100k records the table reports beside the worker's.
	BrokerPID int
	// WorkDir holds the workers' state and logs.
	WorkDir string
	// Timeout bounds each phase of a run.
	Timeout time.Duration
	// Progress gets one line per phase.
	Progress io.Writer
}

// workload is one pipeline under test.
type workload struct {
	ID, Title string
	// setup creates the run's topics under prefix and returns its plumbing.
	setup func(ctx context.Context, b *benchConfig, prefix string) (*workloadRun, error)
}

// workloadRun is one run's plumbing: what to send where, how to recognise
// the outputs and how to start the worker.
type workloadRun struct {
	input, output string
	// record makes input record i, with the id its output will carry.
	record func(i int, now time.Time) (key, value []byte, id string)
	// outputID recognises an output record; ok is false for others.
	outputID func(key, value []byte) (id string, ok bool)
	// prime, when set, brings the worker to its steady state (e.g. joins
	// loaded) and returns how many record indexes it used; otherwise
	// primeRecords records are sent and their outputs awaited.
	prime func(ctx context.Context, p *benchProducer, w *outputWatcher) (int, error)
	// lastIDs, when set, are the ids whose outputs end the backlog of
	// records [from, to) (for pipelines where a record may have no output);
	// otherwise the backlog ends when every record's output was seen.
	lastIDs func(from, to int) []string
	// worker is the process under test (its CPU and memory are measured).
	worker *exec.Cmd
}

// primeRecords is how many records the default prime sends.
const primeRecords = 100

// measure runs one workload once. The worker is started and primed, then
// stopped (SIGSTOP) while a backlog of Warmup+Records records is written,
// and continued: it is timed through the backlog after the warm-up, without
// the producer competing for the CPU. Then Paced records are sent at Rate
// for the latencies.
func measure(ctx context.Context, b *benchConfig, wl workload, run int) (benchResult, error) {
	prefix := fmt.Sprintf("bench%d-%d-%s.", time.Now().Unix()%1e6, rand.IntN(1e4), wl.ID)
	progress := func(format string, args ...any) {
		fmt.Fprintf(b.Progress, "bench %s run %d: %s\n", wl.ID, run, fmt.Sprintf(format, args...))
	}
	defer deleteRunTopics(b, prefix, progress) // after the worker stopped (defers run last first)
	r, err := wl.setup(ctx, b, prefix)
	if err != nil {
		return benchResult{}, err
	}
	w, err := watchOutput(strings.Split(b.Brokers, ","), r.output, benchSarama(), r.outputID)
	if err != nil {
		return benchResult{}, err
	}
	defer w.Close()
	p, err := newBenchProducer(strings.Split(b.Brokers, ","))
	if err != nil {
		return benchResult{}, err
	}
	defer p.Close()
	logPath := filepath.Join(b.WorkDir, prefix+"log")
	stop, err := startWorker(r.worker, logPath)
	if err != nil {
		return benchResult{}, err
	}
	defer stop()
	pctx, cancel := context.WithTimeout(ctx, b.Timeout)
	defer cancel()
	next, err := primeWorker(pctx, r, p, w)
	if err != nil {
		return benchResult{}, workerFailed(err, logPath)
	}
	progress("worker primed")

	backlog := b.Warmup + b.Records
	if err := r.worker.Process.Signal(syscall.SIGSTOP); err != nil {
		return benchResult{}, err
	}
	start, c0 := time.Now(), w.count()
	for i := next; i < next+backlog; i++ {
		k, v, _ := r.record(i, time.Now())
		p.send(r.input, k, v)
	}
	err = p.flush()
	s0 := sampleOrZero(r.worker) // stopped: its CPU time stands still
	b0, brokerSampled := sampleBroker(b)
	m0 := sampleOrZeroPID(os.Getpid())
	if cerr := r.worker.Process.Signal(syscall.SIGCONT); err == nil {
		err = cerr
	}
	if err != nil {
		return benchResult{}, err
	}
	progress("backlog of %d written in %s (worker stopped meanwhile)", backlog, time.Since(start).Round(time.Millisecond))
	var last []string
	if r.lastIDs != nil {
		last = r.lastIDs(next, next+backlog)
	}
	next += backlog
	if _, err := w.waitBacklog(pctx, c0+backlog, last); err != nil {
		return benchResult{}, workerFailed(err, logPath)
	}
	s2, n2 := sampleOrZero(r.worker), w.count()
	b2, _ := sampleBroker(b)
	m2 := sampleOrZeroPID(os.Getpid())
	res, err := backlogFigures(w.seenTimes(c0), b.Warmup, s2.CPU-s0.CPU)
	if err != nil {
		return benchResult{}, err
	}
	res.BenchCPUPer100k = per100k(m2.CPU-m0.CPU, n2-c0)
	res.BrokerCPUPer100k = -1 // not measured
	if brokerSampled {
		res.BrokerCPUPer100k = per100k(b2.CPU-b0.CPU, n2-c0)
	}
	progress("%.0f records/s after a warm-up of %d", res.Rate, b.Warmup)

	sent := make(map[string]time.Time, b.Paced)
	paceStart := time.Now()
	for i := range b.Paced {
		due := paceStart.Add(time.Duration(float64(i) / b.Rate * float64(time.Second)))
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		now := time.Now()
		k, v, id := r.record(next+i, now)
		sent[id] = now
		p.send(r.input, k, v)
	}
	if err := p.flush(); err != nil {
		return benchResult{}, err
	}
	lctx, cancel2 := context.WithTimeout(ctx, b.Timeout)
	defer cancel2()
	lat, err := w.latencies(lctx, sent, n2+b.Paced)
	if err != nil {
		return benchResult{}, workerFailed(err, logPath)
	}
	res.P50, res.P95, res.P99 = percentile(lat, 50), percentile(lat, 95), percentile(lat, 99)
	res.PeakRSS = sampleOrZero(r.worker).PeakRSS
	progress("%d paced at %.0f/s: p50 %s p99 %s", b.Paced, b.Rate, res.P50.Round(100*time.Microsecond), res.P99.Round(100*time.Microsecond))
	if res.PeakRSS == 0 {
		return res, fmt.Errorf("bench: no /proc figures for the worker (pid %d)", r.worker.Process.Pid)
	}
	return res, nil
}

// backlogFigures times the backlog by its outputs' first-seen times: the
// rate runs from the warm-up's last output to the backlog's last, so a
// worker that drains the whole backlog before the bench looks is still
// timed. The CPU is the worker's over the whole backlog (warm-up included),
// per output.
func backlogFigures(seen []time.Time, warmup int, cpu time.Duration) (benchResult, error) {
	if len(seen) <= warmup {
		return benchResult{}, fmt.Errorf("bench: %d outputs for the backlog, not more than the warm-up of %d", len(seen), warmup)
	}
	span := seen[len(seen)-1].Sub(seen[warmup-1])
	if span <= 0 {
		return benchResult{}, fmt.Errorf("bench: the %d measured outputs came within one clock tick: raise --records", len(seen)-warmup)
	}
	return benchResult{
		Rate:       float64(len(seen)-warmup) / span.Seconds(),
		CPUPer100k: per100k(cpu, len(seen)),
	}, nil
}

// deleteRunTopics deletes the topics of one run (every name starts with its
// prefix, the Kafka Streams app's own too): a broker that keeps every run's
// topics and their 12 partitions runs out of heap after a few dozen runs.
func deleteRunTopics(b *benchConfig, prefix string, progress func(string, ...any)) {
	if _, err := topology.DeleteWithPrefix(topology.Config{Brokers: strings.Split(b.Brokers, ",")}, prefix); err != nil {
		progress("deleting the run's topics: %v", err)
	}
}

// primeWorker runs the workload's prime, or sends primeRecords records and
// waits for their outputs; it returns the next record index.
func primeWorker(ctx context.Context, r *workloadRun, p *benchProducer, w *outputWatcher) (int, error) {
	if r.prime != nil {
		return r.prime(ctx, p, w)
	}
	for i := range primeRecords {
		k, v, _ := r.record(i, time.Now())
		p.send(r.input, k, v)
	}
	if err := p.flush(); err != nil {
		return 0, err
	}
	_, err := w.waitCount(ctx, primeRecords)
	return primeRecords, err
}

func sampleOrZero(c *exec.Cmd) procSample { return sampleOrZeroPID(c.Process.Pid) }

func sampleOrZeroPID(pid int) procSample {
	s, _ := sampleProc(pid)
	return s
}

// sampleBroker samples the broker's process; ok is false when --broker-pid
// names none.
func sampleBroker(b *benchConfig) (s procSample, ok bool) {
	if b.BrokerPID == 0 {
		return procSample{}, false
	}
	return sampleOrZeroPID(b.BrokerPID), true
}

// per100k is cpu per 100,000 of n records.
func per100k(cpu time.Duration, n int) float64 {
	if n <= 0 {
		return 0
	}
	return cpu.Seconds() / float64(n) * 100_000
}

// startWorker starts c with its output to logPath; stop sends SIGTERM and
// waits (SIGKILL after 30 s).
func startWorker(c *exec.Cmd, logPath string) (stop func(), err error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	c.Stdout, c.Stderr = f, f
	if err := c.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("bench: starting %s: %w", c.Path, err)
	}
	done := make(chan struct{})
	go func() { _ = c.Wait(); f.Close(); close(done) }()
	return func() {
		_ = c.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = c.Process.Kill()
			<-done
		}
	}, nil
}

// workerFailed adds the tail of the worker's log to err.
func workerFailed(err error, logPath string) error {
	if err == nil {
		return nil
	}
	b, _ := os.ReadFile(logPath)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return fmt.Errorf("%w\nworker log %s:\n%s", err, logPath, strings.Join(lines[max(0, len(lines)-15):], "\n"))
}

// benchSarama is the client config of the bench's own producer and output
// reader: the instances' config (acks=all, idempotent, fetch settings).
func benchSarama() *sarama.Config {
	cfg := topology.Config{Brokers: []string{"-"}, ClientID: "tradestream-bench"}
	cfg.EnsureDefaults()
	s := cfg.Sarama()
	s.Producer.Partitioner = sarama.NewCustomHashPartitioner(topology.Murmur2)
	s.Producer.Return.Successes = true
	s.Consumer.MaxWaitTime = 5 * time.Millisecond
	// The workloads' topics are created just before: their partitions may
	// answer "not the leader" for a few seconds, longer than the instances'
	// 10 retries of 50 ms. The bench waits up to 15 s instead of failing.
	s.Producer.Retry.Max = 60
	s.Producer.Retry.Backoff = 250 * time.Millisecond
	return s
}

// benchProducer writes input records as a client would (murmur2, acks=all).
// Acknowledgements are collected as they come: a producer whose successes
// are not read stalls, which would show as latency.
type benchProducer struct {
	p    sarama.AsyncProducer
	sent int
	mu   sync.Mutex
	cond *sync.Cond
	done int // acknowledged or failed
	err  error
}

func newBenchProducer(brokers []string) (*benchProducer, error) {
	p, err := sarama.NewAsyncProducer(brokers, benchSarama())
	if err != nil {
		return nil, fmt.Errorf("bench: producer: %w", err)
	}
	bp := &benchProducer{p: p}
	bp.cond = sync.NewCond(&bp.mu)
	ack := func(err error) {
		bp.mu.Lock()
		bp.done++
		if err != nil && bp.err == nil {
			bp.err = err
		}
		bp.cond.Broadcast()
		bp.mu.Unlock()
	}
	go func() {
		for range p.Successes() {
			ack(nil)
		}
	}()
	go func() {
		for err := range p.Errors() {
			ack(err)
		}
	}()
	return bp, nil
}

// send queues one record.
func (p *benchProducer) send(topic string, key, value []byte) {
	p.sent++
	p.p.Input() <- &sarama.ProducerMessage{Topic: topic, Key: sarama.ByteEncoder(key), Value: sarama.ByteEncoder(value)}
}

// flush waits for every queued record's ack.
func (p *benchProducer) flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.done < p.sent {
		p.cond.Wait()
	}
	if p.err != nil {
		return fmt.Errorf("bench: produce: %w", p.err)
	}
	return nil
}

// Close closes the producer.
func (p *benchProducer) Close() error { return p.p.Close() }
