package main

import (
	"context"
	"errors"
	"hash"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/memstore"
)

// The tests of goka.WithCoalescedTableWrites (third_party/goka/coalesce.go)
// on the embedded broker, or the real one in the integration tier: a group
// counts its input per key in its table, with the tracking group's option.

const coalesceKeys = 6

// counterGroup counts each key's messages in its table; seen counts the
// callbacks, and onCall (if set) runs after each.
func counterGroup(prefix string, seen *atomic.Int64, onCall func(n int64)) *goka.GroupGraph {
	return goka.DefineGroup(goka.Group(prefix+"counter"),
		goka.Input(goka.Stream(prefix+"counter.input"), new(codec.String), func(ctx goka.Context, _ any) {
			var n int64
			if v := ctx.Value(); v != nil {
				n = v.(int64)
			}
			ctx.SetValue(n + 1)
			if onCall != nil {
				onCall(seen.Add(1))
			}
		}),
		goka.Persist(new(codec.Int64)),
	)
}

// coalesceTopics creates the counter group's input and table topics, one
// partition each, and fills the input with n messages over coalesceKeys
// keys before any processor runs, so that the group starts behind.
func coalesceTopics(t *testing.T, tc topology.Config, prefix string, n int) {
	t.Helper()
	_, err := topology.Apply(context.Background(), tc, []topology.Spec{
		{Name: prefix + "counter.input", Partitions: 1, Cleanup: topology.CleanupDelete, Retention: time.Hour},
		{Name: prefix + "counter-table", Partitions: 1, Cleanup: topology.CleanupCompact, Retention: -1},
	})
	require.NoError(t, err)
	em, err := goka.NewEmitter(tc.Brokers, goka.Stream(prefix+"counter.input"), new(codec.String), tc.EmitterOptions()...)
	require.NoError(t, err)
	for i := range n {
		_, err := em.Emit("k"+strconv.Itoa(i%coalesceKeys), "x")
		require.NoError(t, err)
	}
	require.NoError(t, em.Finish())
}

