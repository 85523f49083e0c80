package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// outputWatcher reads every partition of a workload's output topic and
// remembers when each record id was first seen.
type outputWatcher struct {
	consumer sarama.Consumer
	idOf     func(key, value []byte) (string, bool)

	mu    sync.Mutex
	seen  map[string]time.Time
	order []time.Time // first-seen times, in the order the ids were seen
	err   error
}

// watchPoll is how often a wait looks at the ids seen. The readers stamp
// each id as it arrives, so the figures do not depend on it; waking a
// waiter at every output instead cost the bench about as much CPU per
// record as the raw pipe's worker, on the cores the workloads share.
const watchPoll = time.Millisecond

// watchOutput starts reading topic from its oldest offset.
func watchOutput(brokers []string, topic string, cfg *sarama.Config, idOf func(key, value []byte) (string, bool)) (*outputWatcher, error) {
	c, err := sarama.NewConsumer(brokers, cfg)
	if err != nil {
		return nil, fmt.Errorf("bench: output consumer: %w", err)
	}
	parts, err := c.Partitions(topic)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("bench: partitions of %s: %w", topic, err)
	}
	w := &outputWatcher{consumer: c, idOf: idOf, seen: map[string]time.Time{}}
	for _, p := range parts {
		pc, err := c.ConsumePartition(topic, p, sarama.OffsetOldest)
		// A topic just created may not have its leaders everywhere yet.
		for try := 0; err != nil && try < 50; try++ {
			time.Sleep(100 * time.Millisecond)
			pc, err = c.ConsumePartition(topic, p, sarama.OffsetOldest)
		}
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("bench: consume %s/%d: %w", topic, p, err)
		}
		go w.read(pc)
	}
	return w, nil
}

func (w *outputWatcher) read(pc sarama.PartitionConsumer) {
	for {
		select {
		case m, ok := <-pc.Messages():
			if !ok {
				return
			}
			now := time.Now()
			id, ok := w.idOf(m.Key, m.Value)
			if !ok {
				continue
			}
			w.mu.Lock()
			if _, dup := w.seen[id]; !dup {
				w.seen[id] = now
				w.order = append(w.order, now)
			}
			w.mu.Unlock()
		case err, ok := <-pc.Errors():
			if !ok {
				return
			}
			w.mu.Lock()
			w.err = err
			w.mu.Unlock()
		}
	}
}

// waitFor blocks until done(ids seen) holds, looking every watchPoll, and
// returns the time it saw it hold.
func (w *outputWatcher) waitFor(ctx context.Context, what string, done func(seen map[string]time.Time) bool) (time.Time, error) {
	tick := time.NewTicker(watchPoll)
	defer tick.Stop()
	for {
		w.mu.Lock()
		ok, err := done(w.seen), w.err
		n := len(w.seen)
		w.mu.Unlock()
		if ok {
			return time.Now(), nil
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("bench: reading output: %w", err)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("bench: waiting for %s (%d outputs seen): %w", what, n, ctx.Err())
		}
	}
}

// waitCount waits until n distinct ids were seen.
func (w *outputWatcher) waitCount(ctx context.Context, n int) (time.Time, error) {
	return w.waitFor(ctx, fmt.Sprintf("%d outputs", n), func(seen map[string]time.Time) bool { return len(seen) >= n })
}

// count is how many distinct ids were seen so far.
func (w *outputWatcher) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.seen)
}

// waitBacklog waits until every id of last was seen or, with none, until
// backlog distinct ids were.
func (w *outputWatcher) waitBacklog(ctx context.Context, backlog int, last []string) (time.Time, error) {
	if len(last) == 0 {
		return w.waitCount(ctx, backlog)
	}
	i := 0 // last[:i] were seen: seen ids stay seen
	return w.waitFor(ctx, fmt.Sprintf("the outputs of the backlog's last %d records", len(last)), func(seen map[string]time.Time) bool {
		for ; i < len(last); i++ {
			if _, ok := seen[last[i]]; !ok {
				return false
			}
		}
		return true
	})
}

// seenTimes returns the first-seen times of the ids seen after the first
// from of them, in order.
func (w *outputWatcher) seenTimes(from int) []time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.order[min(from, len(w.order)):])
}

// latencies waits until total distinct ids were seen (those seen before
// and every id of sent: a run's ids are distinct) and returns each sent id's
// delay from its send time.
func (w *outputWatcher) latencies(ctx context.Context, sent map[string]time.Time, total int) ([]time.Duration, error) {
	if _, err := w.waitCount(ctx, total); err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]time.Duration, 0, len(sent))
	for id, at := range sent {
		seen, ok := w.seen[id]
		if !ok {
			return nil, fmt.Errorf("bench: paced record %s has no output", id)
		}
		out = append(out, seen.Sub(at))
	}
	return out, nil
}

// Close stops reading.
func (w *outputWatcher) Close() error { return w.consumer.Close() }
