package state

import (
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tradestream/tradestream/codecs"
)

// Scanner lists the values whose keys start with a prefix.
type Scanner[T any] interface {
	Scan(prefix string, fn func(key string, v *T) error) error
}

// Scan calls fn for every key of the view starting with prefix (across
// partitions, in no particular order), stopping at fn's first error.
func (v *View[T]) Scan(prefix string, fn func(key string, v *T) error) error {
	it, err := v.view.IteratorWithRange(prefix, prefixEnd(prefix))
	if err != nil {
		return fmt.Errorf("state: scanning %s: %w", prefix, err)
	}
	defer it.Release()
	for it.Next() {
		x, err := it.Value()
		if err != nil {
			return fmt.Errorf("state: scanning %s: %w", it.Key(), err)
		}
		if t, ok := x.(*T); ok && t != nil {
			if err := fn(it.Key(), t); err != nil {
				return err
			}
		}
	}
	return it.Err()
}

// prefixEnd is the smallest key above every key starting with prefix ("" =
// no limit).
func prefixEnd(prefix string) string {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

// RateSource names a per-second rate of the dashboard: the records the
// processor Group handled from Topic (tradestream_records_processed_total).
type RateSource struct {
	Name, Group, Topic string
}

// DashboardSources are what the dashboard reads. Jobs, Tradespeople and
// Calendars are required; a nil optional source leaves its panel empty.
type DashboardSources struct {
	Jobs         Scanner[codecs.Job]
	Tradespeople Scanner[codecs.Tradesperson]
	Calendars    Scanner[codecs.Calendar]
	// DeadLetters is a tail of the dead-letter topic.
	DeadLetters *DeadLetterTail
	// Metrics is gathered for Rates and the consumer lag.
	Metrics prometheus.Gatherer
	// Rates turn processed-record counters into per-second rates; one
	// named "pings_per_second" turns the pings feed on.
	Rates []RateSource
	// Interval is the time between snapshots on the event stream.
	// Default: 1s.
	Interval time.Duration
}

// dashboard computes boards, at most one per tenant per half interval (or
// per four computing times, see cachedBoard.fresh) however many pages
// watch it.
type dashboard struct {
	src     DashboardSources
	limits  boardLimits
	sampler *rateSampler

	mu    sync.Mutex
	cache map[string]*cachedBoard
}

// cachedBoard is a tenant's last board and what computing it cost.
type cachedBoard struct {
	board *Board
	cost  time.Duration
}

// fresh reports whether a board computed at b.At still serves at now: for
// half an interval, or four times what it cost to compute, whichever is
// longer, so that a tenant with many jobs costs the server at most a fifth
// of a core however many pages watch it.
func (c *cachedBoard) fresh(now time.Time, interval time.Duration) bool {
	age := now.Sub(c.board.At)
	return age >= 0 && age < max(interval/2, 4*c.cost)
}

func newDashboard(src DashboardSources) *dashboard {
	if src.Interval <= 0 {
		src.Interval = time.Second
	}
	return &dashboard{src: src, cache: map[string]*cachedBoard{}, sampler: newRateSampler(src.Metrics, src.Rates),
		limits: boardLimits{perColumn: 30, schedules: 25, horizon: 72 * time.Hour}}
}

// board returns tenant's board as of now, or a fresh enough cached one.
func (d *dashboard) board(tenant string, now time.Time) (*Board, error) {
	d.mu.Lock()
	if c := d.cache[tenant]; c != nil && c.fresh(now, d.src.Interval) {
		d.mu.Unlock()
		return c.board, nil
	}
	d.mu.Unlock()
	started := time.Now()
	prefix := tenant + "/"
	jobs, err := scanAll(d.src.Jobs, prefix)
	if err != nil {
		return nil, err
	}
	people, err := scanAll(d.src.Tradespeople, prefix)
	if err != nil {
		return nil, err
	}
	cals, err := scanAll(d.src.Calendars, prefix)
	if err != nil {
		return nil, err
	}
	b := buildBoard(jobs, people, cals, now.UTC(), d.limits)
	b.Tenant = tenant
	b.Feeds = map[string]bool{"dead_letters": d.src.DeadLetters != nil, "lag": d.src.Metrics != nil, "pings": false}
	for _, r := range d.src.Rates {
		if r.Name == "pings_per_second" {
			b.Feeds["pings"] = true
		}
	}
	b.Counters.Rates, b.Counters.ConsumerLag, b.Counters.LagByGroup = d.sampler.sample(now)
	b.DeadLetters = []BoardDeadLetter{}
	if d.src.DeadLetters != nil {
		for _, dl := range d.src.DeadLetters.Recent(tenant, 20) {
			b.DeadLetters = append(b.DeadLetters, BoardDeadLetter{Group: dl.Group, Topic: dl.Topic,
				Partition: dl.Partition, Offset: dl.Offset, Key: dl.Key, Error: dl.Error, At: dl.At})
		}
	}
	d.mu.Lock()
	d.cache[tenant] = &cachedBoard{board: &b, cost: time.Since(started)}
	d.mu.Unlock()
	return &b, nil
}

func scanAll[T any](s Scanner[T], prefix string) ([]*T, error) {
	var out []*T
	if s == nil {
		return out, nil
	}
	err := s.Scan(prefix, func(_ string, v *T) error {
		out = append(out, v)
		return nil
	})
	return out, err
}
