package main

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/processors/tracking"
	"github.com/tradestream/tradestream/topology/topologytest"
)

func TestPercentileIsNearestRank(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // unsorted on purpose
	}
	for _, tc := range []struct {
		name string
		xs   []time.Duration
		p    float64
		want time.Duration
	}{
		{"none", nil, 99, 0},
		{"one", ms(7), 50, 7 * time.Millisecond},
		{"median of 3", ms(3, 1, 2), 50, 2 * time.Millisecond},
		{"p99 of 100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p95 of 100", ms(hundred...), 95, 95 * time.Millisecond},
		{"p100 is the max", ms(hundred...), 100, 100 * time.Millisecond},
		{"tiny p is the min", ms(5, 9), 0.1, 5 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, percentile(tc.xs, tc.p))
		})
	}
}

func TestMedianOfOddAndEvenCounts(t *testing.T) {
	require.Equal(t, 0.0, medianOf(nil))
	require.Equal(t, 2.0, medianOf([]float64{3, 1, 2}))
	require.Equal(t, 2.5, medianOf([]float64{4, 1, 3, 2}))
}

func TestProcParsing(t *testing.T) {
	// Field 2 may hold spaces and parentheses; utime=250 and stime=50 ticks.
	stat := "4242 (tradestream (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 12 0 100 1000 200"
	cpu, err := parseStatCPU(stat)
	require.NoError(t, err)
	require.Equal(t, 3*time.Second, cpu)
	_, err = parseStatCPU("garbage")
	require.Error(t, err)
	_, err = parseStatCPU("1 (x) S 1 2")
	require.Error(t, err)

	rss, err := parseStatusHWM("Name:\tx\nVmPeak:\t  9 kB\nVmHWM:\t  2048 kB\nVmRSS:\t 1 kB\n")
	require.NoError(t, err)
	require.Equal(t, int64(2048*1024), rss)
	_, err = parseStatusHWM("Name:\tx\n")
	require.Error(t, err)
}

func TestSampleProcSeesThisProcess(t *testing.T) {
	// Burn CPU until the kernel counted at least 30 ms (ticks are 10 ms).
	for {
		var ru syscall.Rusage
		require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
		if time.Duration(ru.Utime.Nano()+ru.Stime.Nano()) >= 30*time.Millisecond {
			break
		}
		_ = strings.Repeat("x", 1000)
	}
	s, err := sampleProc(os.Getpid())
	require.NoError(t, err)
	require.Positive(t, s.CPU)
	require.Positive(t, s.PeakRSS)
}

func TestTablePrintsMediansAndRatiosOfTheSameRuns(t *testing.T) {
	rows := []*benchRow{
		{ID: "a", Title: "gps", Runs: []benchResult{{Rate: 300, P99: 9 * time.Millisecond}, {Rate: 100}, {Rate: 200}}},
		{ID: "d", Title: "pipe", Runs: []benchResult{{Rate: 600}, {Rate: 400}, {Rate: 200}}},
		{ID: "e", Title: "streams", Runs: []benchResult{{Rate: 100}, {Rate: 100}, {Rate: 100}}},
		{ID: "f", Title: "goka pipe", Runs: []benchResult{{Rate: 300}, {Rate: 200}, {Rate: 100}}},
	}
	var out bytes.Buffer
	writeTable(&out, rows)
	s := out.String()
	require.Regexp(t, `(?m)^a +gps +200 .*\[300 100 200\]$`, s)
	require.Contains(t, s, "ratio (a)/(e) records/s: 2.00  [3.00 1.00 2.00]")
	// Run by run: 300/600, 100/400, 200/200 → median 0.5.
	require.Contains(t, s, "ratio (a)/(d) records/s: 0.50  [0.50 0.25 1.00]")
	// (a)/(d) = (a)/(f) × (f)/(d), run by run: 300/600, 200/400, 100/200;
	// 300/300, 100/200, 200/100.
	require.Contains(t, s, "ratio (f)/(d) records/s: 0.50  [0.50 0.50 0.50]")
	require.Contains(t, s, "ratio (a)/(f) records/s: 1.00  [1.00 0.50 2.00]")
	require.Less(t, strings.Index(s, "ratio (a)/(d)"), strings.Index(s, "ratio (f)/(d)"))

	// Without f's row, no ratio names it.
	out.Reset()
	writeTable(&out, rows[:3])
	require.NotContains(t, out.String(), "(f)")
}

