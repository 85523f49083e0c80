package state

import (
	"encoding/json"
	"errors"
	"sync"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tradestream/tradestream/codecs"
)

// ErrFeedClosed means the feed was closed: the server is shutting down.
var ErrFeedClosed = errors.New("state: change feed closed")

// Feed is the change feed of the job views: the EMIT CHANGES that goka
// lacks. The views of the jobs and conversations tables publish every
// record they store (JobUpdates, ConversationUpdates); the feed keeps, per
// watched job, the latest job and conversation and wakes the job's
// subscribers. Keys nobody watches cost one map lookup per record.
//
// # Slow subscribers
//
// Publishing never blocks: a subscriber is woken through a channel of one
// slot and takes the latest state when it gets round to it. A job state it
// did not take before the next one is skipped (drop-to-latest, counted in
// tradestream_sse_dropped_events_total{event="job"}): a client always ends
// up with the latest state. Messages are not dropped that way: they are
// read from the latest conversation by number, so a subscriber that falls
// behind gets every message it missed, as long as the conversation still
// holds it (the last 200); beyond that it is told how many it missed.
type Feed struct {
	mu      sync.Mutex
	keys    map[string]*watched
	closed  bool
	done    chan struct{}
	metrics *feedMetrics
}

// watched is the state of one job with subscribers.
type watched struct {
	job  *JobState
	conv *codecs.Conversation
	subs map[*Subscription]struct{}
}

// JobState is a job as the event stream sends it: its version and the JSON
// of GET .../jobs/{job}.
type JobState struct {
	Version int64
	JSON    []byte
}

// NewJobState renders job for the event stream.
func NewJobState(job *codecs.Job) (*JobState, error) {
	b, err := json.Marshal(job)
	if err != nil {
		return nil, err
	}
	return &JobState{Version: job.Version, JSON: b}, nil
}

// Subscription is one subscriber of a job's changes.
type Subscription struct {
	feed *Feed
	key  string
	w    *watched
	wake chan struct{}

	jobPending bool // guarded by feed.mu
	closed     bool // guarded by feed.mu
}

// NewFeed returns an empty feed; its metrics are registered on reg (when
// not nil).
func NewFeed(reg prometheus.Registerer) *Feed {
	return &Feed{keys: map[string]*watched{}, done: make(chan struct{}), metrics: newFeedMetrics(reg)}
}

// Subscribe watches key ("<tenant>/<job>"). The subscription's Wake
// channel is signalled after each change; Latest returns the changes.
func (f *Feed) Subscribe(key string) (*Subscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, ErrFeedClosed
	}
	w := f.keys[key]
	if w == nil {
		w = &watched{subs: map[*Subscription]struct{}{}}
		f.keys[key] = w
	}
	s := &Subscription{feed: f, key: key, w: w, wake: make(chan struct{}, 1)}
	w.subs[s] = struct{}{}
	f.metrics.subscribers.Inc()
	return s, nil
}

// Watched reports whether key has subscribers.
func (f *Feed) Watched(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.keys[key] != nil
}

// PublishJob makes job the latest state of key and wakes its subscribers.
func (f *Feed) PublishJob(key string, job *JobState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.keys[key]
	if w == nil {
		return
	}
	w.job = job
	for s := range w.subs {
		if s.jobPending {
			f.metrics.dropped.WithLabelValues("job").Inc()
		}
		s.jobPending = true
		s.signal()
	}
}

// PublishConversation makes conv the latest conversation of key and wakes
// its subscribers.
func (f *Feed) PublishConversation(key string, conv *codecs.Conversation) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.keys[key]
	if w == nil {
		return
	}
	w.conv = conv
	for s := range w.subs {
		s.signal()
	}
}

// Close ends every subscription (their Done channel closes) and refuses
// new ones. It is idempotent.
func (f *Feed) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.closed = true
		close(f.done)
	}
}

// JobUpdates is the update callback of the jobs view: it stores the record
// as goka does by default, then publishes the job when it is watched.
func (f *Feed) JobUpdates(codec goka.Codec) goka.UpdateCallback {
	return func(ctx goka.UpdateContext, s storage.Storage, key string, value []byte) error {
		if err := goka.DefaultUpdate(ctx, s, key, value); err != nil || value == nil || !f.Watched(key) {
			return err
		}
		v, err := codec.Decode(value)
		if job, ok := v.(*codecs.Job); ok && err == nil {
			if st, err := NewJobState(job); err == nil {
				f.PublishJob(key, st)
			}
		}
		return nil // a record the view cannot decode is GET's error, not the view's
	}
}

// ConversationUpdates is the update callback of the conversations view.
func (f *Feed) ConversationUpdates(codec goka.Codec) goka.UpdateCallback {
	return func(ctx goka.UpdateContext, s storage.Storage, key string, value []byte) error {
		if err := goka.DefaultUpdate(ctx, s, key, value); err != nil || value == nil || !f.Watched(key) {
			return err
		}
		if v, err := codec.Decode(value); err == nil {
			if conv, ok := v.(*codecs.Conversation); ok {
				f.PublishConversation(key, conv)
			}
		}
		return nil
	}
}

// Wake is signalled (at most one pending signal) after each change.
func (s *Subscription) Wake() <-chan struct{} { return s.wake }

// Done is closed when the feed closes.
func (s *Subscription) Done() <-chan struct{} { return s.feed.done }

// Latest returns the latest job and conversation published since the
// subscription began (nil when none was).
func (s *Subscription) Latest() (*JobState, *codecs.Conversation) {
	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	s.jobPending = false
	return s.w.job, s.w.conv
}

// Dropped counts n events of kind the subscriber will not get.
func (s *Subscription) Dropped(kind string, n int) {
	s.feed.metrics.dropped.WithLabelValues(kind).Add(float64(n))
}

// Close ends the subscription. It is idempotent.
func (s *Subscription) Close() {
	f := s.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	delete(s.w.subs, s)
	if len(s.w.subs) == 0 && f.keys[s.key] == s.w {
		delete(f.keys, s.key)
	}
	f.metrics.subscribers.Dec()
}

// signal wakes the subscriber unless a wake-up is already pending.
func (s *Subscription) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// feedMetrics are the change feed's metrics.
type feedMetrics struct {
	subscribers prometheus.Gauge
	dropped     *prometheus.CounterVec
}

func newFeedMetrics(reg prometheus.Registerer) *feedMetrics {
	m := &feedMetrics{
		subscribers: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tradestream_sse_subscribers",
			Help: "Open job event streams."}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tradestream_sse_dropped_events_total",
			Help: "Events a slow subscriber did not get: job states superseded before it took them (it gets the latest), messages it fell too far behind for."},
			[]string{"event"}),
	}
	m.dropped.WithLabelValues("job") // exported from the start, at 0
	m.dropped.WithLabelValues("message")
	if reg != nil {
		reg.MustRegister(m.subscribers, m.dropped)
	}
	return m
}
