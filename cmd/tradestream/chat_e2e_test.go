package main

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// bookedAutoJob registers a plumber and posts auto jobs on Monday
// 7 January 2030, one after the other, that the scheduling engine books
// with them; it returns the last one.
func bookedAutoJob(t *testing.T, in *instance, tenant string, jobs ...string) *codecs.Job {
	t.Helper()
	base := "/v1/tenants/" + tenant
	in.accept(t, "POST", base+"/tradespeople", map[string]any{"id": "ana", "name": "Ana", "trades": []string{"plumber"},
		"base": map[string]any{"lat": 51.5, "lon": -0.12}, "radius_km": 30})
	waitTP(t, in, tenant, "ana")
	time.Sleep(100 * time.Millisecond) // the matching index trails the profile by one hop
	var j *codecs.Job
	for _, id := range jobs {
		body := jobBody(id, 7)
		body["mode"] = "auto"
		in.accept(t, "POST", base+"/jobs", body)
		j = in.waitJob(t, tenant, id, func(j *codecs.Job) bool { return j.Status == codecs.StatusBooked }, "booked")
	}
	return j
}

// TestChatKeepsTheConversationInOrderAndAProposedWindowReschedules: the
// tradesperson proposes a window in a message, the customer answers and
// accepts it with a reschedule, and the appointment moves into the window;
// a message on a job that does not exist is rejected with the reason.
func TestChatKeepsTheConversationInOrderAndAProposedWindowReschedules(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	bookedAutoJob(t, in, "acme", "j1")
	tuesday := time.Date(2030, 1, 8, 13, 0, 0, 0, time.UTC)

	msgs := []map[string]any{
		{"from": "tradesperson", "text": "Could we do Tuesday afternoon instead?",
			"propose_window": map[string]any{"earliest_start": tuesday, "latest_end": tuesday.Add(3 * time.Hour)}},
		{"from": "customer", "text": "Tuesday works."},
		{"from": "tradesperson", "text": "Great, see you then."},
	}
	var ids []string
	for _, m := range msgs {
		st, out := in.post(t, "/v1/tenants/acme/jobs/j1/messages", m)
		require.Equal(t, http.StatusAccepted, st, out)
		ids = append(ids, out["id"].(string))
	}
	var conv []codecs.ChatMessage
	eventually(t, 30*time.Second, func() bool {
		conv = *view[[]codecs.ChatMessage](t, in, "acme", "jobs/j1/messages")
		return len(conv) == len(msgs)
	}, "three messages")
	for i, m := range conv {
		assert.Equal(t, ids[i], m.ID, "message %d in the order sent", i)
		assert.Equal(t, msgs[i]["text"], m.Text)
		assert.Equal(t, msgs[i]["from"], m.From)
	}
	proposal := conv[0].ProposeWindow
	require.NotNil(t, proposal)

	st, out := in.post(t, "/v1/tenants/acme/jobs/j1/reschedule", map[string]any{"window": proposal})
	require.Equal(t, http.StatusAccepted, st, out)
	j := in.waitJob(t, "acme", "j1", func(j *codecs.Job) bool {
		return j.Status == codecs.StatusBooked && j.Appointment != nil && !j.Appointment.Start.Before(tuesday)
	}, "booked again on Tuesday")
	assert.Equal(t, tuesday, j.Appointment.Start, "the earliest start inside the proposed window")
	assert.False(t, j.Appointment.End.After(proposal.LatestEnd))

	st, out = in.post(t, "/v1/tenants/acme/jobs/nope/messages", map[string]any{"from": "customer", "text": "hello?"})
	require.Equal(t, http.StatusAccepted, st, out)
	rejected := out["command_id"].(string)
	eventually(t, 30*time.Second, func() bool {
		for _, r := range readAll(t, env.brokers, env.prefix+string(topology.RejectsTopic)) {
			if bytes.Contains(r.Value, []byte(rejected)) {
				return bytes.Contains(r.Value, []byte("job nope does not exist"))
			}
		}
		return false
	}, "the message on an unknown job rejected")
	assert.Nil(t, in.job(t, "acme", "nope"), "a message creates no job")
}
