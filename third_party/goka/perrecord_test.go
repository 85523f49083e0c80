package goka

// tradestream patch 7: tests of the leaner per-record path.

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka/codec"
	"github.com/lovoo/goka/storage"
)

func TestAPromiseRunsEveryCallbackInOrderOnceFinished(t *testing.T) {
	for n := 0; n <= 3; n++ {
		t.Run(fmt.Sprint(n, " callbacks before, one after"), func(t *testing.T) {
			p, finish := NewPromiseWithFinisher()
			var got []string
			for i := range n {
				if i%2 == 0 {
					p.Then(func(err error) { got = append(got, fmt.Sprint("then", i, err)) })
				} else {
					p.ThenWithMessage(func(m *sarama.ProducerMessage, err error) {
						got = append(got, fmt.Sprint("msg", i, m.Offset, err))
					})
				}
			}
			if len(got) != 0 {
				t.Fatalf("callbacks ran before the promise finished: %v", got)
			}
			boom := errors.New("boom")
			finish(&sarama.ProducerMessage{Offset: 7}, boom)
			p.Then(func(err error) { got = append(got, fmt.Sprint("late", err)) })
			var want []string
			for i := range n {
				if i%2 == 0 {
					want = append(want, fmt.Sprint("then", i, boom))
				} else {
					want = append(want, fmt.Sprint("msg", i, 7, boom))
				}
			}
			want = append(want, fmt.Sprint("late", boom))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}

func TestIsGroupTopicMatchesTheBuiltNames(t *testing.T) {
	for _, tc := range []struct {
		topic string
		group Group
	}{
		{"g-table", "g"}, {"g-loop", "g"}, {"g", "g"}, {"", ""}, {"-table", ""}, {"gg-table", "g"},
		{"g-tabl", "g"}, {"h-table", "g"}, {"g-loop-table", "g-loop"}, {"a.b.tracking-table", "a.b.tracking"},
	} {
		for _, suffix := range []string{tableSuffix, loopSuffix} {
			want := string(tc.group)+suffix == tc.topic
			if got := isGroupTopic(tc.topic, tc.group, suffix); got != want {
				t.Errorf("isGroupTopic(%q, %q, %q) = %v, want %v", tc.topic, tc.group, suffix, got, want)
			}
		}
	}
}

func TestContextOptionsAreAppliedOnlyWhenGiven(t *testing.T) {
	if got := ctxOptionsOf(nil); got.emitHeaders != nil {
		t.Fatalf("no options gave headers %v", got.emitHeaders)
	}
	got := ctxOptionsOf([]ContextOption{WithCtxEmitHeaders(Headers{"a": []byte("1")}), WithCtxEmitHeaders(Headers{"b": []byte("2")})})
	if !reflect.DeepEqual(got.emitHeaders, Headers{"a": []byte("1"), "b": []byte("2")}) {
		t.Fatalf("headers %v, want both options' headers", got.emitHeaders)
	}
}

func TestMessageSlabsHandOutDistinctZeroedMessages(t *testing.T) {
	var s messageSlab
	seen := make(map[*message]bool)
	for i := range 3*messageSlabSize + 1 {
		m := s.next()
		if seen[m] || m.key != "" || m.offset != 0 {
			t.Fatalf("message %d reused or not zeroed: key %q offset %d", i, m.key, m.offset)
		}
		seen[m] = true
		m.key, m.offset = "k", int64(i)
	}
}

// pendingProducer is a Producer whose emits are acknowledged when the test
// says so (ack), as sarama acknowledges them from its own goroutine.
type pendingProducer struct {
	m       sync.Mutex
	pending []*Promise
	sent    int
	last    [3]string // the last emit's topic, key and value
}

func (p *pendingProducer) Emit(topic, key string, value []byte) *Promise {
	return p.EmitWithHeaders(topic, key, value, nil)
}

func (p *pendingProducer) EmitWithHeaders(topic, key string, value []byte, headers Headers) *Promise {
	pr := NewPromise()
	p.m.Lock()
	p.pending = append(p.pending, pr)
	p.sent++
	p.last = [3]string{topic, key, string(value)}
	p.m.Unlock()
	return pr
}

func (p *pendingProducer) ack() {
	p.m.Lock()
	pending := p.pending
	p.pending = nil
	p.m.Unlock()
	for _, pr := range pending {
		pr.finish(&sarama.ProducerMessage{}, nil)
	}
}

func (p *pendingProducer) Close() error { return nil }

// passThrough is a partition processor of a group that emits every input
// record unchanged (workload f of the tradestream bench), with a producer
// the caller acknowledges, and the offsets it marks.
func passThrough(tb testing.TB) (*PartitionProcessor, *pendingProducer, *[]int64) {
	tb.Helper()
	return passThroughWith(tb, func(ctx Context, msg any) { ctx.Emit("out", ctx.Key(), msg) })
}

// passThroughWith is passThrough with the group's callback cb.
func passThroughWith(tb testing.TB, cb ProcessCallback) (*PartitionProcessor, *pendingProducer, *[]int64) {
	tb.Helper()
	graph := DefineGroup("bench",
		Input("in", new(codec.Bytes), cb),
		Output("out", new(codec.Bytes)),
	)
	opts := new(poptions)
	if err := opts.applyOptions(graph, WithStorageBuilder(storage.MemoryBuilder())); err != nil {
		tb.Fatal(err)
	}
	prod := new(pendingProducer)
	marked := new([]int64)
	commit := func(msg *message, _ string) { *marked = append(*marked, msg.offset) }
	pp := newPartitionProcessor(0, graph, commit, defaultLogger, opts, runModeActive, nil, nil, prod, nil, nil, 0)
	return pp, prod, marked
}

func TestAPassThroughMarksEachOffsetOnceItsEmitIsAcknowledged(t *testing.T) {
	pp, prod, marked := passThrough(t)
	var wg sync.WaitGroup
	fail := func(err error) { t.Fatal(err) }
	var slab messageSlab
	for i := range 5 {
		m := slab.next()
		*m = message{key: "k", topic: "in", offset: int64(i), value: []byte("v")}
		if err := pp.processMessage(context.Background(), &wg, m, fail, fail); err != nil {
			t.Fatal(err)
		}
	}
	if prod.sent != 5 || len(*marked) != 0 {
		t.Fatalf("%d emits, %d marked before the acks; want 5 and 0", prod.sent, len(*marked))
	}
	ack := func(i int) { prod.pending[i].finish(&sarama.ProducerMessage{}, nil) }
	ack(3)
	ack(4)
	ack(1)
	if len(*marked) != 0 {
		t.Fatalf("marked %v while the first emit is not acknowledged", *marked)
	}
	ack(0)
	if !reflect.DeepEqual(*marked, []int64{0, 1}) {
		t.Fatalf("marked %v after the acks of 3, 4, 1 and 0; want [0 1]", *marked)
	}
	ack(2)
	ack(2) // a second acknowledgement changes nothing
	wg.Wait()
	if !reflect.DeepEqual(*marked, []int64{0, 1, 2, 3, 4}) {
		t.Fatalf("marked %v after every ack", *marked)
	}
}

func TestAFailedEmitFailsItsMessageAndMarksNothing(t *testing.T) {
	pp, prod, marked := passThrough(t)
	var wg sync.WaitGroup
	var failed []error
	var slab messageSlab
	m := slab.next()
	*m = message{key: "k", topic: "in", offset: 0, value: []byte("v")}
	if err := pp.processMessage(context.Background(), &wg, m, func(err error) { t.Fatal(err) },
		func(err error) { failed = append(failed, err) }); err != nil {
		t.Fatal(err)
	}
	prod.pending[0].finish(nil, errors.New("broker gone"))
	wg.Wait()
	if len(failed) != 1 || len(*marked) != 0 {
		t.Fatalf("failures %v, marked %v; want one failure naming the topic and nothing marked", failed, *marked)
	}
	if want := "error emitting to out: broker gone"; !strings.Contains(failed[0].Error(), want) {
		t.Fatalf("failure %q does not say %q", failed[0], want)
	}
}

// BenchmarkPassThroughMessage is goka's own cost per message of a
// pass-through group, without Kafka: the context, the emit with its
// promise, the ack and the ordered offset mark (go test -bench
// PassThrough -benchmem).
func BenchmarkPassThroughMessage(b *testing.B) {
	pp, prod, marked := passThrough(b)
	var wg sync.WaitGroup
	fail := func(err error) { b.Fatal(err) }
	value := []byte("a ping-sized value of forty-seven bytes, roughly")
	var slab messageSlab
	b.ReportAllocs()
	for i := range b.N {
		m := slab.next()
		*m = message{key: "tenant-1/tp-1", topic: "in", offset: int64(i), value: value}
		if err := pp.processMessage(context.Background(), &wg, m, fail, fail); err != nil {
			b.Fatal(err)
		}
		if i%64 == 63 {
			prod.ack()
			*marked = (*marked)[:0]
		}
	}
	prod.ack()
	wg.Wait()
}

// BenchmarkPassThroughMessageEncoded is BenchmarkPassThroughMessage with
// the value emitted as it is (EncodedEmitter, tradestream patch 8).
func BenchmarkPassThroughMessageEncoded(b *testing.B) {
	pp, prod, marked := passThroughWith(b, func(ctx Context, msg any) {
		ctx.(EncodedEmitter).EmitEncoded("out", ctx.Key(), msg.([]byte))
	})
	var wg sync.WaitGroup
	fail := func(err error) { b.Fatal(err) }
	value := []byte("a ping-sized value of forty-seven bytes, roughly")
	var slab messageSlab
	b.ReportAllocs()
	for i := range b.N {
		m := slab.next()
		*m = message{key: "tenant-1/tp-1", topic: "in", offset: int64(i), value: value}
		if err := pp.processMessage(context.Background(), &wg, m, fail, fail); err != nil {
			b.Fatal(err)
		}
		if i%64 == 63 {
			prod.ack()
			*marked = (*marked)[:0]
		}
	}
	prod.ack()
	wg.Wait()
}

// BenchmarkPassThroughInput is BenchmarkPassThroughMessage through the
// loop's handling of an input message (handleInput: the message, then its
// stats), with the stats published once per run of 64 messages as the loop
// does (tradestream patch 9).
func BenchmarkPassThroughInput(b *testing.B) {
	pp, prod, marked := passThrough(b)
	var wg sync.WaitGroup
	fail := func(err error) { b.Fatal(err) }
	value := []byte("a ping-sized value of forty-seven bytes, roughly")
	at := time.Now()
	var slab messageSlab
	b.ReportAllocs()
	for i := range b.N {
		m := slab.next()
		*m = message{key: "tenant-1/tp-1", topic: "in", offset: int64(i), value: value, timestamp: at}
		if err := pp.handleInput(context.Background(), &wg, m, fail, fail); err != nil {
			b.Fatal(err)
		}
		if i%64 == 63 {
			pp.publishStats()
			prod.ack()
			*marked = (*marked)[:0]
		}
	}
	prod.ack()
	wg.Wait()
}

// TestEmitEncodedSendsTheBytesAsTheyAreAfterEmitsChecks checks tradestream
// patch 8: the bytes reach the producer unchanged, the message's offset is
// marked once they are acknowledged, and a topic Emit refuses is refused.
func TestEmitEncodedSendsTheBytesAsTheyAreAfterEmitsChecks(t *testing.T) {
	to := Stream("out")
	pp, prod, marked := passThroughWith(t, func(ctx Context, msg any) {
		ctx.(EncodedEmitter).EmitEncoded(to, ctx.Key()+"!", msg.([]byte))
	})
	var wg sync.WaitGroup
	var slab messageSlab
	var failed []error
	fail := func(err error) { failed = append(failed, err) }
	m := slab.next()
	*m = message{key: "k", topic: "in", offset: 0, value: []byte{0, 1, 2, 'v'}}
	if err := pp.processMessage(context.Background(), &wg, m, fail, fail); err != nil {
		t.Fatal(err)
	}
	if prod.last != [3]string{"out", "k!", "\x00\x01\x02v"} || len(*marked) != 0 {
		t.Fatalf("sent %q, marked %v before the ack; want out, k!, the bytes, nothing marked", prod.last, *marked)
	}
	prod.ack()
	wg.Wait()
	if !reflect.DeepEqual(*marked, []int64{0}) || len(failed) != 0 {
		t.Fatalf("marked %v, failures %v after the ack; want [0], none", *marked, failed)
	}
	// the processor's own failer panics, as here, so that the callback stops
	refuse := func(err error) { panic(err) }
	for _, bad := range []Stream{"in", "bench-table", "bench-loop", ""} {
		to = bad
		m := slab.next()
		*m = message{key: "k", topic: "in", offset: 1, value: []byte("v")}
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("EmitEncoded to %q was not refused", bad)
				}
			}()
			_ = pp.processMessage(context.Background(), &wg, m, refuse, refuse)
		}()
	}
	if prod.sent != 1 {
		t.Fatalf("%d emits reached the producer; want only the first", prod.sent)
	}
}