// The copying workers refuse to start without their four flags, or with
// one topic as both input and output, with a usage error (exit 2).
func TestBenchCopyWorkersRejectBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "pipe"},
		{"bench", "pipe", "--brokers", "x:1", "--input", "i", "--output", "o"},
		{"bench", "gokapipe"},
		{"bench", "gokapipe", "--brokers", "x:1", "--input", "i", "--output", "o"},
		{"bench", "gokapipe", "--brokers", "x:1", "--input", "i", "--group", "g"},
		{"bench", "gokapipe", "--brokers", "x:1", "--input", "t", "--output", "t", "--group", "g"},
		{"bench", "gokapipe", "--brokers", "x:1", "--input", "i", "--output", "o", "--group", "g", "extra"},
		{"bench", "gokapipe", "--partitions", "3"},
	} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, 2, run(t.Context(), args, &stdout, &stderr), "%v", args)
		require.Contains(t, stderr.String(), "tradestream: ", "%v", args)
	}
	var stdout, stderr bytes.Buffer
	require.Equal(t, 2, run(t.Context(), []string{"bench", "gokapipe", "--brokers", "x:1"}, &stdout, &stderr))
	require.Equal(t, "tradestream: usage: bench gokapipe needs --brokers, --input, --output and --group\n", stderr.String())

	stdout.Reset()
	require.Equal(t, 0, run(t.Context(), []string{"bench", "gokapipe", "-h"}, &stdout, &stderr))
	require.True(t, strings.HasPrefix(stdout.String(), "usage: tradestream bench gokapipe [flags]\n"), stdout.String())
	require.Contains(t, stdout.String(), "-group")
}

// Workload f's group is a pass-through: each record of the input goes to
// the output with its key and value bytes unchanged, whatever they hold
// (binary, empty), one output per input.
func TestGokaPipeGraphEmitsEveryRecordUnchanged(t *testing.T) {
	g := gokaPipeGraph("gp", "gp-in", "gp-out")
	require.NoError(t, g.Validate())
	require.Nil(t, g.GroupTable(), "no group table: nothing to store or recover")
	tt := topologytest.Run(t, g)
	out := tt.NewQueueTracker("gp-out")
	records := []struct {
		key   string
		value []byte
	}{
		{"tenant-1/tp-1", []byte("\x00\x00\x00\x00\x01ping")},
		{"tenant-2/tp-7", []byte{}},
		{"tenant-1/tp-1", []byte{0xff, 0x00, 0x80}},
	}
	for _, r := range records {
		tt.Consume("gp-in", r.key, r.value)
	}
	for _, r := range records {
		key, value, ok := out.Next()
		require.True(t, ok)
		require.Equal(t, r.key, key)
		require.Equal(t, r.value, value)
	}
	_, _, ok := out.Next()
	require.False(t, ok, "one output per input")
}

func TestBenchRejectsBadFlags(t *testing.T) {
	t.Setenv("TRADESTREAM_BROKERS", "")
	for _, args := range [][]string{
		{},
		{"--brokers", "x:1", "--workloads", "z"},
		{"--brokers", "x:1", "--records", "0"},
		{"--brokers", "x:1", "--rate", "-1"},
		{"--brokers", "x:1", "extra"},
		{"--brokers", "x:1", "--storage", "disk"},
		{"--brokers", "x:1", "--broker-pid", "-3"},
		{"--brokers", "x:1", "--broker-pid", "999999999"}, // no such process
	} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, 2, run(t.Context(), append([]string{"bench"}, args...), &stdout, &stderr), "%v", args)
		require.NotEmpty(t, stderr.String())
	}
}

func TestBenchPassesStorageToTheGokaWorkers(t *testing.T) {
	cfg := &Config{Brokers: "x:1", Registry: "http://r", TopicPrefix: "p.", CDCTopics: "p.c"}
	b := &benchConfig{Exe: "/bin/tradestream", WorkDir: t.TempDir()}
	require.NotContains(t, runWorker(b, cfg, "tracking").Args, "--storage", "run's default unless asked")
	b.Storage = "leveldb,tracking=memory"
	args := runWorker(b, cfg, "tracking").Args
	require.Equal(t, []string{"--storage", "leveldb,tracking=memory"}, args[len(args)-2:])
}

