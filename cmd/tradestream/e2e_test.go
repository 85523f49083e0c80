package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

func TestAPostedJobShowsInTheView(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	status, body := in.post(t, "/v1/tenants/acme/jobs", jobBody("job-1", 7))
	require.Equal(t, http.StatusAccepted, status, body)
	assert.Equal(t, "job-1", body["id"])
	assert.NotEmpty(t, body["accepted_at"])

	j := in.waitJob(t, "acme", "job-1", func(j *codecs.Job) bool { return true }, "posted")
	assert.Equal(t, codecs.StatusPosted, j.Status)
	assert.Equal(t, "plumber", j.Trade)
	assert.Equal(t, int32(60), j.DurationMinutes)
	assert.Equal(t, "GBP", j.Currency)
}

func TestCommandsOfATenantApplyInAcceptedOrderAcrossJobs(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	steps := []struct {
		path string
		body any
	}{
		{"/jobs", jobBody("j1", 7)},
		{"/jobs", jobBody("j2", 8)},
		{"/jobs/j1/cancel", map[string]any{"reason": "sorted"}},
		{"/jobs", jobBody("j3", 9)},
		{"/jobs/j1/reschedule", map[string]any{"window": jobBody("x", 10)["window"]}}, // after the cancel: refused
		{"/jobs/j2/reschedule", map[string]any{"window": jobBody("x", 11)["window"]}},
		{"/jobs/j2/cancel", map[string]any{}},
	}
	var ids []string
	for _, s := range steps {
		status, body := in.post(t, "/v1/tenants/acme"+s.path, s.body)
		require.Equal(t, http.StatusAccepted, status, body)
		ids = append(ids, body["command_id"].(string))
	}
	j1 := in.waitJob(t, "acme", "j1", func(j *codecs.Job) bool { return j.LastRejection != nil }, "reschedule refused")
	assert.Equal(t, codecs.StatusCancelled, j1.Status)
	assert.Equal(t, ids[4], j1.LastRejection.CommandID)
	j2 := in.waitJob(t, "acme", "j2", func(j *codecs.Job) bool { return j.Status == codecs.StatusCancelled }, "cancelled")
	assert.Equal(t, 11, j2.Window.EarliestStart.Day(), "the reschedule before the cancel was applied")
	in.waitJob(t, "acme", "j3", func(*codecs.Job) bool { return true }, "posted")

	// The sequence numbers on the routed topic follow the accepted order.
	seqs := routedSeqs(t, env, ids)
	for i := 1; i < len(ids); i++ {
		assert.Greater(t, seqs[ids[i]], seqs[ids[i-1]], "command %d after command %d", i, i-1)
	}
}

// routedSeqs reads the job-commands topic with a plain sarama consumer and
// returns the sequence number of each wanted command id.
func routedSeqs(t *testing.T, env *testEnv, ids []string) map[string]int64 {
	t.Helper()
	cfg := env.config(t, "reader", "")
	cat, err := catalog(cfg)
	require.NoError(t, err)
	consumer, err := sarama.NewConsumer([]string{env.brokers}, cat.Config().Sarama())
	require.NoError(t, err)
	defer consumer.Close()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	out := map[string]int64{}
	var mu sync.Mutex
	parts, err := consumer.Partitions(string(cat.JobCommands.Topic))
	require.NoError(t, err)
	for _, p := range parts {
		pc, err := consumer.ConsumePartition(string(cat.JobCommands.Topic), p, sarama.OffsetOldest)
		require.NoError(t, err)
		defer pc.Close()
		go func() {
			for m := range pc.Messages() {
				c, err := cat.JobCommands.Avro.Unmarshal(m.Value)
				if err != nil {
					continue
				}
				assert.Equal(t, topology.Partition(string(m.Key), 12), p, "routed by murmur2 of the key")
				mu.Lock()
				if want[c.CommandID] {
					out[c.CommandID] = c.Seq
				}
				mu.Unlock()
			}
		}()
	}
	eventually(t, 30e9, func() bool { mu.Lock(); defer mu.Unlock(); return len(out) == len(ids) }, "all routed commands")
	return out
}

