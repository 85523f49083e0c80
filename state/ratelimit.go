package state

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// RateLimit is the per-tenant request budget of the API: a token bucket
// per tenant that refills at Rate requests per second up to Burst. A zero
// Rate means unlimited.
type RateLimit struct {
	// Rate is the sustained requests per second per tenant; 0 is unlimited.
	Rate float64
	// Burst is how many requests a tenant may send at once after being
	// idle. Default: max(1, 2 × Rate).
	Burst int
}

// maxIdleBuckets bounds the buckets kept: beyond it, full buckets (which
// carry no information) are dropped.
const maxIdleBuckets = 10_000

// limiter holds the tenants' token buckets.
type limiter struct {
	rate, burst float64
	now         func() time.Time
	limited     *prometheus.CounterVec

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rl RateLimit, now func() time.Time, reg prometheus.Registerer) *limiter {
	l := &limiter{rate: rl.Rate, burst: float64(rl.Burst), now: now, buckets: map[string]*bucket{},
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tradestream_http_rate_limited_total",
			Help: "Requests refused with 429 by the per-tenant rate limit, per tenant."}, []string{"tenant"})}
	if l.burst <= 0 {
		l.burst = math.Max(1, math.Ceil(2*rl.Rate))
	}
	reg.MustRegister(l.limited)
	if rl.Rate > 0 {
		// Tenants appear on the first refusal; publish the limit itself too.
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tradestream_http_rate_limit_per_second",
			Help: "The per-tenant request rate limit (requests/s; absent when unlimited)."}, func() float64 { return rl.Rate }))
	}
	return l
}

// take spends one token of tenant's bucket. When none is left it returns
// false and how long until one is.
func (l *limiter) take(tenant string) (bool, time.Duration) {
	if l == nil || l.rate <= 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[tenant]
	if !ok {
		if len(l.buckets) >= maxIdleBuckets {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[tenant] = b
	}
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed*l.rate)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	l.limited.WithLabelValues(tenant).Inc()
	return false, wait
}

// sweep drops the buckets that have refilled: a new bucket is full too.
func (l *limiter) sweep(now time.Time) {
	for t, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, t)
		}
	}
}

// errRateLimited is the 429 of CONTRACT.md §2.
var errRateLimited = &apiError{http.StatusTooManyRequests, "rate_limited", "too many requests for this tenant; retry after the Retry-After seconds"}

// retryAfter is a Retry-After value: whole seconds, at least 1.
func retryAfter(wait time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
}
