package state

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tradestream/tradestream/codecs"
)

// Emitter writes a command to the tenant-keyed commands topic and returns
// once Kafka acknowledged it (acks=all).
type Emitter interface {
	Emit(ctx context.Context, tenant string, cmd *codecs.Command) error
}

// Views are the tables the API reads.
type Views struct {
	Jobs         Getter[codecs.Job]
	Tradespeople Getter[codecs.Tradesperson]
	Payments     Getter[codecs.Payment]
	Promos       Getter[codecs.Promo]
	// Notifications are keyed "<tenant>/tradesperson:<id>" and
	// "<tenant>/customer:<id>".
	Notifications Getter[codecs.Notifications]
	// Calendars are the tradespeople's calendars, keyed "<tenant>/<id>".
	Calendars Getter[codecs.Calendar]
	// Insights are the tenants' insights windows (stream time), keyed by
	// tenant; InsightDays their day counters, keyed "<tenant>/<YYYY-MM-DD>".
	Insights    Getter[codecs.InsightsState]
	InsightDays Getter[codecs.InsightsDay]
	// Conversations are the jobs' chats, keyed "<tenant>/<job>".
	Conversations Getter[codecs.Conversation]
}

// Options configure a Server.
type Options struct {
	// Keys maps API keys to tenants; nil means open (no auth).
	Keys *KeyRing
	// Ready reports whether every view has recovered. Default: always ready.
	Ready func() bool
	// Logger receives request errors. Default: slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Locations writes the pings of POST .../locations. Default: none (the
	// endpoint answers 503).
	Locations LocationEmitter
	// Metrics is where the API registers its request metrics and what
	// GET /metrics serves. Default: a registry of its own.
	Metrics *prometheus.Registry
	// Dashboard are the dashboard's sources; nil: the page at / shows that
	// this server has no feeds.
	Dashboard *DashboardSources
	// RateLimit is the per-tenant request budget. Default: unlimited.
	RateLimit RateLimit
	// Feed is the change feed the job event streams follow; the views of
	// the jobs and conversations tables publish to it. Default: a feed of
	// its own (registered on Metrics), which nothing publishes to.
	Feed *Feed
	// Heartbeat is how often an idle event stream sends a comment.
	// Default: DefaultHeartbeat (15 s).
	Heartbeat time.Duration
}

// Server is the HTTP API.
type Server struct {
	emitter  Emitter
	views    Views
	opts     Options
	log      *slog.Logger
	idem     *idempotencyCache
	draining atomic.Bool
	mux      *http.ServeMux
	metrics  *httpMetrics
	dash     *dashboard
	limiter  *limiter
	// stopping is closed by Drain: streams end.
	stopping  chan struct{}
	drainOnce sync.Once
	feed      *Feed
}

