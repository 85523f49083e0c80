package main

import (
	"context"
	"fmt"
	"time"

	"github.com/IBM/sarama"
)

// idleLimit is how long the tools wait for the next record of a partition
// they know holds more before they give up.
const idleLimit = 30 * time.Second

// partitionRange is the part of one partition a tool reads: [from, to).
type partitionRange struct {
	partition int32
	from, to  int64
}

// topicRanges returns, per partition of topic, the offsets from since (the
// oldest record when since is zero) up to the end at the time of the call.
func topicRanges(client sarama.Client, topic string, since time.Time) ([]partitionRange, error) {
	parts, err := client.Partitions(topic)
	if err != nil {
		return nil, fmt.Errorf("partitions of %s: %w", topic, err)
	}
	var out []partitionRange
	for _, p := range parts {
		end, err := client.GetOffset(topic, p, sarama.OffsetNewest)
		if err != nil {
			return nil, fmt.Errorf("end of %s/%d: %w", topic, p, err)
		}
		when := sarama.OffsetOldest
		if !since.IsZero() {
			when = since.UnixMilli()
		}
		from, err := client.GetOffset(topic, p, when)
		if err != nil {
			return nil, fmt.Errorf("start of %s/%d: %w", topic, p, err)
		}
		if from < 0 { // no record at or after since
			from = end
		}
		out = append(out, partitionRange{partition: p, from: from, to: end})
	}
	return out, nil
}

// readRange calls fn with every record of r, in offset order. Gaps
// (compacted records) are skipped.
func readRange(ctx context.Context, consumer sarama.Consumer, topic string, r partitionRange, fn func(*sarama.ConsumerMessage) error) error {
	if r.from >= r.to {
		return nil
	}
	pc, err := consumer.ConsumePartition(topic, r.partition, r.from)
	if err != nil {
		return fmt.Errorf("reading %s/%d: %w", topic, r.partition, err)
	}
	defer pc.Close()
	idle := time.NewTimer(idleLimit)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-idle.C:
			return fmt.Errorf("reading %s/%d: no record for %s before offset %d", topic, r.partition, idleLimit, r.to)
		case err := <-pc.Errors():
			return fmt.Errorf("reading %s/%d: %w", topic, r.partition, err)
		case m := <-pc.Messages():
			idle.Reset(idleLimit)
			if m.Offset >= r.to {
				return nil
			}
			if err := fn(m); err != nil {
				return err
			}
			if m.Offset >= r.to-1 {
				return nil
			}
		}
	}
}

// headerMap returns a record's headers by key (the last one wins).
func headerMap(m *sarama.ConsumerMessage) map[string]string {
	out := map[string]string{}
	for _, h := range m.Headers {
		if h != nil {
			out[string(h.Key)] = string(h.Value)
		}
	}
	return out
}