// TestBenchSmoke runs the bench command's workloads with a few hundred
// records against the test cluster (embedded, or the real broker in CI),
// with tradestream worker processes: every row gets sane non-zero figures.
// Speed is not asserted (BENCHMARKS.md has the measurements).
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs workers")
	}
	env := newTestEnv(t)
	b := &benchConfig{Brokers: env.brokers, Registry: env.registry, Workloads: []string{"a", "b", "c", "d", "f"},
		Warmup: 50, Records: 200, Paced: 100, Rate: 200, Runs: 1, Exe: buildBinary(t), WorkDir: t.TempDir(),
		Timeout: 3 * time.Minute, Progress: io.Discard}
	if testing.Verbose() {
		b.Progress = os.Stderr
	}
	rows, err := runBench(t.Context(), b)
	require.NoError(t, err)
	require.Len(t, rows, 5)
	for _, r := range rows {
		require.Len(t, r.Runs, 1, r.ID)
		x := r.Runs[0]
		require.Positive(t, x.Rate, r.ID)
		require.Positive(t, x.P50, r.ID)
		require.GreaterOrEqual(t, x.P99, x.P95, r.ID)
		require.GreaterOrEqual(t, x.P95, x.P50, r.ID)
		require.Positive(t, x.PeakRSS, r.ID)
	}
	var out bytes.Buffer
	writeTable(&out, rows)
	require.Contains(t, out.String(), "job command → job view")
	require.Contains(t, out.String(), "ratio (a)/(d) records/s")
	require.Contains(t, out.String(), "raw consume → produce pipe (sarama)")
	require.Contains(t, out.String(), "raw consume → produce pipe (goka)")
	require.Contains(t, out.String(), "ratio (f)/(d) records/s")
	require.Contains(t, out.String(), "ratio (a)/(f) records/s")

	noisy, err := noisyNeighbour(t.Context(), b, 20, time.Second)
	require.NoError(t, err)
	require.Positive(t, noisy.AloneP50)
	require.GreaterOrEqual(t, noisy.AloneP99, noisy.AloneP50)
	require.Positive(t, noisy.FloodP50)
	require.GreaterOrEqual(t, noisy.FloodP99, noisy.FloodP50)
	out.Reset()
	writeNoisy(&out, noisy)
	require.Contains(t, out.String(), "with tenant A at 1000/s")
}

// TestBenchStreamsComparatorSmoke runs workloads a and e (the Kafka
// Streams comparator, built with Maven) with a few thousand pings. It needs
// java, mvn and the real broker, and runs when TRADESTREAM_BENCH_STREAMS=1:
// .ci/run sets it for its real-Kafka tier.
func TestBenchStreamsComparatorSmoke(t *testing.T) {
	if os.Getenv("TRADESTREAM_BENCH_STREAMS") == "" {
		t.Skip("set TRADESTREAM_BENCH_STREAMS=1 (needs java 17 and mvn) to run the Kafka Streams comparator")
	}
	env := newTestEnv(t)
	if !env.real {
		t.Skip("Kafka Streams needs the real broker: its admin client rejects the embedded broker's DescribeTopicPartitions answer")
	}
	b := &benchConfig{Brokers: env.brokers, Registry: env.registry, Workloads: []string{"a", "e"},
		Warmup: 500, Records: 2000, Paced: 300, Rate: 300, Runs: 1, Exe: buildBinary(t), WorkDir: t.TempDir(),
		StreamsDir: "../../bench/streams", Timeout: 5 * time.Minute, Progress: os.Stderr}
	rows, err := runBench(t.Context(), b)
	require.NoError(t, err)
	for _, r := range rows {
		require.Len(t, r.Runs, 1, r.ID)
		require.Positive(t, r.Runs[0].Rate, r.ID)
		require.Positive(t, r.Runs[0].P50, r.ID)
		require.Positive(t, r.Runs[0].PeakRSS, r.ID)
	}
	var out bytes.Buffer
	writeTable(&out, rows)
	require.Contains(t, out.String(), "ratio (a)/(e) records/s")
}

// A worker that drained the backlog before the bench looked is still timed
// by its outputs' first-seen times (the smoke test's raw pipe once got 0
// records/s from wall-clock samples taken after the backlog was done).
func TestBacklogFiguresTimeTheOutputsAfterTheWarmup(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	seen := []time.Time{t0, t0.Add(time.Millisecond), t0.Add(2 * time.Millisecond), t0.Add(5 * time.Millisecond)}
	res, err := backlogFigures(seen, 2, 40*time.Millisecond)
	require.NoError(t, err)
	require.InDelta(t, 2/0.004, res.Rate, 1e-6) // 2 outputs in the 4 ms after the 2nd
	require.InDelta(t, 0.04/4*100_000, res.CPUPer100k, 1e-9)

	_, err = backlogFigures(seen[:2], 2, time.Second)
	require.ErrorContains(t, err, "not more than the warm-up")
	_, err = backlogFigures([]time.Time{t0, t0}, 1, time.Second)
	require.ErrorContains(t, err, "one clock tick")
}

