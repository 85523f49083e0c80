package state

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// mapScanner is a Scanner and Getter over a map, for tests.
type mapScanner[T any] map[string]*T

func (m mapScanner[T]) Get(key string) (*T, error) { return m[key], nil }

func (m mapScanner[T]) Scan(prefix string, fn func(string, *T) error) error {
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			if err := fn(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// dashboardServer serves two tenants' jobs, with keys for each.
func dashboardServer(t *testing.T) *Server {
	t.Helper()
	jobs := mapScanner[codecs.Job]{
		"acme/j1":   {ID: "j1", TenantID: "acme", Status: codecs.StatusPosted},
		"acme/j2":   {ID: "j2", TenantID: "acme", Status: codecs.StatusBooked},
		"acmeco/j9": {ID: "j9", TenantID: "acmeco", Status: codecs.StatusPosted},
	}
	keys, err := NewKeyRing([]APIKey{{Key: "k-acme", Tenant: "acme", Role: "admin"}, {Key: "k-co", Tenant: "acmeco", Role: "service"}})
	require.NoError(t, err)
	tail := &DeadLetterTail{keep: 10}
	tail.Add(codecs.DeadLetter{Key: "acme/j1", Topic: "tradestream.job-commands", Error: "bad record"})
	tail.Add(codecs.DeadLetter{Key: "acmeco/j9", Error: "not yours"})
	src := &DashboardSources{Jobs: jobs, Tradespeople: mapScanner[codecs.Tradesperson]{},
		Calendars: mapScanner[codecs.Calendar]{}, DeadLetters: tail, Interval: 20 * time.Millisecond}
	return NewServer(&recorder{}, Views{Jobs: jobs}, Options{Keys: keys, Dashboard: src})
}

func TestDashboardPageIsServedAtTheRootWithItsAssets(t *testing.T) {
	s := dashboardServer(t)
	w := do(s, "GET", "/", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Header().Get("Content-Type"), "text/html")
	assert.Contains(t, w.Header().Get("Content-Security-Policy"), "default-src 'self'")
	assert.Contains(t, w.Body.String(), `<script src="/dashboard/app.js"`)
	for path, ctype := range map[string]string{"/dashboard/app.js": "javascript", "/dashboard/app.css": "text/css"} {
		w := do(s, "GET", path, "")
		require.Equal(t, http.StatusOK, w.Code, path)
		assert.Contains(t, w.Header().Get("Content-Type"), ctype, path)
	}
	// Everything else is still the API's JSON 404.
	for _, path := range []string{"/dashboard/nope.js", "/dashboard/", "/dashboard", "/v1/nope", "/v1/tenants/acme/nope", "/nope"} {
		w := do(s, "GET", path, "")
		assert.Equal(t, http.StatusNotFound, w.Code, path)
		assert.JSONEq(t, `{"error":{"code":"not_found","message":"not found"}}`, w.Body.String(), path)
	}
}

func TestDashboardFeedsTakeTheAPIKeyOfTheirTenantOnly(t *testing.T) {
	s := dashboardServer(t)
	for _, path := range []string{"/v1/tenants/acme/dashboard", "/v1/tenants/acme/dashboard/events"} {
		assert.Equal(t, http.StatusUnauthorized, do(s, "GET", path, "").Code, path)
		assert.Equal(t, http.StatusUnauthorized, do(s, "GET", path, "", "Authorization", "Bearer nope").Code, path)
		w := do(s, "GET", path, "", "Authorization", "Bearer k-co")
		assert.Equal(t, http.StatusForbidden, w.Code, path)
		assert.Contains(t, w.Body.String(), `"code":"forbidden"`)
	}
	w := do(s, "GET", "/v1/tenants/acme/dashboard", "", "Authorization", "Bearer k-acme")
	require.Equal(t, http.StatusOK, w.Code)
	var b Board
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &b))
	assert.Equal(t, "acme", b.Tenant)
	assert.Equal(t, 2, b.Counters.Jobs, "acmeco's job is not acme's")
	require.Len(t, b.DeadLetters, 1)
	assert.Equal(t, "bad record", b.DeadLetters[0].Error)
	assert.Equal(t, map[string]bool{"dead_letters": true, "lag": false, "pings": false}, b.Feeds)
}

func TestDashboardWithoutFeedsAnswersNotFound(t *testing.T) {
	s, _ := newTestServer(mapView{}, Options{})
	assert.Equal(t, http.StatusOK, do(s, "GET", "/", "").Code, "the page still loads and says so")
	for _, path := range []string{"/v1/tenants/acme/dashboard", "/v1/tenants/acme/dashboard/events"} {
		w := do(s, "GET", path, "")
		assert.Equal(t, http.StatusNotFound, w.Code, path)
		assert.Contains(t, w.Body.String(), "no dashboard feeds")
	}
}

// sseEvent is one parsed server-sent event.
type sseEvent struct{ id, event, data string }

func readEvent(t *testing.T, r *bufio.Reader) (sseEvent, error) {
	t.Helper()
	var ev sseEvent
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimRight(line, "\n")
		if line == "" {
			return ev, nil
		}
		field, val, _ := strings.Cut(line, ": ")
		switch field {
		case "id":
			ev.id = val
		case "event":
			ev.event = val
		case "data":
			ev.data = val
		}
	}
}

func openEvents(t *testing.T, url string) (*bufio.Reader, func()) {
	t.Helper()
	req, err := http.NewRequest("GET", url+"/v1/tenants/acme/dashboard/events", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer k-acme")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	return bufio.NewReader(resp.Body), func() { resp.Body.Close() }
}

func TestDashboardStreamStartsEveryConnectionWithASnapshotAndEndsOnDrain(t *testing.T) {
	s := dashboardServer(t)
	ts := httptest.NewServer(s)
	defer ts.Close()

	r, closeFirst := openEvents(t, ts.URL)
	first, err := readEvent(t, r)
	require.NoError(t, err)
	assert.Equal(t, sseEvent{id: "1", event: "snapshot", data: first.data}, first)
	var b Board
	require.NoError(t, json.Unmarshal([]byte(first.data), &b))
	assert.Equal(t, 2, b.Counters.Jobs)
	next, err := readEvent(t, r)
	require.NoError(t, err)
	assert.Equal(t, "2", next.id, "periodic snapshots follow")
	closeFirst()

	// A reconnection is a new stream: a whole snapshot first.
	r, closeSecond := openEvents(t, ts.URL)
	defer closeSecond()
	again, err := readEvent(t, r)
	require.NoError(t, err)
	assert.Equal(t, "1", again.id)
	assert.Equal(t, "snapshot", again.event)

	s.Drain()
	done := make(chan error, 1)
	go func() {
		for {
			if _, err := readEvent(t, r); err != nil {
				done <- err
				return
			}
		}
	}()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, io.EOF, "the stream ends cleanly")
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end after Drain")
	}
}