func TestAProducerRecordEncodesLikeUpstreamsStringAndByteEncoders(t *testing.T) {
	for _, tc := range []struct {
		key   string
		value []byte
	}{{"tenant-1/tp-1", []byte("v")}, {"", []byte{}}, {"k", nil}, {"", nil}} {
		r := newProducerRecord("t", tc.key, tc.value)
		up := sarama.ProducerMessage{Key: sarama.StringEncoder(tc.key), Value: sarama.ByteEncoder(tc.value)}
		for _, enc := range [][2]sarama.Encoder{{r.msg.Key, up.Key}, {r.msg.Value, up.Value}} {
			got, _ := enc[0].Encode()
			want, _ := enc[1].Encode()
			if (got == nil) != (want == nil) || string(got) != string(want) || enc[0].Length() != enc[1].Length() {
				t.Errorf("key %q value %v: encoded %v (nil %v), upstream %v (nil %v)", tc.key, tc.value, got, got == nil, want, want == nil)
			}
		}
		if r.msg.Topic != "t" || r.msg.Metadata.(*Promise) != &r.promise {
			t.Errorf("topic %q, metadata %v: not the record's", r.msg.Topic, r.msg.Metadata)
		}
	}
}

// TestStatsCountWhatTheLoopHandledOnceItWaits checks tradestream patch 9:
// the partition's loop gathers its input and output counts without the
// stats lock and publishes them before it waits, so an idle partition's
// stats count every message and emit it handled, as upstream's did.
func TestStatsCountWhatTheLoopHandledOnceItWaits(t *testing.T) {
	pp, prod, _ := passThrough(t)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- pp.run(ctx) }()

	sent := time.Now().Add(-time.Second)
	var slab messageSlab
	bytes := 0
	for i := range 100 {
		m := slab.next()
		value := []byte(strings.Repeat("v", i%7+1))
		bytes += len(value)
		*m = message{key: "k", topic: "in", offset: int64(10 + i), value: value, timestamp: sent}
		pp.input <- m
	}
	var stats *PartitionProcStats
	deadline := time.Now().Add(10 * time.Second)
	for {
		stats = pp.fetchStats(context.Background())
		if stats.Input["in"].Count == 100 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	in, out := stats.Input["in"], stats.Output["out"]
	if in.Count != 100 || in.Bytes != bytes || in.LastOffset != 109 {
		t.Fatalf("input stats %+v; want 100 messages, %d bytes, last offset 109", *in, bytes)
	}
	if in.Delay < time.Second || in.Delay > time.Minute {
		t.Fatalf("input delay %v; want the time since the last message's timestamp, a second ago", in.Delay)
	}
	if out.Count != 100 || out.Bytes != bytes {
		t.Fatalf("output stats %+v; want 100 emits of %d bytes", *out, bytes)
	}

	prod.ack()
	cancel()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}
