package state

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// DeadLetterTail keeps the most recent records of the dead-letter topic in
// memory, for the dashboard. It starts each partition a little before its
// end, so that recent dead letters show after a restart, then follows it.
// A dead letter belongs to the tenant its key starts with ("<tenant>" or
// "<tenant>/..."); one whose key names no tenant (a Debezium key) is kept
// but shown to nobody.
type DeadLetterTail struct {
	cfg    topology.Config
	stream *topology.Stream[codecs.DeadLetter]
	keep   int
	log    *slog.Logger

	mu   sync.Mutex
	ring []codecs.DeadLetter // at most keep; head is overwritten first
	head int
	next map[int32]int64 // per partition, the offset after the last record kept
}

// NewDeadLetterTail tails cat's dead-letter topic, keeping the newest keep
// records (default 1000).
func NewDeadLetterTail(cat *topology.Catalog, keep int, log *slog.Logger) *DeadLetterTail {
	if keep <= 0 {
		keep = 1000
	}
	if log == nil {
		log = slog.Default()
	}
	return &DeadLetterTail{cfg: cat.Config(), stream: cat.DeadLetters, keep: keep, log: log, next: map[int32]int64{}}
}

// Run follows every partition until ctx is done. The tail is a view for
// people, never a reason to stop the instance: a failure (the broker away,
// the topic recreated) is logged and the tail starts again.
func (t *DeadLetterTail) Run(ctx context.Context) error {
	for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
		err := t.follow(ctx)
		if ctx.Err() != nil {
			return nil
		}
		t.log.Warn("dead-letter tail stopped; restarting", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// follow consumes every partition until ctx is done or a partition
// consumer ends.
func (t *DeadLetterTail) follow(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cfg := t.cfg.Sarama()
	// People read the tail: an idle fetch may wait half a second, which
	// keeps the tail's requests few next to the processors'.
	cfg.Consumer.MaxWaitTime = 500 * time.Millisecond
	client, err := sarama.NewClient(t.cfg.Brokers, cfg)
	if err != nil {
		return fmt.Errorf("state: dead-letter tail: %w", err)
	}
	defer client.Close()
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return fmt.Errorf("state: dead-letter tail: %w", err)
	}
	defer consumer.Close()
	topic := string(t.stream.Topic)
	parts, err := client.Partitions(topic)
	if err != nil {
		return fmt.Errorf("state: dead-letter tail of %s: %w", topic, err)
	}
	per := int64(t.keep/max(len(parts), 1) + 1)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for _, p := range parts {
		oldest, err := client.GetOffset(topic, p, sarama.OffsetOldest)
		if err != nil {
			return fmt.Errorf("state: dead-letter tail of %s/%d: %w", topic, p, err)
		}
		newest, err := client.GetOffset(topic, p, sarama.OffsetNewest)
		if err != nil {
			return fmt.Errorf("state: dead-letter tail of %s/%d: %w", topic, p, err)
		}
		pc, err := consumer.ConsumePartition(topic, p, t.startAt(p, oldest, newest, per))
		if err != nil {
			return fmt.Errorf("state: dead-letter tail of %s/%d: %w", topic, p, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer cancel() // one partition ending restarts the tail
			defer pc.AsyncClose()
			t.consume(ctx, pc)
		}()
	}
	<-ctx.Done()
	return errors.New("a partition consumer ended")
}

func (t *DeadLetterTail) consume(ctx context.Context, pc sarama.PartitionConsumer) {
	for {
		select {
		case <-ctx.Done():
			return
		case msg, ok := <-pc.Messages():
			if !ok {
				return
			}
			t.mu.Lock()
			t.next[msg.Partition] = msg.Offset + 1
			t.mu.Unlock()
			dl, err := t.stream.Avro.Unmarshal(msg.Value)
			if err == nil && dl == nil {
				err = errors.New("empty record")
			}
			if err != nil {
				t.log.Warn("dead-letter tail: undecodable record", "partition", msg.Partition, "offset", msg.Offset, "err", err)
				continue
			}
			t.Add(*dl)
		}
	}
}

// startAt is where a partition's consumer starts: where the tail stopped
// when that is still in the log (a restart adds no duplicates), else per
// records before the end.
func (t *DeadLetterTail) startAt(p int32, oldest, newest, per int64) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n, ok := t.next[p]; ok && n >= oldest && n <= newest {
		return n
	}
	return max(oldest, newest-per)
}

// Add keeps dl, dropping the oldest record beyond the limit.
func (t *DeadLetterTail) Add(dl codecs.DeadLetter) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.ring) < t.keep {
		t.ring = append(t.ring, dl)
		return
	}
	t.ring[t.head] = dl
	t.head = (t.head + 1) % t.keep
}

// Recent returns tenant's newest dead letters, newest first, at most n.
func (t *DeadLetterTail) Recent(tenant string, n int) []codecs.DeadLetter {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []codecs.DeadLetter
	for i := 1; i <= len(t.ring) && len(out) < n; i++ {
		dl := t.ring[(t.head-i+len(t.ring))%len(t.ring)]
		if dl.Key == tenant || strings.HasPrefix(dl.Key, tenant+"/") {
			out = append(out, dl)
		}
	}
	return out
}
