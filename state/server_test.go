package state

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

type recorder struct {
	mu   sync.Mutex
	cmds []*codecs.Command
	fail error
}

func (r *recorder) Emit(_ context.Context, _ string, cmd *codecs.Command) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.cmds = append(r.cmds, cmd)
	return nil
}

type mapView map[string]*codecs.Job

func (m mapView) Get(key string) (*codecs.Job, error) { return m[key], nil }

const validJob = `{"id":"j1","customer_id":"c1","trade":"plumber","title":"Leaky tap",
	"location":{"lat":51.5,"lon":-0.12},"window":{"earliest_start":"2026-12-01T08:00:00Z","latest_end":"2026-12-01T17:00:00Z"},
	"duration_minutes":90,"currency":"GBP"}`

func newTestServer(views mapView, opts Options) (*Server, *recorder) {
	rec := &recorder{}
	return NewServer(rec, Views{Jobs: views}, opts), rec
}

func do(s http.Handler, method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w
}

func TestPostJobAnswers202AfterEmitting(t *testing.T) {
	s, rec := newTestServer(mapView{}, Options{})
	w := do(s, "POST", "/v1/tenants/acme/jobs", validJob)
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), `"id":"j1"`)
	require.Len(t, rec.cmds, 1)
	c := rec.cmds[0]
	assert.Equal(t, codecs.KindPostJob, c.Kind)
	assert.Equal(t, "acme", c.TenantID)
	assert.Equal(t, int32(90), c.PostJob.DurationMinutes)
	assert.Equal(t, time.UTC, c.PostJob.Window.EarliestStart.Location())
}

func TestBadInputIsA4xxWithAJSONError(t *testing.T) {
	s, rec := newTestServer(mapView{}, Options{})
	lat91 := strings.Replace(validJob, `"lat":51.5`, `"lat":91`, 1)
	cases := []struct {
		name, body, ctype string
		status            int
	}{
		{"malformed JSON", `{"id":`, "application/json", 400},
		{"trailing data", validJob + `{}`, "application/json", 400},
		{"latitude 91", lat91, "application/json", 400},
		{"wrong type", strings.Replace(validJob, `90,`, `"ninety",`, 1), "application/json", 400},
		{"missing trade", strings.Replace(validJob, `"trade":"plumber",`, ``, 1), "application/json", 400},
		{"bad id", strings.Replace(validJob, `"id":"j1"`, `"id":"j/1"`, 1), "application/json", 400},
		{"window reversed", strings.Replace(validJob, `17:00`, `07:00`, 1), "application/json", 400},
		{"wrong content type", validJob, "text/plain", 415},
		{"2 MiB body", `{"title":"` + strings.Repeat("x", 2<<20) + `"}`, "application/json", 413},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := do(s, "POST", "/v1/tenants/acme/jobs", tc.body, "Content-Type", tc.ctype)
			assert.Equal(t, tc.status, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), `"error":{"code":`)
			assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
		})
	}
	assert.Empty(t, rec.cmds, "nothing invalid is emitted")
}

func TestRepeatedIdempotencyKeyAnswersLikeTheFirst(t *testing.T) {
	s, rec := newTestServer(mapView{}, Options{})
	body := strings.Replace(validJob, `"id":"j1",`, ``, 1)
	first := do(s, "POST", "/v1/tenants/acme/jobs", body, "Idempotency-Key", "k-1")
	second := do(s, "POST", "/v1/tenants/acme/jobs", body, "Idempotency-Key", "k-1")
	require.Equal(t, http.StatusAccepted, first.Code)
	assert.Equal(t, first.Body.String(), second.Body.String())
	assert.Len(t, rec.cmds, 1)

	other, _ := newTestServer(mapView{}, Options{})
	third := do(other, "POST", "/v1/tenants/acme/jobs", body, "Idempotency-Key", "k-1")
	assert.Contains(t, third.Body.String(), rec.cmds[0].CommandID,
		"another instance derives the same command and job id from the key")
}

func TestGetJob(t *testing.T) {
	s, _ := newTestServer(mapView{"acme/j1": {ID: "j1", TenantID: "acme", Status: codecs.StatusPosted}}, Options{})
	w := do(s, "GET", "/v1/tenants/acme/jobs/j1", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), `"status":"posted"`)
	assert.Equal(t, http.StatusNotFound, do(s, "GET", "/v1/tenants/acme/jobs/j2", "").Code)
	assert.Equal(t, http.StatusNotFound, do(s, "GET", "/v1/tenants/globex/jobs/j1", "").Code)
}

func TestKafkaFailureIs503NotLost(t *testing.T) {
	s, rec := newTestServer(mapView{}, Options{})
	rec.fail = errors.New("broker down")
	w := do(s, "POST", "/v1/tenants/acme/jobs", validJob)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
}

func TestDrainingRefusesWritesAndIsNotReady(t *testing.T) {
	s, _ := newTestServer(mapView{}, Options{})
	s.Drain()
	assert.Equal(t, http.StatusServiceUnavailable, do(s, "POST", "/v1/tenants/acme/jobs", validJob).Code)
	assert.Equal(t, http.StatusServiceUnavailable, do(s, "GET", "/readyz", "").Code)
	assert.Equal(t, http.StatusOK, do(s, "GET", "/healthz", "").Code)
}

func TestAPIKeysReachOnlyTheirTenant(t *testing.T) {
	kr, err := NewKeyRing([]APIKey{{Key: "secret-a", Tenant: "acme", Role: "service"}})
	require.NoError(t, err)
	s, _ := newTestServer(mapView{}, Options{Keys: kr})
	assert.Equal(t, http.StatusUnauthorized, do(s, "POST", "/v1/tenants/acme/jobs", validJob).Code)
	assert.Equal(t, http.StatusUnauthorized, do(s, "POST", "/v1/tenants/acme/jobs", validJob, "Authorization", "Bearer nope").Code)
	assert.Equal(t, http.StatusForbidden, do(s, "POST", "/v1/tenants/globex/jobs", validJob, "Authorization", "Bearer secret-a").Code)
	assert.Equal(t, http.StatusAccepted, do(s, "POST", "/v1/tenants/acme/jobs", validJob, "Authorization", "Bearer secret-a").Code)
}

func TestStatusCommandValidatesStatus(t *testing.T) {
	s, rec := newTestServer(mapView{}, Options{})
	assert.Equal(t, http.StatusBadRequest, do(s, "POST", "/v1/tenants/acme/jobs/j1/status", `{"status":"flying"}`).Code)
	w := do(s, "POST", "/v1/tenants/acme/jobs/j1/status", `{"status":"en_route","at":"2026-12-01T09:00:00+01:00"}`)
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	assert.Equal(t, time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), rec.cmds[0].SetJobStatus.At)
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	s, _ := newTestServer(mapView{}, Options{})
	do(s, "POST", "/v1/tenants/acme/jobs", validJob)
	do(s, "POST", "/v1/tenants/acme/jobs", `{`)
	w := do(s, "GET", "/metrics", "")
	require.Equal(t, http.StatusOK, w.Code)
	body := w.Body.String()
	assert.Contains(t, body, `tradestream_http_requests_total{code="202",method="POST",route="POST /v1/tenants/{tenant}/jobs"} 1`)
	assert.Contains(t, body, `tradestream_http_requests_total{code="400",method="POST",route="POST /v1/tenants/{tenant}/jobs"} 1`)
}
