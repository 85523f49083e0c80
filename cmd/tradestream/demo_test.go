package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// buildBinary builds the tradestream binary once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tradestream")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

// TestDemoAsANewUserRunsIt starts the demo binary as a user would, posts a
// job, reads it back, lists the topics with kcat when it is installed, and
// stops it with Ctrl-C.
func TestDemoAsANewUserRunsIt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	cmd := exec.Command(bin, "demo", "--http", "127.0.0.1:0", "--broker-addr", "127.0.0.1:0", "--registry-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr syncBuffer // the process writes it while the test reads it
	cmd.Stderr = &stderr
	started := time.Now()
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	banner := map[string]string{}
	lines := bufio.NewScanner(stdout)
	re := regexp.MustCompile(`^\s+(HTTP API|Kafka broker|Schema Registry):\s+(\S+)`)
	for lines.Scan() {
		if m := re.FindStringSubmatch(lines.Text()); m != nil {
			banner[m[1]] = m[2]
		}
		if strings.HasPrefix(lines.Text(), "Ctrl-C stops") {
			break
		}
	}
	require.Len(t, banner, 3, "banner: %v; stderr: %s", banner, stderr.String())
	go func() {
		for lines.Scan() { // keep draining stdout
		}
	}()
	api := banner["HTTP API"]
	eventually(t, 30*time.Second, func() bool {
		resp, err := http.Get(api + "/readyz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	}, "demo ready")
	t.Logf("demo ready after %s", time.Since(started).Round(time.Millisecond))

	body, _ := json.Marshal(jobBody("job-1", 7))
	resp, err := http.Post(api+"/v1/tenants/acme/jobs", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	in := &instance{url: api}
	j := in.waitJob(t, "acme", "job-1", func(*codecs.Job) bool { return true }, "posted")
	assert.Equal(t, "posted", j.Status)

	if kcat, err := exec.LookPath("kcat"); err == nil {
		out, err := exec.Command(kcat, "-X", "partitioner=murmur2_random", "-b", banner["Kafka broker"], "-L").CombinedOutput()
		require.NoError(t, err, string(out))
		assert.Contains(t, string(out), `topic "tradestream.commands" with 12 partitions`)
		assert.Contains(t, string(out), `topic "tradestream.jobs-table" with 12 partitions`)
		kcatPartitionsMatchGoka(t, kcat, banner["Kafka broker"])
	} else {
		t.Log("kcat not installed: skipping the kcat cross-check")
	}

	stopAt := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "exit code 0 after Ctrl-C; stderr: %s", stderr.String())
		t.Logf("stopped %s after Ctrl-C", time.Since(stopAt).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatalf("demo did not exit within 10 s of Ctrl-C")
	}
}

// kcatPartitionsMatchGoka produces keys with librdkafka's murmur2
// partitioner and checks each lands where Goka's hasher puts it.
func kcatPartitionsMatchGoka(t *testing.T, kcat, broker string) {
	t.Helper()
	keys := []string{"acme", "globex", "tenant-42", "acme/job-1", "x"}
	var in bytes.Buffer
	for _, k := range keys {
		in.WriteString(k + "\tcross-check\n")
	}
	p := exec.Command(kcat, "-X", "partitioner=murmur2_random", "-b", broker, "-P", "-t", "tradestream.rejects", "-K", "\t")
	p.Stdin = &in
	out, err := p.CombinedOutput()
	require.NoError(t, err, string(out))
	c := exec.Command(kcat, "-b", broker, "-C", "-t", "tradestream.rejects", "-e", "-q", "-f", "%k %p\n")
	out, err = c.Output()
	require.NoError(t, err)
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if k, p, ok := strings.Cut(line, " "); ok {
			got[k] = p
		}
	}
	for _, k := range keys {
		assert.Equal(t, strings.TrimSpace(itoa(topology.Partition(k, 12))), got[k], "key %q", k)
	}
}

func itoa(i int32) string { return strconv.Itoa(int(i)) }