// NewServer returns the API over views, writing commands with emitter.
func NewServer(emitter Emitter, views Views, opts Options) *Server {
	if opts.Ready == nil {
		opts.Ready = func() bool { return true }
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Metrics == nil {
		opts.Metrics = prometheus.NewRegistry()
	}
	if opts.Feed == nil {
		opts.Feed = NewFeed(opts.Metrics)
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = DefaultHeartbeat
	}
	s := &Server{emitter: emitter, views: views, opts: opts, log: opts.Logger, feed: opts.Feed,
		idem: newIdempotencyCache(24*time.Hour, 100_000), mux: http.NewServeMux(), metrics: newHTTPMetrics(opts.Metrics),
		stopping: make(chan struct{})}
	if opts.Dashboard != nil {
		s.dash = newDashboard(*opts.Dashboard)
	}
	s.limiter = newLimiter(opts.RateLimit, opts.Now, opts.Metrics)
	s.routes()
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.Handle("GET /metrics", metricsHandler(s.opts.Metrics))
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.opts.Ready() || s.draining.Load() {
			writeError(w, errNotReady)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	s.tenant("POST /v1/tenants/{tenant}/jobs", s.postJob)
	s.tenant("GET /v1/tenants/{tenant}/jobs/{job}", s.getJob)
	s.tenant("POST /v1/tenants/{tenant}/jobs/{job}/cancel", s.cancelJob)
	s.tenant("POST /v1/tenants/{tenant}/jobs/{job}/reschedule", s.rescheduleJob)
	s.tenant("POST /v1/tenants/{tenant}/jobs/{job}/status", s.setJobStatus)
	s.tenant("POST /v1/tenants/{tenant}/jobs/{job}/bids", s.postBid)
	s.tenant("POST /v1/tenants/{tenant}/jobs/{job}/accept", s.acceptBid)
	s.tenant("POST /v1/tenants/{tenant}/jobs/{job}/payments", s.postPayment)
	s.tenant("POST /v1/tenants/{tenant}/jobs/{job}/feedback", s.postFeedback)
	s.tenant("GET /v1/tenants/{tenant}/insights", s.getInsights)
	s.tenant("POST /v1/tenants/{tenant}/jobs/{job}/messages", s.postMessage)
	s.tenant("GET /v1/tenants/{tenant}/jobs/{job}/messages", s.getMessages)
	s.tenant("GET /v1/tenants/{tenant}/jobs/{job}/events", s.jobEvents)
	s.tenant("POST /v1/tenants/{tenant}/tradespeople", s.postTradesperson)
	s.tenant("GET /v1/tenants/{tenant}/tradespeople/{id}", s.getTradesperson)
	s.tenant("POST /v1/tenants/{tenant}/locations", s.postLocations)
	s.tenant("POST /v1/tenants/{tenant}/promos", s.postPromo)
	s.tenant("GET /v1/tenants/{tenant}/promos/{code}", s.getPromo)
	s.tenant("PUT /v1/tenants/{tenant}/pricing", s.putPricing)
	s.tenant("GET /v1/tenants/{tenant}/payments/{payment}", s.getPayment)
	s.tenant("GET /v1/tenants/{tenant}/tradespeople/{id}/notifications", s.notificationsOf("tradesperson"))
	s.tenant("GET /v1/tenants/{tenant}/customers/{id}/notifications", s.notificationsOf("customer"))
	s.dashboardRoutes()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { writeError(w, errNotFound) })
}

// tenant registers a handler under a /v1/tenants/{tenant} path, behind the
// tenant and API key checks.
func (s *Server) tenant(pattern string, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if !idPattern.MatchString(r.PathValue("tenant")) {
			writeError(w, errBadRequest("tenant id must match [A-Za-z0-9._-]{1,64}"))
			return
		}
		if err := s.opts.Keys.authorize(r); err != nil {
			writeError(w, err)
			return
		}
		if ok, wait := s.limiter.take(r.PathValue("tenant")); !ok {
			w.Header().Set("Retry-After", retryAfter(wait))
			writeError(w, errRateLimited)
			return
		}
		h(w, r)
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec, start := &statusRecorder{ResponseWriter: w}, time.Now()
	w = rec
	defer func() { s.metrics.observe(r, rec.status, start) }()
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("http handler panic", "path", r.URL.Path, "panic", v)
			writeError(w, errInternal)
		}
	}()
	s.mux.ServeHTTP(w, r)
}

// Drain makes the server refuse new writes (503), report not ready and end
// its event streams (clients reconnect, to another instance), so that
// in-flight commands finish before shutdown.
func (s *Server) Drain() {
	s.draining.Store(true)
	s.drainOnce.Do(func() { close(s.stopping) })
	s.feed.Close()
}

// accepted is the body of a 202.
type accepted struct {
	ID         string    `json:"id"`
	CommandID  string    `json:"command_id"`
	AcceptedAt time.Time `json:"accepted_at"`
}

