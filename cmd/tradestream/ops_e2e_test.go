package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// testCatalog is a catalog over the env's cluster and registry, for tests
// that write or read records themselves.
func testCatalog(t *testing.T, env *testEnv) *topology.Catalog {
	t.Helper()
	cfg := env.config(t, "tool", "")
	cat, err := topology.NewCatalog(cfg.kafka(), codecs.NewHTTPRegistry(env.registry, 10*time.Second))
	require.NoError(t, err)
	return cat
}

// produceTo writes records to explicit partitions of a topic.
func produceTo(t *testing.T, brokers, topic string, part int32, key string, values ...[]byte) {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_1_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewSyncProducer(strings.Split(brokers, ","), cfg)
	require.NoError(t, err)
	defer p.Close()
	for _, v := range values {
		_, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: part, Key: sarama.StringEncoder(key),
			Value: sarama.ByteEncoder(v)})
		require.NoError(t, err)
	}
}

// inspect runs dlq inspect and decodes its JSON lines.
func inspect(t *testing.T, env *testEnv, extra ...string) []deadLetterRecord {
	t.Helper()
	args := append([]string{"dlq", "inspect", "--brokers", env.brokers, "--registry", env.registry,
		"--topic-prefix", env.prefix}, extra...)
	code, out, stderr := runCLI(t, args...)
	require.Equal(t, 0, code, stderr)
	var recs []deadLetterRecord
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var d deadLetterRecord
		require.NoError(t, json.Unmarshal([]byte(line), &d), line)
		recs = append(recs, d)
	}
	return recs
}

