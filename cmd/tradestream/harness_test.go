package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// testEnv is a Kafka cluster and registry for end-to-end tests: the embedded
// kfake broker and srfake registry, or the real broker and registry named by
// TRADESTREAM_IT_BROKERS and TRADESTREAM_IT_REGISTRY (the integration tier).
// Each test gets its own topic prefix, so tests never share topics.
type testEnv struct {
	brokers, registry, prefix string
	real                      bool
	emb                       *embedded // nil on a real broker
	kafka                     topology.Security
	configure                 func(*Config) // when set, adjusts every instance's config
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	prefix := fmt.Sprintf("t%d-%d.", time.Now().UnixNano()%1e9, rand.IntN(1e6))
	// The Debezium topics are taken as named, not prefixed: each test names
	// its own, for instances and CLI runs alike, so tests sharing a cluster
	// never consume each other's change events.
	t.Setenv("TRADESTREAM_CDC_TOPICS", cdcTopicsOf(prefix))
	if b, r := os.Getenv("TRADESTREAM_IT_BROKERS"), os.Getenv("TRADESTREAM_IT_REGISTRY"); b != "" && r != "" {
		// Registered first, so it runs after the instances stopped.
		t.Cleanup(func() { deleteTestTopics(t, b, prefix) })
		return &testEnv{brokers: b, registry: r, prefix: prefix, real: true}
	}
	emb, err := startEmbedded("127.0.0.1:0", "127.0.0.1:0", "", 12)
	require.NoError(t, err)
	t.Cleanup(emb.close)
	return &testEnv{brokers: emb.brokers()[0], registry: emb.registryURL(), prefix: prefix, emb: emb}
}

// deleteTestTopics deletes a test's topics from the shared real broker. A
// test leaves ~450 partitions behind otherwise, and the whole suite would
// hold more open files and memory maps than one broker process may have.
func deleteTestTopics(t *testing.T, brokers, prefix string) {
	deleted, err := topology.DeleteWithPrefix(topology.Config{Brokers: strings.Split(brokers, ",")}, prefix)
	if err != nil {
		t.Logf("deleting the test's topics (%s*): %v", prefix, err)
		return
	}
	t.Logf("deleted the test's %d topics (%s*)", len(deleted), prefix)
}

// config is an instance config for this env.
func (e *testEnv) config(t *testing.T, instance, stateDir string) *Config {
	c := &Config{HTTPAddr: "127.0.0.1:0", Brokers: e.brokers, Registry: e.registry, Processors: "all",
		StateDir: stateDir, InstanceID: instance, Partitions: 12, TopicPrefix: e.prefix, LogLevel: "warn",
		CDCTopics: cdcTopicsOf(e.prefix), Kafka: e.kafka}
	if e.configure != nil {
		e.configure(c)
	}
	return c
}

// cdcTopicsOf is --cdc-topics for a test prefix: the default topics, prefixed.
func cdcTopicsOf(prefix string) string {
	var out []string
	for _, t := range topology.DefaultCDCTopics() {
		out = append(out, prefix+t)
	}
	return strings.Join(out, ",")
}

// instance is one running tradestream instance.
type instance struct {
	app  *app
	url  string
	stop func() error
}

// start runs an instance until stopped (or the test ends) and waits until
// it is ready.
func (e *testEnv) start(t *testing.T, name, stateDir string) *instance {
	t.Helper()
	return e.startLogging(t, name, stateDir, nil)
}

// startLogging is start with the instance's log (level info) also written
// to logs, when not nil.
func (e *testEnv) startLogging(t *testing.T, name, stateDir string, logs io.Writer) *instance {
	t.Helper()
	return e.startConfig(t, e.config(t, name, stateDir), logs)
}

// startConfig is start with a config of the test's own (see config).
func (e *testEnv) startConfig(t *testing.T, cfg *Config, logs io.Writer) *instance {
	t.Helper()
	name := cfg.InstanceID
	out := io.Discard
	if testing.Verbose() {
		out = os.Stderr
	}
	if logs != nil {
		out = io.MultiWriter(out, logs)
	}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan *app, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, log, func(a *app) { started <- a }) }()
	var a *app
	select {
	case a = <-started:
	case err := <-done:
		cancel()
		t.Fatalf("instance %s did not start: %v", name, err)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatalf("instance %s did not start in 60s", name)
	}
	in := &instance{app: a, url: "http://" + a.addr()}
	stopped := false
	in.stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			return fmt.Errorf("instance %s did not stop within 15s", name)
		}
	}
	t.Cleanup(func() {
		start := time.Now()
		if err := in.stop(); err != nil {
			t.Errorf("stopping %s: %v", name, err)
		}
		t.Logf("instance %s stopped in %s", name, time.Since(start))
	})
	eventually(t, 60*time.Second, func() bool {
		resp, err := http.Get(in.url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, "instance %s ready", name)
	return in
}

// post sends a JSON command and returns the status and decoded body.
func (in *instance) post(t *testing.T, path string, body any, hdr ...string) (int, map[string]any) {
	t.Helper()
	return in.send(t, "POST", path, body, hdr...)
}

// accept sends a command that must be accepted (202) and returns the body.
func (in *instance) accept(t *testing.T, method, path string, body any) map[string]any {
	t.Helper()
	st, out := in.send(t, method, path, body)
	require.Equal(t, http.StatusAccepted, st, "%s %s: %v", method, path, out)
	return out
}

// put is post with PUT.
func (in *instance) put(t *testing.T, path string, body any, hdr ...string) (int, map[string]any) {
	t.Helper()
	return in.send(t, "PUT", path, body, hdr...)
}

func (in *instance) send(t *testing.T, method, path string, body any, hdr ...string) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(method, in.url+path, bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// view reads one entity of a tenant, path "<kind>/<id>"; nil on 404.
func view[T any](t *testing.T, in *instance, tenant, path string) *T {
	t.Helper()
	resp, err := http.Get(in.url + "/v1/tenants/" + tenant + "/" + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var v T
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
	return &v
}

// job reads a job view; nil when it is not there (404).
func (in *instance) job(t *testing.T, tenant, id string) *codecs.Job {
	t.Helper()
	return view[codecs.Job](t, in, tenant, "jobs/"+id)
}

// waitJob waits until the job view satisfies ok.
func (in *instance) waitJob(t *testing.T, tenant, id string, ok func(*codecs.Job) bool, what string) *codecs.Job {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j := in.job(t, tenant, id)
		if j != nil && ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			seen, _ := json.Marshal(j)
			t.Fatalf("timed out after 30s waiting for job %s/%s: %s; last seen: %s", tenant, id, what, seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func eventually(t *testing.T, within time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for "+format, append([]any{within}, args...)...)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func jobBody(id string, startDay int) map[string]any {
	start := time.Date(2030, 1, startDay, 8, 0, 0, 0, time.UTC)
	return map[string]any{"id": id, "customer_id": "cust-1", "trade": "plumber", "title": "Leaky tap",
		"location": map[string]any{"lat": 51.5, "lon": -0.12}, "duration_minutes": 60, "currency": "GBP",
		"window": map[string]any{"earliest_start": start, "latest_end": start.Add(9 * time.Hour)}}
}

// postQuiet posts without failing the test: for load that races a shutdown.
func postQuiet(url string, body any) (int, error) {
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
