package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/cdc/cdctest"
	"github.com/tradestream/tradestream/topology"
)

// TestMeasureCDCThroughput times one instance running the cdc group alone
// through a backlog of change events on the real broker: N job inserts
// (distinct rows) produced as fast as a sarama async producer goes, until
// N audit records are written. See BENCHMARKS.md ("CDC").
func TestMeasureCDCThroughput(t *testing.T) {
	skipUnlessMeasuring(t)
	const n = 50_000
	fixture, err := cdctest.Load(cdcFixtures, cdctest.WithoutSchemas, "mssql_02")
	require.NoError(t, err)
	schemas, err := cdctest.Load(cdcFixtures, cdctest.WithSchemas, "mssql_02")
	require.NoError(t, err)
	for _, form := range []string{"json", "json+schemas", "avro"} {
		var rates []float64
		for range measureRuns {
			f := fixture[0]
			if form == "json+schemas" {
				f = schemas[0]
			}
			rates = append(rates, measureCDC(t, form, f, n))
		}
		sorted := slices.Clone(rates)
		slices.Sort(sorted)
		t.Logf("MEASURE cdc %s: %d events, median %.0f events/s %v", form, n, sorted[len(sorted)/2], rates)
	}
}

// measureCDC writes a backlog of n change events, then starts an instance
// running the cdc group alone and times it from its first audit record to
// the n-th: the group's processing rate, without the producer competing.
func measureCDC(t *testing.T, form string, f cdctest.Fixture, n int) float64 {
	env := newTestEnv(t)
	cfg := env.config(t, "measure", t.TempDir())
	cfg.Processors = "cdc"
	cat, err := catalog(cfg)
	require.NoError(t, err)
	_, err = topology.Apply(t.Context(), cat.Config(), cat.Specs())
	require.NoError(t, err)
	topic := env.prefix + f.Topic
	produceBacklog(t, env, form, f, topic, n)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil) }()
	client, err := sarama.NewClient([]string{env.brokers}, cat.Config().Sarama())
	require.NoError(t, err)
	defer client.Close()
	audit := string(cat.CDCAudit.Topic)
	var start time.Time
	var first int64
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var total int64
		for part := range int32(12) {
			hwm, err := client.GetOffset(audit, part, sarama.OffsetNewest)
			require.NoError(t, err)
			total += hwm
		}
		if total > 0 && start.IsZero() {
			start, first = time.Now(), total
		}
		if total >= int64(n) {
			break
		}
		require.True(t, time.Now().Before(deadline), "cdc processed %d of %d", total, n)
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(start)
	rate := float64(int64(n)-first) / elapsed.Seconds()
	t.Logf("MEASURE cdc %s run: %d events in %s: %.0f events/s", form, int64(n)-first, elapsed.Round(time.Millisecond), rate)
	cancel()
	<-done
	return rate
}

// produceBacklog writes n inserts of distinct jobs, as the connector would.
func produceBacklog(t *testing.T, env *testEnv, form string, f cdctest.Fixture, topic string, n int) {
	reg := &onceRegistry{Registry: codecs.NewHTTPRegistry(env.registry, 10*time.Second), ids: map[string]int{}}
	pcfg := sarama.NewConfig()
	pcfg.Version = sarama.V2_1_0_0
	pcfg.Producer.Partitioner = sarama.NewCustomHashPartitioner(topology.Murmur2)
	pcfg.Producer.Return.Successes = true
	p, err := sarama.NewAsyncProducer([]string{env.brokers}, pcfg)
	require.NoError(t, err)
	go func() {
		for i := range n {
			g := f
			id := fmt.Sprintf("job-m%d", i)
			g.Key = []byte(strings.ReplaceAll(string(f.KeyBytes()), "job-cdc-2", id))
			g.Value = []byte(strings.ReplaceAll(string(f.ValueBytes()), "job-cdc-2", id))
			key, value := g.KeyBytes(), g.ValueBytes()
			if form == "avro" {
				key, value, err = g.Avro(context.Background(), reg, cdcFixtures, topic)
				if err != nil {
					panic(err)
				}
			}
			p.Input() <- &sarama.ProducerMessage{Topic: topic, Key: sarama.ByteEncoder(key), Value: sarama.ByteEncoder(value)}
		}
	}()
	for range n {
		select {
		case <-p.Successes():
		case err := <-p.Errors():
			t.Fatalf("produce: %v", err)
		}
	}
	require.NoError(t, p.Close())
}

// onceRegistry registers each schema once, as a converter caches its ids.
type onceRegistry struct {
	codecs.Registry
	ids map[string]int
}

func (r *onceRegistry) Register(ctx context.Context, subject, schema string) (int, error) {
	if id, ok := r.ids[subject+"\x00"+schema]; ok {
		return id, nil
	}
	id, err := r.Registry.Register(ctx, subject, schema)
	if err == nil {
		r.ids[subject+"\x00"+schema] = id
	}
	return id, err
}
