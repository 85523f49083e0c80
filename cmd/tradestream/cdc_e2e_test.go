package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/cdc/cdctest"
	"github.com/tradestream/tradestream/topology"
)

const cdcFixtures = "../../processors/cdc/testdata"

// cdcRecord is one record for a Debezium topic.
type cdcRecord struct {
	key, value []byte
	headers    map[string]string
}

func fixtureRecords(t *testing.T, form, prefix string) []cdcRecord {
	t.Helper()
	fs, err := cdctest.Load(cdcFixtures, form, prefix)
	require.NoError(t, err)
	out := make([]cdcRecord, 0, len(fs))
	for _, f := range fs {
		out = append(out, cdcRecord{key: f.KeyBytes(), value: f.ValueBytes(), headers: f.Headers})
	}
	return out
}

// renamed rewrites a record's ids: old → new in key, value and headers.
func (r cdcRecord) renamed(pairs ...string) cdcRecord {
	rep := strings.NewReplacer(pairs...)
	out := cdcRecord{key: []byte(rep.Replace(string(r.key))), headers: map[string]string{}}
	if r.key == nil {
		out.key = nil
	}
	if r.value != nil {
		out.value = []byte(rep.Replace(string(r.value)))
	}
	for k, v := range r.headers {
		out.headers[k] = rep.Replace(v)
	}
	return out
}

// produceMurmur2 writes records with a plain sarama producer that partitions
// like Kafka's Java client (murmur2), as Kafka Connect does, and checks each
// keyed record landed on topology.Partition(key).
func produceMurmur2(t *testing.T, brokers, topic string, recs []cdcRecord) {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_1_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Partitioner = sarama.NewCustomHashPartitioner(topology.Murmur2)
	p, err := sarama.NewSyncProducer(strings.Split(brokers, ","), cfg)
	require.NoError(t, err)
	defer p.Close()
	for _, r := range recs {
		msg := &sarama.ProducerMessage{Topic: topic}
		if r.key != nil {
			msg.Key = sarama.ByteEncoder(r.key)
		}
		if r.value != nil {
			msg.Value = sarama.ByteEncoder(r.value)
		}
		for k, v := range r.headers {
			msg.Headers = append(msg.Headers, sarama.RecordHeader{Key: []byte(k), Value: []byte(v)})
		}
		part, _, err := p.SendMessage(msg)
		require.NoError(t, err)
		if r.key != nil {
			assert.Equal(t, topology.Partition(string(r.key), 12), part, "murmur2 partition of %s", r.key)
		}
	}
}

// tradesperson reads a tradesperson view; nil when it is not there.
func (in *instance) tradesperson(t *testing.T, tenant, id string) *codecs.Tradesperson {
	t.Helper()
	return view[codecs.Tradesperson](t, in, tenant, "tradespeople/"+id)
}

func (in *instance) waitTradesperson(t *testing.T, tenant, id string, ok func(*codecs.Tradesperson) bool, what string) {
	t.Helper()
	eventually(t, 30*time.Second, func() bool { return ok(in.tradesperson(t, tenant, id)) }, "tradesperson %s/%s: %s", tenant, id, what)
}

// readAll reads every record of a topic written so far.
func readAll(t *testing.T, brokers, topic string) []*sarama.ConsumerMessage {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_1_0_0
	client, err := sarama.NewClient(strings.Split(brokers, ","), cfg)
	require.NoError(t, err)
	defer client.Close()
	c, err := sarama.NewConsumerFromClient(client)
	require.NoError(t, err)
	defer c.Close()
	parts, err := client.Partitions(topic)
	require.NoError(t, err)
	var out []*sarama.ConsumerMessage
	for _, p := range parts {
		hwm, err := client.GetOffset(topic, p, sarama.OffsetNewest)
		require.NoError(t, err)
		if hwm == 0 {
			continue
		}
		pc, err := c.ConsumePartition(topic, p, sarama.OffsetOldest)
		require.NoError(t, err)
		for m := range pc.Messages() {
			out = append(out, m)
			if m.Offset >= hwm-1 {
				break
			}
		}
		pc.Close()
	}
	return out
}

