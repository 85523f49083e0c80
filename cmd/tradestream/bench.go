package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/sr/srfake"
)

// benchCmd is `tradestream bench`: every workload against a real broker,
// one table. See BENCHMARKS.md.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "pipe" {
		return benchPipeCmd(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "gokapipe" {
		return benchGokaPipeCmd(ctx, args[1:], stderr)
	}
	b, err := parseBench(args, stderr)
	if err != nil {
		return err
	}
	if b.Registry == "" {
		url, stop, err := startBenchRegistry()
		if err != nil {
			return err
		}
		defer stop()
		b.Registry = url
	}
	if b.WorkDir == "" {
		dir, err := os.MkdirTemp("", "tradestream-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		b.WorkDir = dir
	}
	rows, err := runBench(ctx, b)
	if b.Storage != "" {
		fmt.Fprintf(stdout, "goka workers' storage: --storage %s\n", b.Storage)
	}
	writeTable(stdout, rows)
	if err != nil || b.NoisyRate == 0 {
		return err
	}
	for run := 1; run <= b.Runs; run++ {
		r, err := noisyNeighbour(ctx, b, b.NoisyRate, b.NoisyFor)
		if err != nil {
			return fmt.Errorf("noisy neighbour run %d: %w", run, err)
		}
		writeNoisy(stdout, r)
	}
	return nil
}

// runBench runs every selected workload Runs times, interleaved (run 1 of
// each workload, then run 2...), so that ratios compare neighbours in time.
func runBench(ctx context.Context, b *benchConfig) ([]*benchRow, error) {
	var rows []*benchRow
	var selected []workload
	for _, wl := range benchWorkloads() {
		if slices.Contains(b.Workloads, wl.ID) {
			selected = append(selected, wl)
			rows = append(rows, &benchRow{ID: wl.ID, Title: wl.Title})
		}
	}
	for run := 1; run <= b.Runs; run++ {
		for i, wl := range selected {
			res, err := measure(ctx, b, wl, run)
			if err != nil {
				return rows, fmt.Errorf("workload %s run %d: %w", wl.ID, run, err)
			}
			rows[i].Runs = append(rows[i].Runs, res)
		}
	}
	return rows, nil
}

func parseBench(args []string, stderr io.Writer) (*benchConfig, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	b := &benchConfig{Progress: stderr}
	fs.StringVar(&b.Brokers, "brokers", os.Getenv("TRADESTREAM_BROKERS"), "Kafka bootstrap servers (a real broker: scripts/kafka-local.sh)")
	fs.StringVar(&b.Registry, "registry", os.Getenv("TRADESTREAM_REGISTRY"), "Schema Registry URL (default: an in-process one)")
	workloads := fs.String("workloads", "a,b,c,d,e,f", "workloads to run, comma-separated")
	fs.IntVar(&b.Warmup, "warmup", 10_000, "records processed before measuring")
	fs.IntVar(&b.Records, "records", 100_000, "records measured for records/s and CPU")
	fs.IntVar(&b.Paced, "paced", 10_000, "records sent at --rate for the latencies")
	fs.Float64Var(&b.Rate, "rate", 2000, "records/s of the paced phase")
	fs.IntVar(&b.Runs, "runs", 1, "runs of each workload (the table shows medians)")
	fs.StringVar(&b.Exe, "exe", "", "tradestream binary the workers run (default: this one)")
	fs.StringVar(&b.Storage, "storage", "", "the goka workers' --storage, e.g. memory (default: run's default)")
	fs.StringVar(&b.StreamsDir, "streams-dir", "bench/streams", "the Kafka Streams comparator's Maven project")
	fs.StringVar(&b.WorkDir, "work-dir", "", "workers' state and logs (default: a temporary directory)")
	fs.Float64Var(&b.NoisyRate, "noisy-rate", 20, "tenant B's rate (records/s) in the noisy-neighbour run; A sends 50×; 0: no such run")
	fs.DurationVar(&b.NoisyFor, "noisy-for", 30*time.Second, "time tenant B sends alone, and again with A, in the noisy-neighbour run (3 alternating phases of each)")
	fs.IntVar(&b.BrokerPID, "broker-pid", 0, "the broker's process id on this machine, to report its CPU per 100k records (scripts/kafka-local.sh writes it to $TRADESTREAM_KAFKA_HOME/kafka.pid)")
	fs.StringVar(&b.Profile, "profile", "", "directory for the workers' CPU and allocation profiles (goka workers and the raw pipe)")
	fs.DurationVar(&b.Timeout, "timeout", 10*time.Minute, "bound of each phase of a run")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if _, err := parseStorage(b.Storage); err != nil {
		return nil, err
	}
	b.Workloads = splitList(*workloads)
	known := map[string]bool{}
	for _, wl := range benchWorkloads() {
		known[wl.ID] = true
	}
	for _, id := range b.Workloads {
		if !known[id] {
			return nil, usageErr("unknown workload %q", id)
		}
	}
	switch {
	case b.Brokers == "":
		return nil, usageErr("bench needs --brokers (start one: scripts/kafka-local.sh start)")
	case len(b.Workloads) == 0:
		return nil, usageErr("--workloads names none")
	case b.Warmup < 1 || b.Records < 1 || b.Paced < 1 || b.Runs < 1:
		return nil, usageErr("--warmup, --records, --paced and --runs must be positive")
	case b.NoisyRate < 0 || b.NoisyFor <= 0:
		return nil, usageErr("--noisy-rate must not be negative, --noisy-for must be positive")
	case b.Rate <= 0:
		return nil, usageErr("--rate must be positive")
	case b.BrokerPID < 0:
		return nil, usageErr("--broker-pid must not be negative")
	}
	if b.BrokerPID != 0 {
		if _, err := sampleProc(b.BrokerPID); err != nil {
			return nil, usageErr("--broker-pid %d: %v", b.BrokerPID, err)
		}
	}
	if b.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("bench: finding this binary: %w", err)
		}
		b.Exe = exe
	}
	return b, nil
}

// startBenchRegistry serves an in-process schema registry on loopback for
// the bench and its workers.
func startBenchRegistry() (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("bench registry: %w", err)
	}
	reg := srfake.New()
	srv := &http.Server{Handler: reg.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		reg.Close()
	}, nil
}
