package state

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

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
	ring []codecs.DeadLetter // at most keep; next is overwritten first
	next int
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
	return &DeadLetterTail{cfg: cat.Config(), stream: cat.DeadLetters, keep: keep, log: log}
}

// Run follows every partition until ctx is done.
func (t *DeadLetterTail) Run(ctx context.Context) error {
	client, err := sarama.NewClient(t.cfg.Brokers, t.cfg.Sarama())
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
	defer wg.Wait()
	for _, p := range parts {
		oldest, err := client.GetOffset(topic, p, sarama.OffsetOldest)
		if err != nil {
			return fmt.Errorf("state: dead-letter tail of %s/%d: %w", topic, p, err)
		}
		newest, err := client.GetOffset(topic, p, sarama.OffsetNewest)
		if err != nil {
			return fmt.Errorf("state: dead-letter tail of %s/%d: %w", topic, p, err)
		}
		pc, err := consumer.ConsumePartition(topic, p, max(oldest, newest-per))
		if err != nil {
			return fmt.Errorf("state: dead-letter tail of %s/%d: %w", topic, p, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer pc.AsyncClose()
			t.follow(ctx, pc)
		}()
	}
	<-ctx.Done()
	return nil
}

func (t *DeadLetterTail) follow(ctx context.Context, pc sarama.PartitionConsumer) {
	for {
		select {
		case <-ctx.Done():
			return
		case msg, ok := <-pc.Messages():
			if !ok {
				return
			}
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

// Add keeps dl, dropping the oldest record beyond the limit.
func (t *DeadLetterTail) Add(dl codecs.DeadLetter) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.ring) < t.keep {
		t.ring = append(t.ring, dl)
		return
	}
	t.ring[t.next] = dl
	t.next = (t.next + 1) % t.keep
}

// Recent returns tenant's newest dead letters, newest first, at most n.
func (t *DeadLetterTail) Recent(tenant string, n int) []codecs.DeadLetter {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []codecs.DeadLetter
	for i := 1; i <= len(t.ring) && len(out) < n; i++ {
		dl := t.ring[(t.next-i+len(t.ring))%len(t.ring)]
		if dl.Key == tenant || strings.HasPrefix(dl.Key, tenant+"/") {
			out = append(out, dl)
		}
	}
	return out
}