// TestExportDumpsATableAsTheViewsServeIt posts jobs, then checks that
// export prints one JSON line per job whose value is exactly the job the
// API serves; an unknown table is a usage error listing the tables.
func TestExportDumpsATableAsTheViewsServeIt(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	var ids []string
	for i := range 6 {
		id := fmt.Sprint("e", i)
		ids = append(ids, id)
		st, _ := in.post(t, "/v1/tenants/acme/jobs", jobBody(id, 7+i), "Idempotency-Key", "k-"+id)
		require.Equal(t, http.StatusAccepted, st)
	}
	st, _ := in.post(t, "/v1/tenants/acme/jobs/e0/cancel", map[string]any{"reason": "changed plans"})
	require.Equal(t, http.StatusAccepted, st)
	in.waitJob(t, "acme", "e0", func(j *codecs.Job) bool { return j.Status == "cancelled" }, "cancelled")
	for _, id := range ids {
		in.waitJob(t, "acme", id, func(*codecs.Job) bool { return true }, "posted")
	}

	base := []string{"--brokers", env.brokers, "--registry", env.registry, "--topic-prefix", env.prefix}
	var lines []exportLine
	eventually(t, 30*time.Second, func() bool {
		code, out, stderr := runCLI(t, append([]string{"export", "jobs"}, base...)...)
		require.Equal(t, 0, code, stderr)
		lines = nil
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var e exportLine
			require.NoError(t, json.Unmarshal([]byte(l), &e), l)
			lines = append(lines, e)
		}
		if len(lines) != len(ids) {
			return false
		}
		for _, l := range lines { // the table may trail the view by a write
			id := strings.TrimPrefix(l.Key, "acme/")
			if jobJSONCompact(t, l.Value) != jobJSON(t, in, id) {
				return false
			}
		}
		return true
	}, "export equals the views")
	var keys []string
	for _, l := range lines {
		keys = append(keys, l.Key)
	}
	sort.Strings(keys)
	assert.Equal(t, []string{"acme/e0", "acme/e1", "acme/e2", "acme/e3", "acme/e4", "acme/e5"}, keys)

	// The full topic name works too; a table of another group as well (the
	// ingest group keeps the idempotency keys it saw).
	code, _, stderr := runCLI(t, append([]string{"export", env.prefix + "tradestream.jobs-table"}, base...)...)
	assert.Equal(t, 0, code, stderr)
	code, out, stderr := runCLI(t, append([]string{"export", "ingest"}, base...)...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, `{"key":"acme","value":{`)

	code, _, stderr = runCLI(t, append([]string{"export", "nope"}, base...)...)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown table "nope" (have `)
	assert.Contains(t, stderr, "jobs")
	assert.Contains(t, stderr, "ingest")
}

// jobJSONCompact re-encodes a job as the API's JSON, for comparison.
func jobJSONCompact(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var j codecs.Job
	require.NoError(t, json.Unmarshal(raw, &j))
	b, err := json.Marshal(&j)
	require.NoError(t, err)
	return string(b)
}

// TestDeadLettersCanBeInspectedAndReplayed sends garbage to the commands
// topic and inspects it (JSON lines with headers, a table, filters); then it
// replays a dead letter carrying a valid command (as after a fix): the
// command is re-sent to its source topic and processed. Replaying garbage
// dead-letters it again; a dry run sends nothing.
func TestDeadLettersCanBeInspectedAndReplayed(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	cat := testCatalog(t, env)
	commands := string(cat.Commands.Topic)
	produceTo(t, env.brokers, commands, 3, "acme", []byte("garbage-1"), []byte{0, 0, 0, 0, 9, 1, 2})

	var recs []deadLetterRecord
	eventually(t, 30*time.Second, func() bool { recs = inspect(t, env); return len(recs) == 2 }, "two dead letters")
	for _, d := range recs {
		assert.Equal(t, commands, d.Topic)
		assert.Equal(t, int32(3), d.Partition)
		assert.Equal(t, "acme", d.Key)
		assert.NotEmpty(t, d.Error)
		assert.Equal(t, d.Error, d.Headers["error"])
		assert.Equal(t, commands, d.Headers["source.topic"])
		assert.Equal(t, "3", d.Headers["source.partition"])
		assert.Equal(t, fmt.Sprint(d.Offset), d.Headers["source.offset"])
	}
	assert.Equal(t, []byte("garbage-1"), recs[0].Value)

	code, out, stderr := runCLI(t, "dlq", "inspect", "--brokers", env.brokers, "--registry", env.registry,
		"--topic-prefix", env.prefix, "--format", "table")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "TIME")
	assert.Contains(t, out, commands+"/3@")
	assert.Contains(t, out, "2 dead letters")
	assert.Len(t, inspect(t, env, "--limit", "1"), 1)
	assert.Len(t, inspect(t, env, "--topic", "tradestream.job-commands"), 0)
	assert.Len(t, inspect(t, env, "--topic", "tradestream.commands"), 2)
	assert.Len(t, inspect(t, env, "--group", "ingest"), 2)
	assert.Len(t, inspect(t, env, "--since", time.Now().Add(time.Hour).Format(time.RFC3339)), 0)
	assert.Len(t, inspect(t, env, "--since", "1h"), 2)

	// A dead letter holding a valid command, as a processor bug would have
	// left it: the bytes of a posted job's command, renamed to a new job.
	st, _ := in.post(t, "/v1/tenants/acme/jobs", jobBody("orig", 8))
	require.Equal(t, http.StatusAccepted, st)
	in.waitJob(t, "acme", "orig", func(*codecs.Job) bool { return true }, "posted")
	var cmd *codecs.Command
	var part int32
	for _, m := range readAll(t, env.brokers, commands) {
		if c, err := cat.Commands.Avro.Unmarshal(m.Value); err == nil && c.JobID == "orig" {
			cmd, part = c, m.Partition
		}
	}
	require.NotNil(t, cmd)
	cmd.JobID, cmd.CommandID = "fixed", "fixed-cmd"
	value, err := cat.Commands.Avro.Marshal(cmd)
	require.NoError(t, err)
	dl, err := cat.DeadLetters.Avro.Marshal(&codecs.DeadLetter{Group: env.prefix + "tradestream.ingest", Topic: commands,
		Partition: part, Offset: 12345, Key: "acme", Value: value, Error: "a bug, since fixed", At: time.Now().UTC()})
	require.NoError(t, err)
	produceTo(t, env.brokers, string(cat.DeadLetters.Topic), 0, "acme", dl)
	eventually(t, 30*time.Second, func() bool { return len(inspect(t, env)) == 3 }, "three dead letters")

	replay := []string{"dlq", "replay", "--brokers", env.brokers, "--registry", env.registry, "--topic-prefix", env.prefix}
	code, out, stderr = runCLI(t, append(replay, "--dry-run")...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "dry run: would re-send 3, skip 0; nothing sent")
	time.Sleep(500 * time.Millisecond) // a dry run that did send would show up by now
	assert.Nil(t, in.job(t, "acme", "fixed"))
	assert.Len(t, inspect(t, env), 3)

	code, out, stderr = runCLI(t, replay...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "re-sent 3 dead letters, skipped 0")
	j := in.waitJob(t, "acme", "fixed", func(*codecs.Job) bool { return true }, "the replayed command processed")
	assert.Equal(t, "Leaky tap", j.Title)
	// The two garbage records are dead-lettered again, from new offsets.
	eventually(t, 30*time.Second, func() bool { recs = inspect(t, env); return len(recs) == 5 }, "five dead letters")
	seen := map[int64]bool{}
	for _, d := range recs {
		assert.False(t, seen[d.Offset], "source offset %d dead-lettered twice", d.Offset)
		seen[d.Offset] = true
	}
}