func TestRepeatedIdempotencyKeyHasNoSecondEffectAcrossInstances(t *testing.T) {
	env := newTestEnv(t)
	a := env.start(t, "a", t.TempDir())
	b := env.start(t, "b", t.TempDir())
	body := jobBody("", 7)
	delete(body, "id")
	s1, r1 := a.post(t, "/v1/tenants/acme/jobs", body, "Idempotency-Key", "order-77")
	s2, r2 := a.post(t, "/v1/tenants/acme/jobs", body, "Idempotency-Key", "order-77")
	s3, r3 := b.post(t, "/v1/tenants/acme/jobs", body, "Idempotency-Key", "order-77")
	require.Equal(t, []int{202, 202, 202}, []int{s1, s2, s3})
	assert.Equal(t, r1, r2, "the same instance answers exactly like the first time")
	assert.Equal(t, r1["id"], r3["id"], "another instance derives the same job id")
	id := r1["id"].(string)
	a.waitJob(t, "acme", id, func(*codecs.Job) bool { return true }, "posted")

	// A later command proves every earlier one was processed.
	st, _ := a.post(t, "/v1/tenants/acme/jobs/"+id+"/cancel", map[string]any{"reason": "done"})
	require.Equal(t, 202, st)
	j := a.waitJob(t, "acme", id, func(j *codecs.Job) bool { return j.Status == codecs.StatusCancelled }, "cancelled")
	assert.Nil(t, j.LastRejection, "the repeat was dropped, not rejected as a conflict")
	assert.Equal(t, int64(2), j.Version, "one post and one cancel applied, nothing else")
}

func TestAnInstanceWithEmptyLocalStateRebuildsItsTables(t *testing.T) {
	env := newTestEnv(t)
	first := env.start(t, "a", t.TempDir())
	for i := range 20 {
		st, _ := first.post(t, "/v1/tenants/acme/jobs", jobBody(fmt.Sprintf("j%d", i), 7))
		require.Equal(t, 202, st)
	}
	for i := range 20 { // jobs live on different partitions: any order
		first.waitJob(t, "acme", fmt.Sprintf("j%d", i), func(*codecs.Job) bool { return true }, "posted")
	}
	require.NoError(t, first.stop())

	second := env.start(t, "a", t.TempDir()) // same instance, state wiped
	for i := range 20 {
		assert.NotNil(t, second.job(t, "acme", fmt.Sprintf("j%d", i)), "j%d after the rebuild", i)
	}
	st, _ := second.post(t, "/v1/tenants/acme/jobs/j3/cancel", map[string]any{})
	require.Equal(t, 202, st)
	j := second.waitJob(t, "acme", "j3", func(j *codecs.Job) bool { return j.Status == codecs.StatusCancelled }, "cancelled")
	assert.Equal(t, int64(2), j.Version, "the processor table was rebuilt too: the cancel applied on the stored job")
	st, _ = second.post(t, "/v1/tenants/acme/jobs", jobBody("j5", 8))
	require.Equal(t, 202, st)
	j5 := second.waitJob(t, "acme", "j5", func(j *codecs.Job) bool { return j.LastRejection != nil }, "conflict")
	assert.Equal(t, "conflict", j5.LastRejection.Code)
}

func TestShutdownLosesNoAcknowledgedCommand(t *testing.T) {
	env := newTestEnv(t)
	dir := t.TempDir()
	in := env.start(t, "a", dir)
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				st, err := postQuiet(in.url+"/v1/tenants/acme/jobs", jobBody(id, 7))
				if err != nil || st == http.StatusServiceUnavailable {
					return // the server stopped accepting writes
				}
				if st == http.StatusAccepted {
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				}
			}
		}()
	}
	eventually(t, 10e9, func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= 50 }, "50 acknowledged commands")
	require.NoError(t, in.stop())
	wg.Wait()

	again := env.start(t, "a", dir)
	for _, id := range acked {
		again.waitJob(t, "acme", id, func(*codecs.Job) bool { return true }, "acknowledged before shutdown")
	}
	t.Logf("%d acknowledged commands, all applied", len(acked))
}

func TestMetricsShowProcessingLagAndRequests(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	st, _ := in.post(t, "/v1/tenants/acme/jobs", jobBody("job-1", 7))
	require.Equal(t, http.StatusAccepted, st)
	in.waitJob(t, "acme", "job-1", func(*codecs.Job) bool { return true }, "posted")
	var body string
	eventually(t, 10e9, func() bool {
		resp, err := http.Get(in.url + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return strings.Contains(body, `tradestream_records_processed_total{group="`+env.prefix+`tradestream.jobs"`)
	}, "jobs processing counted")
	assert.Contains(t, body, `tradestream_records_processed_total{group="`+env.prefix+`tradestream.ingest",topic="`+env.prefix+`tradestream.commands"} 1`)
	assert.Contains(t, body, "tradestream_consumer_lag_records{")
	assert.Contains(t, body, "tradestream_table_running{")
	assert.Contains(t, body, `tradestream_http_requests_total{code="202",method="POST",route="POST /v1/tenants/{tenant}/jobs"} 1`)
	assert.Contains(t, body, "tradestream_processing_seconds_bucket{")
}