// TestCDCChangeEventsReachTheViewsAndGarbageTheDeadLetters produces the
// Debezium fixtures of both connectors (PostgreSQL with schemas, SQL Server
// without) with Kafka's default partitioner to a running instance, then reads
// the results through the HTTP API; garbage on the same topics ends in the
// dead-letter topic, and the events after it are still mapped.
func TestCDCChangeEventsReachTheViewsAndGarbageTheDeadLetters(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	pgTopic, jobsTopic := env.prefix+"legacy.public.tradespeople", env.prefix+"legacy.marketplace.dbo.jobs"

	produceMurmur2(t, env.brokers, pgTopic, fixtureRecords(t, cdctest.WithSchemas, "pg_"))
	garbage := []cdcRecord{{key: []byte(`{"id":"x"}`), value: []byte("not json")},
		{key: []byte(`{"id":"y"}`), value: []byte(`{"op":"c","after":{}}`)},
		{key: []byte(`{"id":"z"}`), value: append(codecs.AppendHeader(nil, 987654), 2, 'x')}}
	produceMurmur2(t, env.brokers, jobsTopic, garbage)
	produceMurmur2(t, env.brokers, jobsTopic, fixtureRecords(t, cdctest.WithoutSchemas, "mssql_"))

	in.waitTradesperson(t, "acme", "tp-cdc-1", func(tp *codecs.Tradesperson) bool { return tp != nil && tp.Name == "Ana Silva-Jones" }, "updated")
	tp := in.tradesperson(t, "acme", "tp-cdc-1")
	assert.Equal(t, []string{"plumber", "heating"}, tp.Trades)
	assert.InDelta(t, 30.75, tp.RadiusKm, 1e-9, "numeric(6,2) Decimal bytes")
	assert.Equal(t, codecs.GeoPoint{Lat: 51.5072, Lon: -0.1276}, tp.Base)
	assert.Equal(t, time.Date(2030, 1, 6, 12, 0, 0, 0, time.UTC), tp.UpdatedAt, "updated_at stamps the profile")
	in.waitTradesperson(t, "acme", "tp-cdc-5", func(tp *codecs.Tradesperson) bool { return tp != nil && tp.Active }, "created under its new key")
	in.waitTradesperson(t, "acme", "tp-cdc-2", func(tp *codecs.Tradesperson) bool { return tp == nil }, "removed by the delete")
	in.waitTradesperson(t, "acme", "tp-cdc-4", func(tp *codecs.Tradesperson) bool { return tp == nil }, "removed by the key change")

	j := in.waitJob(t, "acme", "job-cdc-1", func(j *codecs.Job) bool { return j.Window.EarliestStart.Day() == 8 }, "rescheduled")
	assert.Equal(t, "Leaky tap", j.Title, "a title change has no command")
	assert.Equal(t, int32(90), j.DurationMinutes)
	require.NotNil(t, j.BudgetMinor)
	assert.Equal(t, int64(125050), *j.BudgetMinor, "decimal(12,2) 1250.50 is 125050 pence")
	assert.Equal(t, time.Date(2030, 1, 8, 17, 0, 0, 0, time.UTC), j.Window.LatestEnd)
	for _, id := range []string{"job-cdc-2", "job-cdc-3", "job-cdc-4"} {
		in.waitJob(t, "acme", id, func(j *codecs.Job) bool { return j.Status == codecs.StatusCancelled }, "cancelled")
	}
	in.waitJob(t, "acme", "job-cdc-5", func(j *codecs.Job) bool { return j.Status != codecs.StatusCancelled }, "posted under its new key")

	cat, err := catalog(env.config(t, "check", ""))
	require.NoError(t, err)
	var reasons []string
	eventually(t, 30*time.Second, func() bool {
		reasons = reasons[:0]
		for _, m := range readAll(t, env.brokers, string(cat.DeadLetters.Topic)) {
			dl, err := cat.DeadLetters.Avro.Unmarshal(m.Value)
			require.NoError(t, err)
			if dl.Topic != jobsTopic && dl.Topic != pgTopic {
				continue
			}
			hdr := map[string]string{}
			for _, h := range m.Headers {
				hdr[string(h.Key)] = string(h.Value)
			}
			assert.Equal(t, dl.Error, hdr["error"])
			assert.Equal(t, dl.Topic, hdr["source.topic"])
			assert.Equal(t, strconv.FormatInt(dl.Offset, 10), hdr["source.offset"])
			reasons = append(reasons, dl.Error)
		}
		return len(reasons) == 4
	}, "four CDC dead letters")
	joined := strings.Join(reasons, "\n")
	for _, want := range []string{"bad JSON", "no source block", "unknown schema id", "truncate not mapped"} {
		assert.Contains(t, joined, want)
	}

	// Every mapped event is audited, from the partition Kafka's partitioner chose.
	audits := readAll(t, env.brokers, string(cat.CDCAudit.Topic))
	assert.Len(t, audits, 17)
	for _, m := range audits {
		a, err := cat.CDCAudit.Avro.Unmarshal(m.Value)
		require.NoError(t, err)
		assert.NotEmpty(t, a.Position)
		assert.Equal(t, a.Key, string(m.Key))
	}
}