// changelog reads the counter table's topic: its records and each key's
// last count.
func changelog(t *testing.T, tc topology.Config, prefix string) (records int, last map[string]int64) {
	t.Helper()
	client, err := sarama.NewClient(tc.Brokers, tc.Sarama())
	require.NoError(t, err)
	defer client.Close()
	topic := prefix + "counter-table"
	hwm, err := client.GetOffset(topic, 0, sarama.OffsetNewest)
	require.NoError(t, err)
	last = map[string]int64{}
	if hwm == 0 {
		return 0, last
	}
	consumer, err := sarama.NewConsumerFromClient(client)
	require.NoError(t, err)
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(topic, 0, sarama.OffsetOldest)
	require.NoError(t, err)
	defer pc.Close()
	for {
		select {
		case m := <-pc.Messages():
			records++
			v, err := new(codec.Int64).Decode(m.Value)
			require.NoError(t, err)
			last[string(m.Key)] = v.(int64)
			if m.Offset+1 >= hwm {
				return records, last
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("read %d of the changelog's %d records", records, hwm)
		}
	}
}

// committed is the counter group's committed input offset (-1: none).
func committed(t *testing.T, tc topology.Config, prefix string) int64 {
	t.Helper()
	admin, err := sarama.NewClusterAdmin(tc.Brokers, tc.Sarama())
	require.NoError(t, err)
	defer admin.Close()
	topic := prefix + "counter.input"
	res, err := admin.ListConsumerGroupOffsets(prefix+"counter", map[string][]int32{topic: {0}})
	if err != nil { // the group has not joined yet
		return -1
	}
	if b := res.GetBlock(topic, 0); b != nil {
		return b.Offset
	}
	return -1
}

func sum(m map[string]int64) (s int64) {
	for _, v := range m {
		s += v
	}
	return s
}

// runCounter runs a counter processor until ctx ends or it fails.
func runCounter(t *testing.T, ctx context.Context, tc topology.Config, g *goka.GroupGraph, opts ...goka.ProcessorOption) <-chan error {
	t.Helper()
	opts = append(append(tc.ProcessorOptions(), goka.WithStorageBuilder(memstore.Builder()),
		goka.WithCoalescedTableWrites(time.Minute, 100)), opts...)
	p, err := goka.NewProcessor(tc.Brokers, g, opts...)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return done
}

// counterBacklog is a counter group's topics on the test's broker, with n
// records waiting.
func counterBacklog(t *testing.T, n int) (topology.Config, string) {
	t.Helper()
	env := newTestEnv(t)
	tc := topology.Config{Brokers: strings.Split(env.brokers, ",")}
	tc.EnsureDefaults()
	coalesceTopics(t, tc, env.prefix, n)
	return tc, env.prefix
}

// countToTheEnd runs a counter processor until it committed all n input
// records, and stops it.
func countToTheEnd(t *testing.T, tc topology.Config, prefix string, n int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := runCounter(t, ctx, tc, counterGroup(prefix, new(atomic.Int64), nil))
	eventually(t, time.Minute, func() bool { return committed(t, tc, prefix) == int64(n) },
		"the group commits all %d input records", n)
	cancel()
	require.NoError(t, <-done)
}

func TestAGroupBehindWritesEachKeysLastCountOncePerBatch(t *testing.T) {
	const n = 3000
	tc, prefix := counterBacklog(t, n)

	countToTheEnd(t, tc, prefix, n)

	records, last := changelog(t, tc, prefix)
	for i := range coalesceKeys {
		require.Equal(t, int64(n/coalesceKeys), last["k"+strconv.Itoa(i)], "the last count of k%d", i)
	}
	// One record per key per batch of at most 100 writing messages, against
	// one per message without the option.
	require.LessOrEqual(t, records, (n/100+1)*coalesceKeys, "changelog records for %d messages", n)
	t.Logf("%d messages, %d changelog records", n, records)
}

// failingTableProducer fails every table write once fail is set, as a
// broker that stopped taking them would.
type failingTableProducer struct {
	goka.Producer
	table string
	fail  *atomic.Bool
}

func (p failingTableProducer) EmitWithHeaders(topic, key string, value []byte, headers goka.Headers) *goka.Promise {
	if topic == p.table && p.fail.Load() {
		promise, finish := goka.NewPromiseWithFinisher()
		go finish(nil, errors.New("injected: table write refused"))
		return promise
	}
	return p.Producer.EmitWithHeaders(topic, key, value, headers)
}

func TestACommittedMessageIsNeverAheadOfItsCoalescedTableWrite(t *testing.T) {
	const n = 3000
	tc, prefix := counterBacklog(t, n)

	// The first run loses its table writes from the 1,000th message on and
	// fails: what it committed must be covered by what reached the changelog.
	var fail atomic.Bool
	producer := goka.WithProducerBuilder(func(brokers []string, clientID string, hasher func() hash.Hash32) (goka.Producer, error) {
		p, err := goka.ProducerBuilderWithConfig(tc.Sarama())(brokers, clientID, hasher)
		return failingTableProducer{Producer: p, table: prefix + "counter-table", fail: &fail}, err
	})
	done := runCounter(t, context.Background(), tc, counterGroup(prefix, new(atomic.Int64), func(seen int64) {
		if seen == 1000 {
			fail.Store(true)
		}
	}), producer)
	select {
	case err := <-done:
		require.ErrorContains(t, err, "injected: table write refused")
	case <-time.After(time.Minute):
		t.Fatal("the processor did not fail when its table writes were refused")
	}
	first := committed(t, tc, prefix)
	_, last := changelog(t, tc, prefix)
	require.Less(t, first, int64(n), "the failed run committed everything")
	require.GreaterOrEqual(t, sum(last), first,
		"committed %d messages but the changelog counts only %d of them", first, sum(last))
	t.Logf("failed run: committed %d, changelog counts %d", first, sum(last))

	// A second run resumes from the commit with the changelog's counts: no
	// message is lost.
	countToTheEnd(t, tc, prefix, n)
	_, last = changelog(t, tc, prefix)
	for i := range coalesceKeys {
		require.GreaterOrEqual(t, last["k"+strconv.Itoa(i)], int64(n/coalesceKeys), "k%d lost messages", i)
	}
}

func TestAGroupStoppedWhileBehindSendsItsBatchAndResumesWhereItStopped(t *testing.T) {
	const n = 3000
	tc, prefix := counterBacklog(t, n)

	// Stopped (as in a rebalance or a shutdown) at its 1,050th record, in
	// the middle of a batch of 100: the batch is sent and its records
	// committed.
	ctx, cancel := context.WithCancel(context.Background())
	done := runCounter(t, ctx, tc, counterGroup(prefix, new(atomic.Int64), func(seen int64) {
		if seen == 1050 {
			cancel()
		}
	}))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("the processor did not stop")
	}
	first := committed(t, tc, prefix)
	_, last := changelog(t, tc, prefix)
	t.Logf("stopped: committed %d, changelog counts %d", first, sum(last))
	require.GreaterOrEqual(t, first, int64(1050), "the records processed before the stop were committed")
	require.Equal(t, first, sum(last), "what was committed is exactly what the changelog counts")

	// The next run starts from there and counts every record exactly once.
	countToTheEnd(t, tc, prefix, n)
	_, last = changelog(t, tc, prefix)
	for i := range coalesceKeys {
		require.Equal(t, int64(n/coalesceKeys), last["k"+strconv.Itoa(i)], "k%d's count", i)
	}
}
