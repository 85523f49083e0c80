package state

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// jobEvent is one server-sent event; a comment is an event with Comment set.
type jobEvent struct {
	ID, Event, Data, Comment string
}

// jobEventReader reads events from a stream in a goroutine of its own.
type jobEventReader struct {
	resp   *http.Response
	events chan jobEvent
}

func openJobEvents(t *testing.T, url string, hdr ...string) *jobEventReader {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	r := &jobEventReader{resp: resp, events: make(chan jobEvent, 1024)}
	go func() {
		defer close(r.events)
		sc := bufio.NewScanner(resp.Body)
		var ev jobEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev != (jobEvent{}) {
					r.events <- ev
				}
				ev = jobEvent{}
			case strings.HasPrefix(line, ":"):
				ev.Comment = strings.TrimSpace(line[1:])
			default:
				k, v, _ := strings.Cut(line, ": ")
				switch k {
				case "id":
					ev.ID = v
				case "event":
					ev.Event = v
				case "data":
					ev.Data = v
				}
			}
		}
	}()
	return r
}

// next returns the next event that is not a comment (or the retry hint).
func (r *jobEventReader) next(t *testing.T) jobEvent {
	t.Helper()
	for {
		select {
		case ev, ok := <-r.events:
			require.True(t, ok, "the stream ended")
			if ev.Event != "" {
				return ev
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no event within 30s")
		}
	}
}

type eventsFixture struct {
	srv   *httptest.Server
	api   *Server
	feed  *Feed
	jobs  mapView
	convs conversationView
}

func newEventsFixture(t *testing.T, opts Options) *eventsFixture {
	at := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	f := &eventsFixture{feed: NewFeed(nil), jobs: mapView{"acme/j1": {ID: "j1", TenantID: "acme", Status: codecs.StatusBooked, Version: 4}},
		convs: conversationView{"acme/j1": {Count: 3, Messages: []codecs.ChatMessage{
			{ID: "m1", N: 1, From: "customer", Text: "one", At: at},
			{ID: "m2", N: 2, From: "tradesperson", Text: "two", At: at},
			{ID: "m3", N: 3, From: "customer", Text: "three", At: at}}}}}
	opts.Feed = f.feed
	f.api = NewServer(&recorder{}, Views{Jobs: f.jobs, Conversations: f.convs}, opts)
	f.srv = httptest.NewServer(f.api)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *eventsFixture) url(job string) string {
	return f.srv.URL + "/v1/tenants/acme/jobs/" + job + "/events"
}

func TestEventsStreamTheJobThenItsChangesAndNewMessages(t *testing.T) {
	f := newEventsFixture(t, Options{})
	es := openJobEvents(t, f.url("j1"))
	require.Equal(t, http.StatusOK, es.resp.StatusCode)
	assert.Equal(t, "text/event-stream", es.resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-cache", es.resp.Header.Get("Cache-Control"))

	first := es.next(t)
	assert.Equal(t, "job", first.Event)
	get := do(f.api, "GET", "/v1/tenants/acme/jobs/j1", "")
	assert.JSONEq(t, get.Body.String(), first.Data, "the job event is the JSON of GET job")
	assert.Equal(t, "4.3", first.ID, "job version 4, and the client has seen messages up to 3")

	eventuallyTrue(t, func() bool { return f.feed.Watched("acme/j1") })
	next := &codecs.Job{ID: "j1", TenantID: "acme", Status: codecs.StatusEnRoute, Version: 5}
	js, err := NewJobState(next)
	require.NoError(t, err)
	f.feed.PublishJob("acme/j1", js)
	ev := es.next(t)
	assert.Equal(t, "job", ev.Event)
	assert.Contains(t, ev.Data, `"status":"en_route"`)
	assert.Equal(t, "5.3", ev.ID)

	conv := *f.convs["acme/j1"]
	conv.Messages = append(append([]codecs.ChatMessage(nil), conv.Messages...), codecs.ChatMessage{ID: "m4", N: 4, From: "tradesperson", Text: "four"})
	conv.Count = 4
	f.feed.PublishConversation("acme/j1", &conv)
	ev = es.next(t)
	assert.Equal(t, "message", ev.Event)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(ev.Data), &m))
	assert.Equal(t, "m4", m["id"])
	assert.Equal(t, "four", m["text"])
	assert.Equal(t, "5.4", ev.ID)

	f.feed.PublishJob("acme/j1", js) // the same state again: nothing to send
	f.feed.PublishConversation("acme/j1", &conv)
	js6, _ := NewJobState(&codecs.Job{ID: "j1", TenantID: "acme", Status: codecs.StatusOnSite, Version: 6})
	f.feed.PublishJob("acme/j1", js6)
	ev = es.next(t)
	assert.Equal(t, "6.4", ev.ID, "repeats are not sent again")
}

func TestEventsReconnectWithLastEventIDGetsTheMissedMessages(t *testing.T) {
	f := newEventsFixture(t, Options{})
	es := openJobEvents(t, f.url("j1"), "Last-Event-ID", "4.1")
	assert.Equal(t, "job", es.next(t).Event, "the current job state first")
	for _, want := range []string{"4.2", "4.3"} {
		ev := es.next(t)
		assert.Equal(t, "message", ev.Event)
		assert.Equal(t, want, ev.ID)
	}
}

func TestEventsSendHeartbeats(t *testing.T) {
	f := newEventsFixture(t, Options{Heartbeat: 10 * time.Millisecond})
	es := openJobEvents(t, f.url("j1"))
	beats := 0
	for beats < 3 {
		select {
		case ev, ok := <-es.events:
			require.True(t, ok)
			if ev.Comment == "heartbeat" {
				beats++
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no heartbeat")
		}
	}
}

func TestEventsOfAnUnknownJobAre404BeforeStreaming(t *testing.T) {
	f := newEventsFixture(t, Options{})
	resp, err := http.Get(f.url("nope"))
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.False(t, f.feed.Watched("acme/nope"), "the subscription is gone")
}

func TestEventsNeedAKeyOfTheTenant(t *testing.T) {
	kr, err := NewKeyRing([]APIKey{{Key: "k-acme", Tenant: "acme", Role: "service"}, {Key: "k-globex", Tenant: "globex", Role: "service"}})
	require.NoError(t, err)
	f := newEventsFixture(t, Options{Keys: kr})
	for _, tc := range []struct {
		key    string
		status int
	}{{"", http.StatusUnauthorized}, {"wrong", http.StatusUnauthorized}, {"k-globex", http.StatusForbidden}} {
		req, _ := http.NewRequest("GET", f.url("j1"), nil)
		if tc.key != "" {
			req.Header.Set("Authorization", "Bearer "+tc.key)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tc.status, resp.StatusCode, "key %q", tc.key)
	}
	es := openJobEvents(t, f.url("j1"), "Authorization", "Bearer k-acme")
	assert.Equal(t, "job", es.next(t).Event)
}

func TestDrainEndsTheStreams(t *testing.T) {
	f := newEventsFixture(t, Options{})
	es := openJobEvents(t, f.url("j1"))
	es.next(t)
	f.api.Drain()
	for {
		select {
		case _, ok := <-es.events:
			if !ok {
				resp, err := http.Get(f.url("j1"))
				require.NoError(t, err)
				resp.Body.Close()
				assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "no new streams while draining")
				return
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the stream did not end on Drain")
		}
	}
}

func eventuallyTrue(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		require.False(t, time.Now().After(deadline), "timed out")
		time.Sleep(5 * time.Millisecond)
	}
}
