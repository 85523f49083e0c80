package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// sse is one server-sent event.
type sse struct{ id, event, data string }

// eventStream reads a job's event stream in a goroutine; events carries
// every event but comments, and closes when the stream ends.
type eventStream struct {
	resp   *http.Response
	events chan sse
}

func openEventStream(t testing.TB, in *instance, tenant, job string) *eventStream {
	t.Helper()
	resp, err := http.Get(in.url + "/v1/tenants/" + tenant + "/jobs/" + job + "/events")
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	s := &eventStream{resp: resp, events: make(chan sse, 4096)}
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64*1024), 4<<20)
		var ev sse
		for sc.Scan() {
			k, v, _ := strings.Cut(sc.Text(), ": ")
			switch k {
			case "":
				if ev.event != "" {
					s.events <- ev
				}
				ev = sse{}
			case "id":
				ev.id = v
			case "event":
				ev.event = v
			case "data":
				ev.data = v
			}
		}
	}()
	return s
}

// next returns the next event.
func (s *eventStream) next(t testing.TB) sse {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		require.True(t, ok, "the event stream ended")
		return ev
	case <-time.After(30 * time.Second):
		t.Fatal("no event within 30s")
	}
	return sse{}
}

// nextJob skips to the next job event that satisfies ok, failing on a
// message event in between.
func (s *eventStream) nextJob(t testing.TB, ok func(*codecs.Job) bool, what string) *codecs.Job {
	t.Helper()
	for {
		ev := s.next(t)
		require.Equal(t, "job", ev.event, "waiting for %s", what)
		var j codecs.Job
		require.NoError(t, json.Unmarshal([]byte(ev.data), &j))
		if ok(&j) {
			return &j
		}
	}
}

// TestTheEventStreamFollowsAJobAndItsChat opens a booked job's event
// stream, sends a chat message and then en_route: the stream shows the
// job, the message, then the job en route, in that order; stopping the
// instance ends the stream.
func TestTheEventStreamFollowsAJobAndItsChat(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	booked := bookedAutoJob(t, in, "acme", "j1")

	es := openEventStream(t, in, "acme", "j1")
	first := es.nextJob(t, func(*codecs.Job) bool { return true }, "the job on connect")
	assert.Equal(t, codecs.StatusBooked, first.Status)
	assert.Equal(t, booked.Appointment, first.Appointment)
	resp, err := http.Get(in.url + "/metrics")
	require.NoError(t, err)
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.True(t, strings.Contains(string(metrics), "\ntradestream_sse_subscribers 1\n"), "the subscribers gauge counts the stream")
	assert.True(t, strings.Contains(string(metrics), "\ntradestream_sse_dropped_events_total{event=\"job\"} 0\n"), "the dropped counter is exported")

	st, out := in.post(t, "/v1/tenants/acme/jobs/j1/messages", map[string]any{"from": "tradesperson", "text": "Leaving now"})
	require.Equal(t, http.StatusAccepted, st, out)
	ev := es.next(t)
	for ev.event == "job" { // a late internal update of the booking, never the status to come
		assert.NotContains(t, ev.data, `"status":"en_route"`)
		ev = es.next(t)
	}
	require.Equal(t, "message", ev.event)
	var m codecs.ChatMessage
	require.NoError(t, json.Unmarshal([]byte(ev.data), &m))
	assert.Equal(t, out["id"], m.ID)
	assert.Equal(t, "Leaving now", m.Text)
	assert.Equal(t, int64(1), m.N)

	st, out = in.post(t, "/v1/tenants/acme/jobs/j1/status", map[string]any{"status": "en_route"})
	require.Equal(t, http.StatusAccepted, st, out)
	enRoute := es.nextJob(t, func(j *codecs.Job) bool { return j.Status == codecs.StatusEnRoute }, "en_route")
	assert.Greater(t, enRoute.Version, first.Version)

	require.NoError(t, in.stop(), "the instance stops with a stream open")
	for range es.events {
	}
}

// TestTheEventStreamShowsETAsFallingThenOnSite books a job, sends en_route
// and streams pings along a path toward the job: the job's event stream
// shows ETAs that decrease, then on_site.
func TestTheEventStreamShowsETAsFallingThenOnSite(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	bookedAutoJob(t, in, "acme", "t1")
	es := openEventStream(t, in, "acme", "t1")
	es.nextJob(t, func(j *codecs.Job) bool { return j.Status == codecs.StatusBooked }, "booked")

	post := func(path string, body any) {
		t.Helper()
		st, out := in.post(t, "/v1/tenants/acme"+path, body)
		require.Equal(t, http.StatusAccepted, st, "%s: %v", path, out)
	}
	start := time.Now().UTC().Add(-30 * time.Minute).Truncate(time.Second)
	at := func(i int) time.Time { return start.Add(time.Duration(i) * time.Minute) }
	post("/jobs/t1/status", map[string]any{"status": "en_route", "at": start})
	es.nextJob(t, func(j *codecs.Job) bool { return j.Status == codecs.StatusEnRoute }, "en_route")

	// The tracking group hears of en_route on its own topic: pings before
	// that give no ETA, so a first ping is sent until one does, each a
	// millisecond later (a repeat of the same time would be a duplicate).
	try := 0
	eventually(t, 30*time.Second, func() bool {
		try++
		post("/locations", []map[string]any{pingJSON("ana", 6, at(1).Add(time.Duration(try)*time.Millisecond))})
		j := in.job(t, "acme", "t1")
		return j.ETA != nil
	}, "a first ETA")
	var etas []int32
	j := es.nextJob(t, func(j *codecs.Job) bool { return j.ETA != nil }, "the first ETA")
	etas = append(etas, j.ETA.Minutes)
	for i, km := range []float64{5, 4, 3, 2, 1} {
		post("/locations", []map[string]any{pingJSON("ana", km, at(i+2))})
		j := es.nextJob(t, func(j *codecs.Job) bool { return j.ETA != nil && j.ETA.UpdatedAt.Equal(at(i+2)) }, "an ETA")
		assert.Equal(t, codecs.StatusEnRoute, j.Status)
		etas = append(etas, j.ETA.Minutes)
	}
	assert.True(t, slices.IsSortedFunc(etas, func(a, b int32) int { return int(b - a) }), "decreasing ETAs: %v", etas)
	assert.Greater(t, etas[0], etas[len(etas)-1], "%v", etas)

	post("/locations", []map[string]any{pingJSON("ana", 0.05, at(8))})
	j = es.nextJob(t, func(j *codecs.Job) bool { return j.Status != codecs.StatusEnRoute }, "on_site")
	assert.Equal(t, codecs.StatusOnSite, j.Status, "after the ETAs, the arrival")
	assert.Nil(t, j.ETA)
	t.Logf("ETAs on the event stream: %v, then on_site", etas)
}
