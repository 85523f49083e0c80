package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// TestReplayFromEarliestReproducesTheJobViews posts, cancels and reports on
// jobs, stops the instance, replays the ingest and jobs groups from
// earliest (the jobs table is recreated empty) and checks that the restarted
// instance rebuilds exactly the same job views. A replay while the groups
// run is refused.
func TestReplayFromEarliestReproducesTheJobViews(t *testing.T) {
	env := newTestEnv(t)
	dir := t.TempDir()
	in := env.start(t, "a", dir)
	base := "/v1/tenants/acme"
	var ids []string
	for i := range 12 {
		id := fmt.Sprint("j", i)
		ids = append(ids, id)
		st, _ := in.post(t, base+"/jobs", jobBody(id, 7+i%5))
		require.Equal(t, http.StatusAccepted, st)
	}
	for i, id := range ids {
		var st int
		switch i % 4 {
		case 0:
			st, _ = in.post(t, base+"/jobs/"+id+"/cancel", map[string]any{"reason": "changed plans"})
		case 1:
			st, _ = in.post(t, base+"/jobs/"+id+"/reschedule", map[string]any{"window": jobBody("x", 20)["window"]})
		case 2:
			st, _ = in.post(t, base+"/jobs/"+id+"/status", map[string]any{"status": "completed"}) // refused
		}
		if st != 0 {
			require.Equal(t, http.StatusAccepted, st)
		}
	}
	last := in.waitJob(t, "acme", "j10", func(j *codecs.Job) bool { return j.LastRejection != nil }, "the last command applied")
	require.NotNil(t, last)
	// Internal records (matching, dependencies) may still be changing the
	// views: take the snapshot once two reads 300 ms apart agree.
	snapshot := func() map[string]string {
		m := map[string]string{}
		for _, id := range ids {
			m[id] = jobJSON(t, in, id)
		}
		return m
	}
	var before map[string]string
	eventually(t, 30e9, func() bool {
		a := snapshot()
		time.Sleep(300 * time.Millisecond)
		before = snapshot()
		return maps.Equal(a, before)
	}, "the views settled")

	args := []string{"replay", "--brokers", env.brokers, "--topic-prefix", env.prefix, "--group", "ingest,jobs"}
	code, _, stderr := runCLI(t, args...)
	assert.Equal(t, 1, code, "refused while the groups run")
	assert.Contains(t, stderr, "active members")

	require.NoError(t, in.stop())
	code, out, stderr := runCLI(t, append(args, "--dry-run")...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "table "+env.prefix+"tradestream.jobs-table → recreated empty")
	assert.Contains(t, out, "dry run: nothing changed")
	code, out, stderr = runCLI(t, args...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, 2, strings.Count(out, "reset "), out)

	again := env.start(t, "a", dir) // same state dir: its stale local table is wiped
	for _, id := range ids {
		want := before[id]
		eventually(t, 30e9, func() bool { return jobJSON(t, again, id) == want }, "job %s rebuilt identically", id)
	}
}

func jobJSON(t *testing.T, in *instance, id string) string {
	t.Helper()
	j := in.job(t, "acme", id)
	if j == nil {
		return ""
	}
	b, err := json.Marshal(j)
	require.NoError(t, err)
	return string(b)
}
