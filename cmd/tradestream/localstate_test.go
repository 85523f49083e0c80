package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/ingest"
	"github.com/tradestream/tradestream/topology"
)

func TestALocalCacheAheadOfARecreatedTopicIsWipedAndRebuilt(t *testing.T) {
	env := newTestEnv(t)
	dir := t.TempDir()
	cat, err := catalog(env.config(t, "admin", ""))
	require.NoError(t, err)
	parts := int32(env.config(t, "", "").Partitions)
	// j1 and j2 live in different partitions of the jobs table.
	j2 := "j2"
	for i := 3; topology.Partition(ingest.JobKey("acme", j2), parts) == topology.Partition(ingest.JobKey("acme", "j1"), parts); i++ {
		j2 = fmt.Sprintf("j%d", i)
	}

	// Instance a stores j1 after six changes (offsets 0-5 of its partition)
	// and j2 after one, in its processor table and in its view.
	a := env.start(t, "a", dir)
	post(t, a, "/v1/tenants/acme/jobs", jobBody("j1", 7))
	for day := 8; day < 13; day++ {
		post(t, a, "/v1/tenants/acme/jobs/j1/reschedule", map[string]any{"window": jobBody("x", day)["window"]})
	}
	post(t, a, "/v1/tenants/acme/jobs", jobBody(j2, 7))
	a.waitJob(t, "acme", "j1", func(j *codecs.Job) bool { return j.Version == 6 }, "six changes")
	a.waitJob(t, "acme", j2, func(*codecs.Job) bool { return true }, "posted")
	require.NoError(t, a.stop())

	// The topics are deleted and recreated; another instance writes j1 once:
	// j1's partition has a high-water mark of 1, below a's stored offset 5,
	// and j2's partition is empty, below a's stored offset 0.
	recreateTopics(t, env, cat)
	b := env.start(t, "b", t.TempDir())
	post(t, b, "/v1/tenants/acme/jobs", jobBody("j1", 20))
	b.waitJob(t, "acme", "j1", func(*codecs.Job) bool { return true }, "posted again")
	require.NoError(t, b.stop())

	// a restarts on its old state: it must start, say what it wiped, and
	// serve the new topics' truth, not its stale cache.
	var logs syncBuffer
	again := env.startLogging(t, "a", dir, &logs)
	j1 := again.waitJob(t, "acme", "j1", func(*codecs.Job) bool { return true }, "rebuilt")
	assert.Equal(t, int64(1), j1.Version, "the view serves the recreated table, not the stale cache")
	assert.Equal(t, 20, j1.Window.EarliestStart.Day())
	assert.Nil(t, again.job(t, "acme", j2), "j2 is gone with the old topic")
	assert.Contains(t, logs.String(), "local table state is ahead of its topic")
	assert.Contains(t, logs.String(), "level=WARN")

	// The processor table was rebuilt too: a command on j1 applies on the
	// recreated state, and j2 can be posted afresh.
	post(t, again, "/v1/tenants/acme/jobs/j1/cancel", map[string]any{})
	post(t, again, "/v1/tenants/acme/jobs", jobBody(j2, 9))
	j1 = again.waitJob(t, "acme", "j1", func(j *codecs.Job) bool { return j.Status == codecs.StatusCancelled }, "cancelled")
	assert.Equal(t, int64(2), j1.Version)
	again.waitJob(t, "acme", j2, func(j *codecs.Job) bool { return j.LastRejection == nil && j.Version == 1 }, "posted afresh")
}

func TestAnIntactLocalCacheIsKept(t *testing.T) {
	env := newTestEnv(t)
	dir := t.TempDir()
	a := env.start(t, "a", dir)
	// Two changes: goka stores the offset of a table write unless it is 0.
	post(t, a, "/v1/tenants/acme/jobs", jobBody("j1", 7))
	post(t, a, "/v1/tenants/acme/jobs/j1/cancel", map[string]any{})
	a.waitJob(t, "acme", "j1", func(j *codecs.Job) bool { return j.Version == 2 }, "cancelled")
	require.NoError(t, a.stop())
	parts, err := localPartitions(filepath.Join(dir, "a"))
	require.NoError(t, err)
	require.NotEmpty(t, parts)

	var logs syncBuffer
	again := env.startLogging(t, "a", dir, &logs)
	again.waitJob(t, "acme", "j1", func(j *codecs.Job) bool { return j.Version == 2 }, "still there")
	assert.NotContains(t, logs.String(), "wiping", logs.String())
}

// post sends a command that must be accepted.
func post(t *testing.T, in *instance, path string, body any) {
	t.Helper()
	st, resp := in.post(t, path, body)
	require.Equal(t, 202, st, resp)
}

// recreateTopics deletes every topic of the catalog, waits until they are
// gone, and creates them again, empty.
func recreateTopics(t *testing.T, env *testEnv, cat *topology.Catalog) {
	t.Helper()
	admin, err := sarama.NewClusterAdmin([]string{env.brokers}, cat.Config().Sarama())
	require.NoError(t, err)
	defer admin.Close()
	for _, s := range cat.Specs() {
		require.NoError(t, admin.DeleteTopic(s.Name), s.Name)
	}
	eventually(t, 60*time.Second, func() bool {
		have, err := admin.ListTopics()
		if err != nil {
			return false
		}
		for _, s := range cat.Specs() {
			if _, ok := have[s.Name]; ok {
				return false
			}
		}
		return true
	}, "topics deleted")
	// Kafka finishes a deletion asynchronously: creating too early fails
	// with "topic is marked for deletion"; Apply is idempotent, so retry.
	eventually(t, 60*time.Second, func() bool {
		_, err := topology.Apply(t.Context(), cat.Config(), cat.Specs())
		return err == nil
	}, "topics recreated")
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Clone(s.b.String())
}

func TestCacheVerdict(t *testing.T) {
	cases := []struct {
		name    string
		local   int64
		hasData bool
		hwm     int64
		want    verdict
	}{
		{"empty cache", -1, false, 10, keep},
		{"behind", 3, true, 10, keep},
		{"caught up: stored the last record", 9, true, 10, keep},
		{"ahead of a recreated topic", 10, true, 10, wipeAhead},
		{"far ahead", 50, true, 3, wipeAhead},
		{"a record, but the topic is empty", 0, true, 0, wipeAhead},
		{"data without an offset", -1, true, 10, wipeUnanchored},
		{"data without an offset, empty topic", -1, true, 0, wipeUnanchored},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, cacheVerdict(tc.local, tc.hasData, tc.hwm))
		})
	}
}
