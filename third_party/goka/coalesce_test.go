package goka

// tradestream patch: tests of coalesce.go.

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// TestOffsetsAreMarkedInTheOrderTheMessagesArrived finishes messages in a
// random order and checks that each is marked once, in offset order, and
// only after every earlier one finished.
func TestOffsetsAreMarkedInTheOrderTheMessagesArrived(t *testing.T) {
	for _, n := range []int{1, 7, 5000} { // 5000 crosses the queue's compaction
		var q offsetQueue
		var marked []int64
		seqs := make([]uint64, n)
		for i := range n {
			seqs[i] = q.add(&message{topic: "in", offset: int64(100 + i)})
		}
		finished := make([]bool, n)
		for _, i := range rand.Perm(n) {
			q.finish(seqs[i], func(m *message) { marked = append(marked, m.offset) })
			finished[i] = true
			// marked is exactly the finished prefix
			prefix := 0
			for prefix < n && finished[prefix] {
				prefix++
			}
			if len(marked) != prefix {
				t.Fatalf("n=%d: %d marked after finishing %d, want the finished prefix of %d", n, len(marked), i, prefix)
			}
		}
		for i, off := range marked {
			if off != int64(100+i) {
				t.Fatalf("n=%d: mark %d is offset %d, want %d", n, i, off, 100+i)
			}
		}
	}
}

// TestTheOffsetQueueKeepsMarkingAcrossCompactions interleaves adds and
// finishes so that the queue never drains and compacts while in use.
func TestTheOffsetQueueKeepsMarkingAcrossCompactions(t *testing.T) {
	var q offsetQueue
	var marked []int64
	var open []uint64
	next := int64(0)
	mark := func(m *message) { marked = append(marked, m.offset) }
	for round := 0; round < 20000; round++ {
		open = append(open, q.add(&message{offset: next}))
		next++
		if len(open) > 3 { // finish the second oldest, then the oldest: never empty
			q.finish(open[1], mark)
			q.finish(open[0], mark)
			open = open[2:]
		}
	}
	for _, s := range open {
		q.finish(s, mark)
	}
	if int64(len(marked)) != next {
		t.Fatalf("%d marked, want %d", len(marked), next)
	}
	for i, off := range marked {
		if off != int64(i) {
			t.Fatalf("mark %d is offset %d", i, off)
		}
	}
}

// TestABatchHoldsItsMessagesUntilTheLastWriteIsAcknowledged checks the
// batch's bookkeeping: one hold per message however often it writes, the
// last value per key, reads of unflushed writes, and the release of every
// held message with the batch's error.
func TestABatchHoldsItsMessagesUntilTheLastWriteIsAcknowledged(t *testing.T) {
	b := newTableWriteBatch()
	ctxs := []*cbContext{{}, {}, {}}
	b.add(ctxs[0], "a", int64(1), nil)
	b.add(ctxs[0], "a", int64(2), nil) // the same message again: held once
	b.add(ctxs[1], "b", int64(5), nil)
	b.add(ctxs[2], "a", nil, nil) // a delete
	if len(b.waiters) != 3 || ctxs[0].counters.emits != 1 {
		t.Fatalf("waiters %d, holds of the first message %d; want 3 and 1", len(b.waiters), ctxs[0].counters.emits)
	}
	if v, ok := b.get("a"); !ok || v != nil {
		t.Fatalf(`get("a") = %v, %v; want the delete`, v, ok)
	}
	if v, ok := b.get("b"); !ok || v != int64(5) {
		t.Fatalf(`get("b") = %v, %v; want 5`, v, ok)
	}
	if _, ok := b.get("c"); ok {
		t.Fatal(`get("c") found a write that was never made`)
	}
	if time.Since(b.started) > time.Minute {
		t.Fatal("the batch's start was not recorded")
	}

	// failTableWrites releases every held message with the error
	failed := 0
	pp := &PartitionProcessor{writes: b}
	for _, c := range ctxs {
		c.done = true
		c.msg = &message{key: "k"}
		c.wg = new(sync.WaitGroup)
		c.wg.Add(1)
		c.asyncFailer = func(error) { failed++ }
	}
	pp.failTableWrites(errors.New("broker gone"))
	if failed != 3 || !b.empty() || len(b.writes) != 0 {
		t.Fatalf("%d failed, batch empty %v with %d writes; want 3, true, 0", failed, b.empty(), len(b.writes))
	}
}