// command decodes req, lets fill validate it and complete cmd, then emits it
// and answers 202 once Kafka acknowledged the record. fill returns the id to
// answer with.
func (s *Server) command(w http.ResponseWriter, r *http.Request, req any, fill func(*codecs.Command) (string, error)) {
	s.write(w, r, req, func(tenant, key string) (accepted, func(context.Context) error, error) {
		cmd := &codecs.Command{CommandID: commandID(tenant, key), TenantID: tenant, IdempotencyKey: key,
			AcceptedAt: s.opts.Now().UTC().Truncate(time.Millisecond), Source: "http"}
		id, err := fill(cmd)
		if err != nil {
			return accepted{}, nil, err
		}
		return accepted{ID: id, CommandID: cmd.CommandID, AcceptedAt: cmd.AcceptedAt},
			func(ctx context.Context) error { return s.emitter.Emit(ctx, tenant, cmd) }, nil
	})
}

// write is every write's answer: 503 while draining; a repeated
// Idempotency-Key (≤ 64 characters) answers like the first; req is decoded
// from the body, then prepare validates it (its error is the answer) and
// returns the 202 body and the emit that writes to Kafka. The 202 comes
// once emit returned (Kafka acknowledged), and is remembered for the key;
// an emit that failed answers 503.
func (s *Server) write(w http.ResponseWriter, r *http.Request, req any,
	prepare func(tenant, key string) (accepted, func(context.Context) error, error)) {
	if s.draining.Load() {
		writeError(w, errNotReady)
		return
	}
	tenant := r.PathValue("tenant")
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 64 {
		writeError(w, errBadRequest("Idempotency-Key is longer than 64 characters"))
		return
	}
	if prev, ok := s.idem.get(tenant, key); ok {
		writeJSON(w, http.StatusAccepted, prev)
		return
	}
	if err := decodeBody(r, req); err != nil {
		writeError(w, err)
		return
	}
	resp, emit, err := prepare(tenant, key)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := emit(r.Context()); err != nil {
		s.log.Error("emitting", "tenant", tenant, "command_id", resp.CommandID, "err", err)
		writeError(w, errUnavailable)
		return
	}
	s.idem.put(tenant, key, resp)
	writeJSON(w, http.StatusAccepted, resp)
}

var idEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// commandID is derived from the Idempotency-Key when there is one, so that a
// retried request carries the same command (and default resource) id; random
// otherwise.
func commandID(tenant, key string) string {
	var b []byte
	if key != "" {
		sum := sha256.Sum256([]byte(tenant + "\x00" + key))
		b = sum[:15]
	} else {
		b = make([]byte, 15)
		_, _ = rand.Read(b)
	}
	return "c" + idEncoding.EncodeToString(b)
}

// ErrNoKeys means a KeyRing was built from an empty list.
var ErrNoKeys = errors.New("state: no API keys")

// KeyRing maps API keys to their tenant and role. A nil KeyRing lets every
// request through.
type KeyRing struct {
	keys map[string]APIKey
}

// APIKey is one entry of the --api-keys file.
type APIKey struct {
	Key    string `json:"key"`
	Tenant string `json:"tenant"`
	Role   string `json:"role"`
}

// NewKeyRing indexes keys; roles must be "admin" or "service".
func NewKeyRing(keys []APIKey) (*KeyRing, error) {
	if len(keys) == 0 {
		return nil, ErrNoKeys
	}
	kr := &KeyRing{keys: map[string]APIKey{}}
	for _, k := range keys {
		if k.Key == "" || !idPattern.MatchString(k.Tenant) || (k.Role != "admin" && k.Role != "service") {
			return nil, errors.New("state: every API key needs key, tenant and role admin or service")
		}
		kr.keys[k.Key] = k
	}
	return kr, nil
}

func (kr *KeyRing) authorize(r *http.Request) error {
	if kr == nil {
		return nil
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	k, known := kr.keys[strings.TrimSpace(token)]
	switch {
	case !ok || !known:
		return errUnauthorized
	case k.Tenant != r.PathValue("tenant"):
		return errForbidden
	}
	return nil
}