// TestCDCAvroChangeEventsThroughTheRegistry writes change events as the Avro
// converter does — schemas registered with the registry (the real one in the
// integration tier), Confluent wire format — and reads the results back.
func TestCDCAvroChangeEventsThroughTheRegistry(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	reg := codecs.NewHTTPRegistry(env.registry, 10*time.Second)
	for _, table := range []struct{ prefix, topic string }{{"pg_", "legacy.public.tradespeople"}, {"mssql_", "legacy.marketplace.dbo.jobs"}} {
		fs, err := cdctest.Load(cdcFixtures, cdctest.WithoutSchemas, table.prefix)
		require.NoError(t, err)
		topic := env.prefix + table.topic
		var recs []cdcRecord
		for _, f := range fs {
			if f.Name == "pg_10_truncate" {
				continue
			}
			key, value, err := f.Avro(context.Background(), reg, cdcFixtures, topic)
			require.NoError(t, err, f.Name)
			recs = append(recs, cdcRecord{key: key, value: value, headers: f.Headers})
		}
		produceMurmur2(t, env.brokers, topic, recs)
	}
	in.waitTradesperson(t, "acme", "tp-cdc-1", func(tp *codecs.Tradesperson) bool { return tp != nil && tp.Name == "Ana Silva-Jones" }, "updated")
	assert.InDelta(t, 30.75, in.tradesperson(t, "acme", "tp-cdc-1").RadiusKm, 1e-9)
	in.waitTradesperson(t, "acme", "tp-cdc-2", func(tp *codecs.Tradesperson) bool { return tp == nil }, "removed")
	j := in.waitJob(t, "acme", "job-cdc-1", func(j *codecs.Job) bool { return j.Window.EarliestStart.Day() == 8 }, "rescheduled")
	assert.Equal(t, int64(125050), *j.BudgetMinor)
	in.waitJob(t, "acme", "job-cdc-2", func(j *codecs.Job) bool { return j.Status == codecs.StatusCancelled }, "cancelled")
}

func TestCDCFlagsAreCheckedAtStart(t *testing.T) {
	bad := t.TempDir() + "/mapping.yaml"
	require.NoError(t, os.WriteFile(bad, []byte("tables:\n  - name: x\n    colour: red\n"), 0o644))
	for name, args := range map[string][]string{
		"bad mapping":     {"run", "--insecure", "--brokers", "x:9092", "--registry", "http://x", "--cdc-mapping", bad},
		"missing mapping": {"run", "--insecure", "--brokers", "x:9092", "--registry", "http://x", "--cdc-mapping", bad + ".nope"},
		"no topics":       {"run", "--insecure", "--brokers", "x:9092", "--registry", "http://x", "--cdc-topics", " , "},
	} {
		code, _, stderr := runCLI(t, args...)
		assert.Equal(t, 2, code, name)
		assert.Contains(t, stderr, "--cdc-", name)
	}
	code, out, _ := runCLI(t, "topology", "--cdc-topics", "crm.public.tradespeople")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "input   crm.public.tradespeople")
}