// The comparator is rebuilt when its jar is missing or older than a source
// (a jar from older sources would start the old app).
func TestTheComparatorJarIsStaleWhenASourceIsNewer(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src", "App.java")
	jar := filepath.Join(dir, "target", "bench-streams-0.jar")
	require.NoError(t, os.MkdirAll(filepath.Dir(src), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Dir(jar), 0o755))
	require.NoError(t, os.WriteFile(src, []byte("class App {}"), 0o644))
	stale, err := jarIsStale(jar, dir)
	require.NoError(t, err)
	assert.True(t, stale, "no jar")

	require.NoError(t, os.WriteFile(jar, []byte("jar"), 0o644))
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(src, old, old))
	stale, err = jarIsStale(jar, dir)
	require.NoError(t, err)
	assert.False(t, stale, "built after its sources")

	require.NoError(t, os.Chtimes(src, time.Now().Add(time.Hour), time.Now().Add(time.Hour)))
	stale, err = jarIsStale(jar, dir)
	require.NoError(t, err)
	assert.True(t, stale, "a source changed since")
}

// Every ping of the GPS workload must change its tradesperson's distance by
// more than the tracking group's resolution and stay outside the arrival
// radius, however long the run: a run of more pings than one approach holds
// (600 per tradesperson, 614,400 in all) once stopped having outputs, and
// the bench waited for them until its timeout.
func TestGPSPingsChangeTheDistanceForAnyNumberOfPings(t *testing.T) {
	var cfg tracking.Config
	cfg.EnsureDefaults()
	prev := gpsKm(0)
	require.Equal(t, gpsStartKm, prev)
	turns := 0
	for n := 1; n < 5000; n++ {
		km := gpsKm(n)
		require.InDelta(t, gpsStepKm, math.Abs(km-prev), 1e-9, "ping %d", n)
		require.Greater(t, math.Abs(km-prev), cfg.DistanceStepKm, "ping %d", n)
		require.Greater(t, km, cfg.ArrivalRadiusKm, "ping %d", n)
		require.LessOrEqual(t, km, gpsStartKm, "ping %d", n)
		if math.Abs(km-gpsTurnKm) < 1e-9 || km == gpsStartKm {
			turns++
		}
		prev = km
	}
	require.GreaterOrEqual(t, turns, 8, "5,000 pings go out and back at least four times")
}

func TestTableShowsTheBrokersAndTheBenchsCPUWhenMeasured(t *testing.T) {
	rows := []*benchRow{
		{ID: "a", Title: "gps", Runs: []benchResult{
			{Rate: 100, CPUPer100k: 0.6, BrokerCPUPer100k: 0.25, BenchCPUPer100k: 0.31},
			{Rate: 100, CPUPer100k: 0.6, BrokerCPUPer100k: 0.21, BenchCPUPer100k: 0.27},
			{Rate: 100, CPUPer100k: 0.6, BrokerCPUPer100k: 0.23, BenchCPUPer100k: 0.29},
		}},
		{ID: "d", Title: "pipe", Runs: []benchResult{{Rate: 200, CPUPer100k: 0.3, BrokerCPUPer100k: -1, BenchCPUPer100k: 0.2}}},
	}
	var out bytes.Buffer
	writeTable(&out, rows)
	s := out.String()
	require.Regexp(t, `(?m)^ +workload .* cpu s/100k +broker +bench +peak MB`, s)
	require.Regexp(t, `(?m)^a +gps +100 .* 0\.60 +0\.23 +0\.29 .*\[100 100 100\]$`, s, "the medians of the runs")
	require.Regexp(t, `(?m)^d +pipe +200 .* 0\.30 +- +0\.20 `, s, "no broker figure without --broker-pid")
}

func TestBenchSamplesTheBrokerItIsGiven(t *testing.T) {
	b := &benchConfig{BrokerPID: os.Getpid()}
	s0, ok := sampleBroker(b)
	require.True(t, ok, "a named process is sampled")
	require.NotZero(t, s0.PeakRSS, "the named process is read")
	s1 := s0
	for start := time.Now(); s1.CPU == s0.CPU && time.Since(start) < 5*time.Second; { // spin: CPU ticks by 10 ms
		s1, _ = sampleBroker(b)
	}
	assert.Greater(t, s1.CPU, s0.CPU, "the named process's CPU is read as it runs")
	b.BrokerPID = 0
	s, ok := sampleBroker(b)
	assert.False(t, ok, "none named: not sampled")
	assert.Zero(t, s, "none named: nothing read")
}
