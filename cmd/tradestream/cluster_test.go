package main

// The real-Kafka cluster tier: tradestream run as OS processes against the
// broker and registry named by TRADESTREAM_IT_BROKERS and
// TRADESTREAM_IT_REGISTRY (see .ci/run and scripts/kafka-local.sh). Without
// them these tests skip: the embedded broker is one process and proves
// nothing about many.

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestThreeProcessesUnderLoadSurviveCrashesAndScaling(t *testing.T) {
	c := newCluster(t)
	a := c.start("a")
	sim := c.simulate(80, 16)
	c.checkpoint("load on one instance")

	// 1 → 3
	b, cc := c.start("b"), c.start("c")
	c.waitBalanced("scaled to three", "a", "b", "c")
	c.checkpoint("scaled to three")

	// A crash: kill -9 b and bring it back on its state.
	b.kill()
	b = c.start("b")
	require.Contains(t, tail(b.log, 10), "not closed cleanly", "b rebuilds the processor tables the crash left open")
	c.waitBalanced("b back after kill -9", "a", "b", "c")
	c.checkpoint("b back after kill -9")

	// 3 → 1 with SIGTERM.
	b.term()
	cc.term()
	c.waitBalanced("scaled down", "a")
	c.checkpoint("scaled down to a alone")

	// 1 → 3 again; c comes back with its local state wiped and rebuilds
	// it from the changelogs.
	require.NoError(t, os.RemoveAll(filepath.Join(c.dir, "c")))
	b, cc = c.start("b"), c.start("c")
	c.waitBalanced("scaled back to three", "a", "b", "c")
	c.checkpoint("scaled back to three, c rebuilt")
	running := []*proc{a, b, cc}

	// Reads from any instance: commands sent through each instance's API
	// are read back on every instance.
	c.readsFromAnyInstance(running)

	records := sim.stop()
	t.Logf("load: %d commands acknowledged", len(records))
	require.NotEmpty(t, records)
	want := fold(t, records)
	c.expectJobs(running, want, 3*time.Minute)
	c.expectOrder(records)
}

// cluster is one test run's processes: instances sharing a topic prefix,
// each with its own state directory, port and log.
type cluster struct {
	t                         *testing.T
	bin, dir, logs            string
	brokers, registry, prefix string
	ports                     map[string]string
	mu                        sync.Mutex
	running                   map[string]*proc
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	brokers, registry := os.Getenv("TRADESTREAM_IT_BROKERS"), os.Getenv("TRADESTREAM_IT_REGISTRY")
	if brokers == "" || registry == "" {
		t.Skip("the cluster tier needs a real broker: set TRADESTREAM_IT_BROKERS and TRADESTREAM_IT_REGISTRY (see .ci/run)")
	}
	if testing.Short() {
		t.Skip("the cluster tier is long")
	}
	c := &cluster{t: t, dir: t.TempDir(), logs: t.TempDir(), brokers: brokers, registry: registry,
		prefix:  fmt.Sprintf("c%d-%d.", time.Now().UnixNano()%1e9, rand.IntN(1e6)),
		ports:   map[string]string{},
		running: map[string]*proc{}}
	c.bin = buildBinary(t)
	out, err := exec.Command(c.bin, "topics", "apply", "--brokers", brokers, "--topic-prefix", c.prefix).CombinedOutput()
	require.NoError(t, err, "topics apply: %s", out)
	t.Cleanup(func() { deleteTestTopics(t, brokers, c.prefix) })
	t.Cleanup(c.cleanup)
	return c
}

// proc is one OS process of the cluster.
type proc struct {
	c       *cluster
	name    string
	url     string
	cmd     *exec.Cmd
	log     string
	done    chan struct{}
	waitErr error
}

