package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSimulateRecordsEveryAcknowledgedCommandInOrder(t *testing.T) {
	env := newTestEnv(t)
	record := filepath.Join(t.TempDir(), "record.jsonl")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"topics", "apply", "--brokers", env.brokers, "--topic-prefix", env.prefix}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	code = run(context.Background(), []string{"simulate", "--brokers", env.brokers, "--registry", env.registry,
		"--topic-prefix", env.prefix, "--rate", "200", "--duration", "1s", "--tenants", "2", "--mix", "jobs", "--record", record}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())

	m := regexp.MustCompile(`"sent":(\d+),"failed":(\d+)`).FindStringSubmatch(stderr.String())
	require.NotNil(t, m, stderr.String())
	sent, _ := strconv.Atoi(m[1])
	assert.Equal(t, "0", m[2])
	records := readRecords(t, record)
	require.Len(t, records, sent, "one line per acknowledged command")
	require.NotEmpty(t, records)
	seen, posted := map[string]bool{}, map[string]bool{}
	for _, r := range records {
		require.NotNil(t, r.Command)
		assert.Equal(t, r.CommandID, r.Command.CommandID)
		assert.Equal(t, r.Tenant, r.Command.TenantID)
		assert.Equal(t, r.Kind, r.Command.Kind)
		assert.Equal(t, r.JobID, r.Command.JobID)
		assert.False(t, seen[r.CommandID], "recorded once: %s", r.CommandID)
		seen[r.CommandID] = true
		key := r.Tenant + "/" + r.JobID
		if r.Kind == "post_job" {
			require.NotNil(t, r.Command.PostJob, "the payload is recorded")
			posted[key] = true
		} else {
			assert.True(t, posted[key], "%s on %s follows its post in the record", r.Kind, key)
		}
	}
}
