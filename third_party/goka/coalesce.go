package goka

// tradestream patch: in-order offset marking and coalesced table writes.
// See PATCHES.md (patches 4 and 5).

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/hashicorp/go-multierror"
)

// WithCoalescedTableWrites makes the group table's changelog receive the
// last value of each key written since the previous flush instead of one
// record per SetValue/Delete, as Kafka Streams' record cache does.
//
// Between flushes a written value is kept as it was given: Value returns
// it without decoding, and it is encoded once, stored and sent at the
// flush. A callback must therefore not modify a value after passing it to
// SetValue, nor a value that Value returned. A flush that cannot encode a
// value fails the partition as an emit error does.
//
// A message that wrote the table is committed only once the flush that
// carries its writes is acknowledged, and offsets are marked in order, so
// the committed offsets never run ahead of the changelog: a restart replays
// the messages whose writes it lacks. A partition flushes when it has
// caught up with its input (the message it processed was the last the
// broker had when it was fetched: a partition that keeps up writes each
// change as before), after maxMessages messages wrote, at least every
// maxDelay while it stays busy, and when it stops. Emits to other topics
// are not delayed.
//
// maxDelay <= 0 or maxMessages <= 0 leaves the writes uncoalesced.
func WithCoalescedTableWrites(maxDelay time.Duration, maxMessages int) ProcessorOption {
	return func(o *poptions, gg *GroupGraph) {
		o.coalesce.maxDelay = maxDelay
		o.coalesce.maxMessages = maxMessages
	}
}

// coalesceOptions configure WithCoalescedTableWrites.
type coalesceOptions struct {
	maxDelay    time.Duration
	maxMessages int
}

func (o coalesceOptions) enabled() bool { return o.maxDelay > 0 && o.maxMessages > 0 }

// pendingWrite is the last value written to a key since the last flush;
// nil deletes the key.
type pendingWrite struct {
	value   any
	headers Headers
}

// tableWriteBatch collects a partition's table writes between flushes. It
// is used by the partition processor's goroutine only.
type tableWriteBatch struct {
	writes  map[string]pendingWrite
	waiters []*cbContext
	started time.Time
}

func newTableWriteBatch() *tableWriteBatch {
	return &tableWriteBatch{writes: make(map[string]pendingWrite)}
}

// add records ctx's write of key. ctx is held (its commit waits) until the
// flush that carries the write is acknowledged.
func (b *tableWriteBatch) add(ctx *cbContext, key string, value any, headers Headers) {
	if !ctx.coalesced {
		ctx.coalesced = true
		ctx.m.Lock()
		ctx.counters.emits++
		ctx.m.Unlock()
		if len(b.waiters) == 0 {
			b.started = time.Now()
		}
		b.waiters = append(b.waiters, ctx)
	}
	b.writes[key] = pendingWrite{value: value, headers: headers}
}

// get returns the value written to key since the last flush (nil if it
// was deleted) and whether there is one.
func (b *tableWriteBatch) get(key string) (any, bool) {
	w, ok := b.writes[key]
	return w.value, ok
}

func (b *tableWriteBatch) empty() bool { return len(b.waiters) == 0 }

// flushTableWrites encodes the batch's writes, stores them and sends them,
// one record per key, and releases its messages once all of them are
// acknowledged.
func (pp *PartitionProcessor) flushTableWrites() {
	b := pp.writes
	if b == nil || b.empty() {
		return
	}
	table := pp.graph.GroupTable()
	type record struct {
		key     string
		value   []byte
		headers Headers
	}
	records := make([]record, 0, len(b.writes))
	for key, w := range b.writes {
		r := record{key: key, headers: w.headers}
		if w.value != nil {
			encoded, err := table.Codec().Encode(w.value)
			if err != nil {
				pp.failTableWrites(fmt.Errorf("error encoding value of key %s: %w", key, err))
				return
			}
			r.value = encoded
		}
		records = append(records, r)
	}
	waiters := b.waiters
	b.waiters = nil
	clear(b.writes)

	var (
		m         sync.Mutex
		errs      *multierror.Error
		remaining = len(records)
	)
	done := func(err error) {
		m.Lock()
		if err != nil {
			errs = multierror.Append(errs, err)
		}
		remaining--
		last := remaining == 0
		m.Unlock()
		if last {
			err := errs.ErrorOrNil()
			for _, w := range waiters {
				w.emitDone(err)
			}
		}
	}
	for _, r := range records {
		var err error
		if r.value == nil {
			err = pp.table.Delete(r.key)
		} else {
			err = pp.table.Set(r.key, r.value)
		}
		if err != nil {
			done(fmt.Errorf("error storing key %s: %w", r.key, err))
			continue
		}
		pp.producer.EmitWithHeaders(table.Topic(), r.key, r.value, r.headers).ThenWithMessage(func(msg *sarama.ProducerMessage, err error) {
			if err == nil && msg != nil {
				err = pp.table.SetOffset(msg.Offset)
			}
			done(err)
		})
		pp.loopStats.output(table.Topic(), len(r.value)) // patch 9
		pp.table.TrackMessageWrite(context.Background(), len(r.value))
	}
}

