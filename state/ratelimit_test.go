package state

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a settable clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestTokenBucketPerTenant(t *testing.T) {
	clock := &fakeClock{time.Date(2030, 1, 7, 8, 0, 0, 0, time.UTC)}
	cases := []struct {
		name    string
		limit   RateLimit
		steps   []time.Duration // advance the clock, then take once
		tenant  []string
		allowed []bool
		waitMax time.Duration // of the last refusal
	}{
		{"burst then refuse", RateLimit{Rate: 2, Burst: 3}, []time.Duration{0, 0, 0, 0}, []string{"a", "a", "a", "a"},
			[]bool{true, true, true, false}, 500 * time.Millisecond},
		{"refills at the rate", RateLimit{Rate: 2, Burst: 1}, []time.Duration{0, 0, 499 * time.Millisecond, time.Millisecond},
			[]string{"a", "a", "a", "a"}, []bool{true, false, false, true}, 500 * time.Millisecond},
		{"tenants are separate", RateLimit{Rate: 1, Burst: 1}, []time.Duration{0, 0, 0, 0}, []string{"a", "b", "a", "b"},
			[]bool{true, true, false, false}, time.Second},
		{"refill caps at the burst", RateLimit{Rate: 10, Burst: 2}, []time.Duration{0, time.Hour, 0, 0, 0},
			[]string{"a", "a", "a", "a", "a"}, []bool{true, true, true, false, false}, 100 * time.Millisecond},
		{"default burst is twice the rate", RateLimit{Rate: 1}, []time.Duration{0, 0, 0}, []string{"a", "a", "a"},
			[]bool{true, true, false}, time.Second},
		{"zero rate is unlimited", RateLimit{}, make([]time.Duration, 50), make([]string, 50), trueN(50), 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLimiter(tc.limit, clock.now, prometheus.NewRegistry())
			var lastWait time.Duration
			for i, d := range tc.steps {
				clock.t = clock.t.Add(d)
				ok, wait := l.take(tc.tenant[i])
				assert.Equal(t, tc.allowed[i], ok, "take %d", i)
				if !ok {
					assert.Greater(t, wait, time.Duration(0))
					lastWait = wait
				}
			}
			assert.LessOrEqual(t, lastWait, tc.waitMax)
		})
	}
}

func trueN(n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = true
	}
	return out
}

func TestRetryAfterIsWholeSecondsAtLeastOne(t *testing.T) {
	assert.Equal(t, "1", retryAfter(0))
	assert.Equal(t, "1", retryAfter(200*time.Millisecond))
	assert.Equal(t, "2", retryAfter(1001*time.Millisecond))
}

func TestSweepKeepsTheBucketsCountBounded(t *testing.T) {
	clock := &fakeClock{time.Date(2030, 1, 7, 8, 0, 0, 0, time.UTC)}
	l := newLimiter(RateLimit{Rate: 1, Burst: 1}, clock.now, prometheus.NewRegistry())
	for i := range maxIdleBuckets {
		l.take(string(rune('a'+i%26)) + time.Duration(i).String())
	}
	clock.t = clock.t.Add(2 * time.Second) // every bucket refilled
	ok, _ := l.take("new")
	assert.True(t, ok)
	assert.Len(t, l.buckets, 1, "full buckets dropped")
}

// TestRateLimitedRequestsAre429WithRetryAfter checks the API answer: the
// contract's error JSON, a Retry-After header, another tenant unaffected,
// the budget back after the wait, and the refusals counted per tenant.
func TestRateLimitedRequestsAre429WithRetryAfter(t *testing.T) {
	clock := &fakeClock{time.Date(2030, 1, 7, 8, 0, 0, 0, time.UTC)}
	s, rec := newTestServer(mapView{}, Options{Now: clock.now, RateLimit: RateLimit{Rate: 0.5, Burst: 2}})
	for range 2 {
		require.Equal(t, http.StatusAccepted, do(s, "POST", "/v1/tenants/acme/jobs", validJob).Code)
	}
	w := do(s, "POST", "/v1/tenants/acme/jobs", validJob)
	require.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.Equal(t, "2", w.Header().Get("Retry-After"))
	var body errorBody
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
	assert.Equal(t, "rate_limited", body.Error.Code)
	assert.NotEmpty(t, body.Error.Message)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Equal(t, http.StatusTooManyRequests, do(s, "GET", "/v1/tenants/acme/jobs/j1", "").Code, "reads count too")
	assert.Equal(t, http.StatusAccepted, do(s, "POST", "/v1/tenants/globex/jobs", validJob).Code)
	assert.Len(t, rec.cmds, 3, "a refused command is not emitted")

	clock.t = clock.t.Add(2 * time.Second)
	assert.Equal(t, http.StatusAccepted, do(s, "POST", "/v1/tenants/acme/jobs", validJob).Code)
	assert.Equal(t, http.StatusOK, do(s, "GET", "/healthz", "").Code, "health is not limited")

	m := do(s, "GET", "/metrics", "").Body.String()
	assert.Contains(t, m, `tradestream_http_rate_limited_total{tenant="acme"} 2`)
	assert.Contains(t, m, `tradestream_http_rate_limit_per_second 0.5`)
	assert.Contains(t, m, `tradestream_http_requests_total{code="429",method="POST",route="POST /v1/tenants/{tenant}/jobs"} 1`)
}

func TestRateLimitComesAfterAuthentication(t *testing.T) {
	kr, err := NewKeyRing([]APIKey{{Key: "secret-a", Tenant: "acme", Role: "service"}})
	require.NoError(t, err)
	s, _ := newTestServer(mapView{}, Options{Keys: kr, RateLimit: RateLimit{Rate: 1, Burst: 1}})
	for range 5 { // unauthenticated requests do not spend the tenant's budget
		assert.Equal(t, http.StatusUnauthorized, do(s, "POST", "/v1/tenants/acme/jobs", validJob).Code)
	}
	assert.Equal(t, http.StatusAccepted, do(s, "POST", "/v1/tenants/acme/jobs", validJob, "Authorization", "Bearer secret-a").Code)
	assert.Equal(t, http.StatusTooManyRequests, do(s, "POST", "/v1/tenants/acme/jobs", validJob, "Authorization", "Bearer secret-a").Code)
}
