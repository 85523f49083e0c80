package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// mustPost posts a command and requires a 202.
func mustPost(t *testing.T, in *instance, path string, body any) map[string]any {
	t.Helper()
	st, out := in.post(t, path, body)
	require.Equal(t, http.StatusAccepted, st, "%s: %v", path, out)
	return out
}

// bookWith bids on the job as tp and accepts the bid, then waits until the
// job is booked. A bid refused because the jobs group does not see the
// profile yet (its lookup trails the table) is retried.
func bookWith(t *testing.T, in *instance, tenant, job, tp string) *codecs.Job {
	t.Helper()
	base := "/v1/tenants/" + tenant + "/jobs/" + job
	for try := 0; ; try++ {
		bid := fmt.Sprintf("b-%s-%d", job, try)
		out := mustPost(t, in, base+"/bids", map[string]any{"id": bid, "tradesperson_id": tp, "currency": "GBP",
			"lines": []map[string]any{{"kind": "labor", "amount_minor": 5000}}})
		j := in.waitJob(t, tenant, job, func(j *codecs.Job) bool {
			return len(j.Bids) == 1 || (j.LastRejection != nil && j.LastRejection.CommandID == out["command_id"])
		}, "bid")
		if len(j.Bids) == 1 {
			mustPost(t, in, base+"/accept", map[string]any{"bid_id": bid})
			break
		}
		require.Less(t, try, 50, "the jobs group never saw %s", tp)
		time.Sleep(20 * time.Millisecond)
	}
	return in.waitJob(t, tenant, job, func(j *codecs.Job) bool { return j.Status == codecs.StatusBooked }, "booked")
}

// report sends the field reports en_route, on_site and completed at the
// given times (zero: skip it) and waits until the last one is applied.
func report(t *testing.T, in *instance, tenant, job string, enRoute, onSite, completed time.Time) *codecs.Job {
	t.Helper()
	last := ""
	for _, r := range []struct {
		status string
		at     time.Time
	}{{codecs.StatusEnRoute, enRoute}, {codecs.StatusOnSite, onSite}, {codecs.StatusCompleted, completed}} {
		if r.at.IsZero() {
			continue
		}
		mustPost(t, in, "/v1/tenants/"+tenant+"/jobs/"+job+"/status", map[string]any{"status": r.status, "at": r.at})
		last = r.status
	}
	return in.waitJob(t, tenant, job, func(j *codecs.Job) bool { return j.Status == last }, last)
}