// failTableWrites releases the batch's messages with err, without sending
// its writes: they are not committed and their input is read again.
func (pp *PartitionProcessor) failTableWrites(err error) {
	b := pp.writes
	if b == nil {
		return
	}
	waiters := b.waiters
	b.waiters = nil
	clear(b.writes)
	for _, w := range waiters {
		w.emitDone(err)
	}
}

// shouldFlush tells whether the batch is due after msg (nil after a
// visit): the partition has caught up with its input (msg was the last
// record the broker had when it was fetched), enough messages wrote, or the
// oldest write waited maxDelay.
func (pp *PartitionProcessor) shouldFlush(msg *message) bool {
	b := pp.writes
	if b == nil || b.empty() {
		return false
	}
	caughtUp := msg != nil && msg.offset+1 >= msg.hwm
	return caughtUp || len(b.waiters) >= pp.opts.coalesce.maxMessages ||
		time.Since(b.started) >= pp.opts.coalesce.maxDelay
}

// offsetQueue marks a topic partition's offsets in the order its messages
// arrived. A message is done when its callback returned and its emits were
// acknowledged; those can finish out of order (emits to different
// partitions, a table write held for a flush), and sarama's MarkOffset
// keeps only the highest offset, so marking a later message first would
// let a commit skip an earlier one still in flight.
type offsetQueue struct {
	m    sync.Mutex
	base uint64 // sequence number of msgs[0]
	head int    // msgs[:head] are marked
	msgs []*message
	done []bool
}

// add appends msg and returns its sequence number.
func (q *offsetQueue) add(msg *message) uint64 {
	q.m.Lock()
	defer q.m.Unlock()
	seq := q.base + uint64(len(q.msgs))
	q.msgs = append(q.msgs, msg)
	q.done = append(q.done, false)
	return seq
}

// finish records that message seq is done and marks, in order, every done
// message not preceded by an unfinished one.
func (q *offsetQueue) finish(seq uint64, mark func(*message)) {
	q.m.Lock()
	defer q.m.Unlock()
	if seq < q.base || q.done[seq-q.base] {
		return // marked already: a second commit of one message changes nothing
	}
	q.done[seq-q.base] = true
	for q.head < len(q.msgs) && q.done[q.head] {
		mark(q.msgs[q.head])
		q.msgs[q.head] = nil
		q.head++
	}
	switch {
	case q.head == len(q.msgs):
		q.base += uint64(q.head)
		q.msgs, q.done, q.head = q.msgs[:0], q.done[:0], 0
	case q.head >= 1024 && q.head*2 >= len(q.msgs):
		n := copy(q.msgs, q.msgs[q.head:])
		copy(q.done, q.done[q.head:])
		q.base += uint64(q.head)
		q.msgs, q.done, q.head = q.msgs[:n], q.done[:n], 0
	}
}

// orderedCommit queues msg on its topic partition's offset queue: its
// context's commit (commitMessage) marks it once every message of its topic
// partition that arrived before it is marked.
func (pp *PartitionProcessor) orderedCommit(msg *message) {
	q := pp.offsets[msg.topic]
	if q == nil {
		q = new(offsetQueue)
		pp.offsets[msg.topic] = q
	}
	msg.rec.queue, msg.rec.seq, msg.rec.mark = q, q.add(msg), pp.markFn // tradestream patch 7: no closure
}
