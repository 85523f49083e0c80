package goka

import (
	"context"
	"log"
	"time"
)

// tradestream patch 9: a partition's input and output counts are gathered by
// its loop without the stats lock and published to its stats, under the lock,
// whenever the loop is about to wait (after at most maxFastReceives messages
// in a row) and when it stops. Upstream took the lock, looked the topic up in
// the stats' map and read the clock for every message and every emit.
//
// Only the partition's loop touches loopStats: the callbacks' emits and table
// writes, and the coalesced flushes, all run on it.
type loopStats struct {
	in    []pendingInput
	out   []pendingOutput
	dirty bool
}

type pendingInput struct {
	topic     string
	count     uint
	bytes     int
	offset    int64     // the last message's
	timestamp time.Time // the last message's
}

type pendingOutput struct {
	topic string
	count uint
	bytes int
}

// input counts message msg.
func (s *loopStats) input(msg *message) {
	s.dirty = true
	for i := range s.in {
		if p := &s.in[i]; p.topic == msg.topic {
			p.count++
			p.bytes += len(msg.value)
			p.offset, p.timestamp = msg.offset, msg.timestamp
			return
		}
	}
	s.in = append(s.in, pendingInput{topic: msg.topic, count: 1, bytes: len(msg.value), offset: msg.offset, timestamp: msg.timestamp})
}

// output counts a record of size bytes sent to topic.
func (s *loopStats) output(topic string, size int) {
	s.dirty = true
	for i := range s.out {
		if p := &s.out[i]; p.topic == topic {
			p.count++
			p.bytes += size
			return
		}
	}
	s.out = append(s.out, pendingOutput{topic: topic, count: 1, bytes: size})
}

// publish adds the counts gathered since the last publish to stats, as
// upstream's per-message updates would have: an input's delay is the time
// since its last message's timestamp, read now, at most a run of messages
// after that message was processed.
func (s *loopStats) publish(stats *PartitionProcStats) {
	now := time.Now()
	for i := range s.in {
		p := &s.in[i]
		if p.count == 0 {
			continue
		}
		if ip := stats.Input[p.topic]; ip != nil {
			ip.Count += p.count
			ip.Bytes += p.bytes
			ip.LastOffset = p.offset
			if !p.timestamp.IsZero() {
				ip.Delay = now.Sub(p.timestamp)
			}
		}
		p.count, p.bytes = 0, 0
	}
	for i := range s.out {
		p := &s.out[i]
		if p.count == 0 {
			continue
		}
		if op := stats.Output[p.topic]; op != nil {
			op.Count += p.count
			op.Bytes += p.bytes
		} else {
			log.Printf("no out stats for topic %s", p.topic) // as stats.trackOutput
		}
		p.count, p.bytes = 0, 0
	}
	s.dirty = false
}

// publishStats publishes the counts its loop gathered to the partition's
// stats.
func (pp *PartitionProcessor) publishStats() {
	if !pp.loopStats.dirty {
		return
	}
	pp.mStats.Lock()
	pp.loopStats.publish(pp.stats)
	pp.mStats.Unlock()
}

// trackOutputStats counts an emit or a table write of size bytes to topic:
// every context's trackOutputStats. Its context argument is upstream's.
func (pp *PartitionProcessor) trackOutputStats(_ context.Context, topic string, size int) {
	pp.loopStats.output(topic, size)
}