// start runs `tradestream run` as instance name (same port and state
// directory on every start) and waits until it is ready.
func (c *cluster) start(name string) *proc {
	c.t.Helper()
	port, ok := c.ports[name]
	if !ok {
		port = freePort(c.t)
		c.ports[name] = port
	}
	p := c.spawn(name, "run", "--insecure", "--brokers", c.brokers, "--registry", c.registry,
		"--topic-prefix", c.prefix, "--state-dir", c.dir, "--instance-id", name, "--http", "127.0.0.1:"+port)
	p.url = "http://127.0.0.1:" + port
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case <-p.done:
			c.t.Fatalf("instance %s exited while starting: %v\n%s", name, p.waitErr, tail(p.log, 30))
		default:
		}
		if resp, err := http.Get(p.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				c.t.Logf("instance %s ready on %s", name, p.url)
				return p
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("instance %s not ready in 90s\n%s", name, tail(p.log, 30))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// spawn starts the binary with args, its output going to a log file.
func (c *cluster) spawn(name string, args ...string) *proc {
	c.t.Helper()
	logPath := filepath.Join(c.logs, fmt.Sprintf("%s-%d.log", name, time.Now().UnixNano()))
	f, err := os.Create(logPath)
	require.NoError(c.t, err)
	cmd := exec.Command(c.bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), "TRADESTREAM_LOG_LEVEL=info")
	require.NoError(c.t, cmd.Start())
	p := &proc{c: c, name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	c.mu.Lock()
	c.running[name] = p
	c.mu.Unlock()
	return p
}

// kill sends SIGKILL and waits for the process to go.
func (p *proc) kill() {
	p.c.t.Helper()
	require.NoError(p.c.t, p.cmd.Process.Kill())
	<-p.done
	p.forget()
	p.c.t.Logf("instance %s killed (-9)", p.name)
}

// term sends SIGTERM and waits for a clean exit (CONTRACT.md §1: within
// 10 s; a hang fails after 30 s).
func (p *proc) term() {
	p.c.t.Helper()
	start := time.Now()
	require.NoError(p.c.t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.c.t.Fatalf("%s did not exit within 30s of SIGTERM\n%s", p.name, tail(p.log, 30))
	}
	p.forget()
	require.NoError(p.c.t, p.waitErr, "%s exit status\n%s", p.name, tail(p.log, 30))
	p.c.t.Logf("%s stopped by SIGTERM in %s", p.name, time.Since(start).Round(time.Millisecond))
}

func (p *proc) forget() {
	p.c.mu.Lock()
	defer p.c.mu.Unlock()
	if p.c.running[p.name] == p {
		delete(p.c.running, p.name)
	}
}

// cleanup kills what is left and shows what the processes complained about
// when the test failed.
func (c *cluster) cleanup() {
	c.mu.Lock()
	left := c.running
	c.running = map[string]*proc{}
	c.mu.Unlock()
	for _, p := range left {
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	if !c.t.Failed() {
		return
	}
	logs, _ := filepath.Glob(filepath.Join(c.logs, "*.log"))
	for _, l := range logs {
		c.t.Logf("== %s (warnings, errors, last lines)\n%s", filepath.Base(l), tail(l, 15))
	}
}

// simulator is a `tradestream simulate --record` process.
type simProc struct {
	*proc
	record string
}

// simulate starts the load generator: rate commands/s over tenants. It runs
// until stop (the duration is only a safety net).
func (c *cluster) simulate(rate, tenants int) *simProc {
	c.t.Helper()
	record := filepath.Join(c.logs, "record.jsonl")
	p := c.spawn("simulate", "simulate", "--brokers", c.brokers, "--registry", c.registry, "--topic-prefix", c.prefix,
		"--rate", fmt.Sprint(rate), "--tenants", fmt.Sprint(tenants), "--duration", "5m",
		"--seed", fmt.Sprint(rand.IntN(1e6)), "--record", record, "--mix", "jobs")
	return &simProc{proc: p, record: record}
}

// stop interrupts the simulator, waits for its last acknowledgement and
// returns what it recorded.
func (s *simProc) stop() []simRecord {
	t := s.c.t
	t.Helper()
	require.NoError(t, s.cmd.Process.Signal(os.Interrupt))
	select {
	case <-s.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("the simulator did not stop\n%s", tail(s.log, 20))
	}
	s.forget()
	require.NoError(t, s.waitErr, tail(s.log, 20))
	require.Contains(t, tail(s.log, 5), `"failed":0`, "every command the simulator sent was acknowledged")
	return readRecords(t, s.record)
}

// checkpoint waits until a job posted after this call is visible on every
// running instance: commands are accepted and processed after whatever just
// happened.
func (c *cluster) checkpoint(what string) {
	c.t.Helper()
	start := time.Now()
	path := filepath.Join(c.logs, "record.jsonl")
	n0 := len(readRecords(c.t, path))
	var (
		job     *simRecord
		records []simRecord
	)
	eventually(c.t, 30*time.Second, func() bool {
		records = readRecords(c.t, path)
		for i := n0; i < len(records) && job == nil; i++ {
			if records[i].Kind == "post_job" {
				job = &records[i]
			}
		}
		return job != nil
	}, "%s: a job posted", what)
	c.mu.Lock()
	var procs []*proc
	for _, p := range c.running {
		if p.name != "simulate" {
			procs = append(procs, p)
		}
	}
	c.mu.Unlock()
	eventually(c.t, 2*time.Minute, func() bool {
		for _, p := range procs {
			if st, _ := getJob(p.url, job.Tenant, job.JobID); st != http.StatusOK {
				return false
			}
		}
		return true
	}, "%s: job %s/%s on %d instances", what, job.Tenant, job.JobID, len(procs))
	c.t.Logf("checkpoint %q: %d commands sent, a job posted since is visible on %d instances after %s",
		what, len(records), len(procs), time.Since(start).Round(time.Millisecond))
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	require.NoError(t, err)
	return port
}

// tail returns the warnings and errors of a log and its last n lines.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	var notable, last []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) {
			notable = append(notable, line)
		}
		last = append(last, line)
		if len(last) > n {
			last = last[1:]
		}
	}
	if len(notable) > n {
		notable = append(notable[:n/2], notable[len(notable)-n/2:]...)
	}
	return strings.Join(append(notable, append([]string{"..."}, last...)...), "\n")
}
