package main

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/calendar"
	"github.com/tradestream/tradestream/state"
	"github.com/tradestream/tradestream/topology"
)

// TestSchedulingScenarioOverKafka runs the fixed-seed scheduling scenario
// (5 000 client commands) through the real processor groups on the
// embedded broker (or the real one, TRADESTREAM_IT_BROKERS): about 3 % of
// the records between the groups (job, calendar, tradesperson and
// dependency commands) are delivered twice, later and out of order
// (re-produced by a duplicator), and the instance is replaced halfway by
// one with empty local state. Once idle, every scheduling invariant holds on the tables
// read back from Kafka, by the same code as `tradestream check schedule`.
func TestSchedulingScenarioOverKafka(t *testing.T) {
	if testing.Short() {
		t.Skip("a few minutes of load")
	}
	env := newTestEnv(t)
	a := env.start(t, "a", t.TempDir())
	cat, err := catalog(env.config(t, "driver", t.TempDir()))
	require.NoError(t, err)
	emitter, err := state.NewKafkaEmitter(cat)
	require.NoError(t, err)
	defer emitter.Close()

	cmds := scenario(20300107, 3, 12, *scenarioCommands)
	posted := map[string]bool{}
	byTenant := map[string][]*codecs.Command{}
	for _, c := range cmds {
		byTenant[c.TenantID] = append(byTenant[c.TenantID], c)
		if c.Kind == codecs.KindPostJob {
			posted[c.TenantID+"/"+c.JobID] = true
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	duplicated := startDuplicator(ctx, t, cat, 0.03, string(cat.JobCommands.Topic), string(cat.CalendarCommands.Topic),
		string(cat.TradespersonCommands.Topic), string(cat.DependencyCommands.Topic))

	var sent atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for _, tenantCmds := range byTenant {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, c := range tenantCmds {
				if err := emitter.Emit(ctx, c.TenantID, c); err != nil {
					t.Errorf("emitting %s: %v", c.CommandID, err)
					return
				}
				sent.Add(1)
			}
		}()
	}
	eventually(t, 2*time.Minute, func() bool { return sent.Load() >= int64(len(cmds)/2) }, "half the commands sent")
	require.NoError(t, a.stop())
	b := env.start(t, "b", t.TempDir()) // a restart with empty local state, mid-stream
	wg.Wait()
	t.Logf("%d commands sent in %s", len(cmds), time.Since(start).Round(time.Millisecond))

	r := waitScheduleSettled(t, cat, len(posted))
	t.Logf("settled after %s: %d jobs, %d calendars, %d appointments; %d records duplicated",
		time.Since(start).Round(time.Millisecond), r.Jobs, r.Calendars, r.Appointments, duplicated.Load())
	for i, v := range r.Violations {
		if i == 20 {
			break
		}
		t.Error(v)
	}
	assert.Positive(t, r.Appointments)
	assert.Positive(t, duplicated.Load(), "some records were delivered twice")

	code, out, stderr := runCLI(t, "check", "schedule", "--brokers", env.brokers, "--registry", env.registry,
		"--topic-prefix", env.prefix, "--strict")
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, out, ": 0 violations")
	_ = b
}

// waitScheduleSettled reads the tables until every posted job is there,
// nothing is in flight and two reads a second apart agree.
func waitScheduleSettled(t *testing.T, cat *topology.Catalog, jobs int) calendar.Report {
	t.Helper()
	var last, r calendar.Report
	eventually(t, 5*time.Minute, func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		var err error
		r, err = checkSchedule(ctx, cat, time.Time{})
		require.NoError(t, err)
		settled := r.Jobs == jobs && len(r.InFlight) == 0 && r.Appointments == last.Appointments &&
			len(r.Violations) == len(last.Violations)
		last = r
		if !settled {
			time.Sleep(time.Second)
		}
		return settled
	}, "the schedule settled (last: %d jobs, %d in flight)", last.Jobs, len(last.InFlight))
	return r
}

// startDuplicator re-produces a share p of the records of topics (same
// partition, key and value): a duplicate delivery for their consumers.
func startDuplicator(ctx context.Context, t *testing.T, cat *topology.Catalog, p float64, topics ...string) *atomic.Int64 {
	t.Helper()
	cfg := cat.Config().Sarama()
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	client, err := sarama.NewClient(cat.Config().Brokers, cfg)
	require.NoError(t, err)
	consumer, err := sarama.NewConsumerFromClient(client)
	require.NoError(t, err)
	producer, err := sarama.NewSyncProducerFromClient(client)
	require.NoError(t, err)
	var n atomic.Int64
	var wg sync.WaitGroup
	for _, topic := range topics {
		for part := range cat.Config().Partitions {
			pc, err := consumer.ConsumePartition(topic, part, sarama.OffsetOldest)
			require.NoError(t, err)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer pc.Close()
				rng := rand.New(rand.NewPCG(uint64(part), 7))
				for {
					select {
					case <-ctx.Done():
						return
					case m := <-pc.Messages():
						if len(m.Headers) > 0 || rng.Float64() >= p {
							continue
						}
						_, _, err := producer.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: m.Partition,
							Key: sarama.ByteEncoder(m.Key), Value: sarama.ByteEncoder(m.Value),
							Headers: []sarama.RecordHeader{{Key: []byte("duplicate"), Value: []byte("1")}}})
						if err != nil {
							return
						}
						n.Add(1)
					}
				}
			}()
		}
	}
	t.Cleanup(func() {
		wg.Wait()
		_ = producer.Close()
		_ = consumer.Close()
		_ = client.Close()
	})
	return &n
}
