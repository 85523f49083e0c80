package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// benchResult is one run of one workload.
type benchResult struct {
	// Rate is records/s through the backlog, after the warm-up.
	Rate float64
	// P50, P95 and P99 are end-to-end latencies of the paced phase.
	P50, P95, P99 time.Duration
	// CPUPer100k is the worker's CPU seconds (user + system) per 100,000
	// outputs, over the whole backlog (warm-up included).
	CPUPer100k float64
	// BrokerCPUPer100k and BenchCPUPer100k are the broker's (when its
	// process is known; otherwise negative) and the bench's own process's
	// CPU per 100,000 outputs over the same backlog: on one machine the
	// three share the cores, and the records/s follow their sum.
	BrokerCPUPer100k, BenchCPUPer100k float64
	// PeakRSS is the worker's peak resident set size in bytes.
	PeakRSS int64
}

// percentile returns the p-th percentile (0 < p ≤ 100) of xs by the
// nearest-rank method; 0 for no samples.
func percentile(xs []time.Duration, p float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

// medianOf returns the median of xs (the mean of the middle two for an even
// count); 0 for none.
func medianOf(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	switch {
	case len(s) == 0:
		return 0
	case len(s)%2 == 1:
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// procSample is what /proc says about a process at one instant.
type procSample struct {
	// CPU is user + system time.
	CPU time.Duration
	// PeakRSS is VmHWM in bytes.
	PeakRSS int64
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times (100 on Linux).
const clockTicks = 100

// sampleProc reads /proc/<pid>/stat and /proc/<pid>/status.
func sampleProc(pid int) (procSample, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procSample{}, err
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procSample{}, err
	}
	cpu, err := parseStatCPU(string(stat))
	if err != nil {
		return procSample{}, err
	}
	rss, err := parseStatusHWM(string(status))
	return procSample{CPU: cpu, PeakRSS: rss}, err
}

// parseStatCPU returns utime + stime of a /proc/<pid>/stat line. The command
// name (field 2) may hold spaces and parentheses: fields are counted from
// the last ')'.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("bench: malformed /proc stat %q", stat)
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("bench: short /proc stat %q", stat)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bench: /proc stat cpu field %q: %w", s, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// parseStatusHWM returns VmHWM of /proc/<pid>/status in bytes.
func parseStatusHWM(status string) (int64, error) {
	for _, line := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) != 2 || f[1] != "kB" {
				return 0, fmt.Errorf("bench: VmHWM line %q", line)
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("bench: no VmHWM in /proc status")
}

// benchRow is one workload's line of the table: the median of its runs.
type benchRow struct {
	ID, Title string
	Runs      []benchResult
}

// median folds the runs column by column.
func (r benchRow) median() benchResult {
	col := func(f func(benchResult) float64) float64 {
		xs := make([]float64, len(r.Runs))
		for i, x := range r.Runs {
			xs[i] = f(x)
		}
		return medianOf(xs)
	}
	return benchResult{
		Rate:             col(func(x benchResult) float64 { return x.Rate }),
		P50:              time.Duration(col(func(x benchResult) float64 { return float64(x.P50) })),
		P95:              time.Duration(col(func(x benchResult) float64 { return float64(x.P95) })),
		P99:              time.Duration(col(func(x benchResult) float64 { return float64(x.P99) })),
		CPUPer100k:       col(func(x benchResult) float64 { return x.CPUPer100k }),
		BrokerCPUPer100k: col(func(x benchResult) float64 { return x.BrokerCPUPer100k }),
		BenchCPUPer100k:  col(func(x benchResult) float64 { return x.BenchCPUPer100k }),
		PeakRSS:          int64(col(func(x benchResult) float64 { return float64(x.PeakRSS) })),
	}
}

// ratio is the median over runs of a's rate / b's rate, run by run (the two
// measured side by side in each run); ok is false unless both have runs.
func ratio(a, b *benchRow) (float64, []float64, bool) {
	if a == nil || b == nil || len(a.Runs) == 0 || len(a.Runs) != len(b.Runs) {
		return 0, nil, false
	}
	var rs []float64
	for i := range a.Runs {
		if b.Runs[i].Rate > 0 {
			rs = append(rs, a.Runs[i].Rate/b.Runs[i].Rate)
		}
	}
	if len(rs) == 0 {
		return 0, nil, false
	}
	return medianOf(rs), rs, true
}

// writeTable prints the rows and the ratios (a)/(e), (a)/(d), (f)/(d) and
// (a)/(f) of the rows present: (a)/(d) decomposes into (f)/(d), goka's own
// cost against the bare client, times (a)/(f), what the tracking group adds
// to a goka pass-through.
func writeTable(w io.Writer, rows []*benchRow) {
	fmt.Fprintf(w, "%-3s %-42s %10s %8s %8s %8s %11s %9s %9s %9s  %s\n",
		"", "workload", "records/s", "p50 ms", "p95 ms", "p99 ms", "cpu s/100k", "broker", "bench", "peak MB", "records/s of each run")
	byID := map[string]*benchRow{}
	for _, r := range rows {
		byID[r.ID] = r
		m := r.median()
		runs := make([]string, len(r.Runs))
		for i, x := range r.Runs {
			runs[i] = strconv.FormatFloat(x.Rate, 'f', 0, 64)
		}
		broker := "-"
		if m.BrokerCPUPer100k >= 0 {
			broker = strconv.FormatFloat(m.BrokerCPUPer100k, 'f', 2, 64)
		}
		fmt.Fprintf(w, "%-3s %-42s %10.0f %8.1f %8.1f %8.1f %11.2f %9s %9.2f %9.0f  [%s]\n", r.ID, r.Title, m.Rate,
			ms(m.P50), ms(m.P95), ms(m.P99), m.CPUPer100k, broker, m.BenchCPUPer100k, float64(m.PeakRSS)/(1<<20),
			strings.Join(runs, " "))
	}
	for _, pair := range [][2]string{{"a", "e"}, {"a", "d"}, {"f", "d"}, {"a", "f"}} {
		if q, rs, ok := ratio(byID[pair[0]], byID[pair[1]]); ok {
			each := make([]string, len(rs))
			for i, x := range rs {
				each[i] = strconv.FormatFloat(x, 'f', 2, 64)
			}
			fmt.Fprintf(w, "ratio (%s)/(%s) records/s: %.2f  [%s]\n", pair[0], pair[1], q, strings.Join(each, " "))
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
