package main

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// cdcFixturesScript writes the JSON fixtures (form schemas or noschema) to
// the env's Debezium topics with scripts/cdc-fixtures.sh (kcat).
func cdcFixturesScript(t *testing.T, env *testEnv, form string) {
	t.Helper()
	cmd := exec.Command("../../scripts/cdc-fixtures.sh", form)
	cmd.Env = append(os.Environ(), "BROKERS="+env.brokers, "TOPIC_PREFIX="+env.prefix)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
}

// kcatGarbage writes records that are not change events with kcat.
func kcatGarbage(t *testing.T, kcat, brokers, topic string, lines string) {
	t.Helper()
	cmd := exec.Command(kcat, "-X", "partitioner=murmur2_random", "-b", brokers, "-P", "-t", topic, "-K", "\t")
	cmd.Stdin = strings.NewReader(lines)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
}

// waitQuiet waits until every processor group has committed every record of
// its input topics: everything produced so far went through the pipeline,
// and the groups' writes were acknowledged (goka commits a record after its
// writes).
func waitQuiet(t *testing.T, brokers string, cat *topology.Catalog) {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_1_0_0
	client, err := sarama.NewClient(strings.Split(brokers, ","), cfg)
	require.NoError(t, err)
	defer client.Close()
	admin, err := sarama.NewClusterAdminFromClient(client)
	require.NoError(t, err)
	inputs := map[string][]string{} // group → topics
	for _, name := range groupNames() {
		g := groups[name](cat)
		for _, e := range g.InputStreams() {
			inputs[string(g.Group())] = append(inputs[string(g.Group())], e.Topic())
		}
	}
	var lag string
	eventually(t, 60*time.Second, func() bool {
		for group, topics := range inputs {
			want := map[string][]int32{}
			for _, topic := range topics {
				parts, err := client.Partitions(topic)
				require.NoError(t, err)
				want[topic] = parts
			}
			resp, err := admin.ListConsumerGroupOffsets(group, want)
			require.NoError(t, err)
			for topic, parts := range want {
				for _, p := range parts {
					hwm, err := client.GetOffset(topic, p, sarama.OffsetNewest)
					require.NoError(t, err)
					if b := resp.GetBlock(topic, p); hwm > 0 && (b == nil || b.Offset < hwm) {
						lag = group + " on " + topic
						return false
					}
				}
			}
		}
		return true
	}, "every group caught up (last lagging: %s)", lazy(func() string { return lag }))
}

// lazy prints what its function returns when printed.
type lazy func() string

func (l lazy) String() string { return l() }

// records counts the records written to a topic so far.
func records(t *testing.T, brokers, topic string) int64 {
	t.Helper()
	client, err := sarama.NewClient(strings.Split(brokers, ","), sarama.NewConfig())
	require.NoError(t, err)
	defer client.Close()
	parts, err := client.Partitions(topic)
	require.NoError(t, err)
	var n int64
	for _, p := range parts {
		hwm, err := client.GetOffset(topic, p, sarama.OffsetNewest)
		require.NoError(t, err)
		n += hwm
	}
	return n
}

// TestCDCFixturesProducedByKcat is the CDC scenario with another client:
// scripts/cdc-fixtures.sh — kcat (librdkafka) with Kafka's murmur2
// partitioner — writes the JSON fixtures of both connectors (create, update,
// delete and tombstone, primary-key change, whose PostgreSQL records carry
// Debezium's key headers, given with -H, and a truncate), then kcat writes
// garbage, to the Debezium topics of a running instance; the views show the tradespeople and jobs, the garbage
// is dead-lettered. Then the same fixtures are replayed (a connector
// restart): the cdc group sends their commands again and nothing changes.
func TestCDCFixturesProducedByKcat(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Skip("kcat not installed: skipping the kcat produce")
	}
	if _, err := exec.LookPath("jq"); err != nil {
		t.Skip("jq not installed: scripts/cdc-fixtures.sh needs it")
	}
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	cat, err := catalog(env.config(t, "check", ""))
	require.NoError(t, err)
	pgTopic, jobsTopic := env.prefix+"legacy.public.tradespeople", env.prefix+"legacy.marketplace.dbo.jobs"
	cdcFixturesScript(t, env, "schemas")
	kcatGarbage(t, kcat, env.brokers, pgTopic, "{\"id\":\"x\"}\tnot json\n")
	kcatGarbage(t, kcat, env.brokers, jobsTopic, "{\"id\":\"x\"}\tnot json\n")

	in.waitTradesperson(t, "acme", "tp-cdc-1", func(tp *codecs.Tradesperson) bool { return tp != nil && tp.Name == "Ana Silva-Jones" }, "updated")
	assert.InDelta(t, 30.75, in.tradesperson(t, "acme", "tp-cdc-1").RadiusKm, 1e-9)
	in.waitTradesperson(t, "acme", "tp-cdc-5", func(tp *codecs.Tradesperson) bool { return tp != nil && tp.Active }, "created under its new key")
	in.waitTradesperson(t, "acme", "tp-cdc-2", func(tp *codecs.Tradesperson) bool { return tp == nil }, "removed by the delete")
	in.waitTradesperson(t, "acme", "tp-cdc-4", func(tp *codecs.Tradesperson) bool { return tp == nil }, "removed by the key change")
	j := in.waitJob(t, "acme", "job-cdc-1", func(j *codecs.Job) bool { return j.Window.EarliestStart.Day() == 8 }, "rescheduled")
	require.NotNil(t, j.BudgetMinor)
	assert.Equal(t, int64(125050), *j.BudgetMinor, "Connect Decimal bytes, through jq and kcat")
	for _, id := range []string{"job-cdc-2", "job-cdc-3", "job-cdc-4"} {
		in.waitJob(t, "acme", id, func(j *codecs.Job) bool { return j.Status == codecs.StatusCancelled }, "cancelled")
	}
	in.waitJob(t, "acme", "job-cdc-5", func(j *codecs.Job) bool { return j.Status == codecs.StatusPosted }, "posted under its new key")

	waitQuiet(t, env.brokers, cat)
	for _, topic := range []string{pgTopic, jobsTopic} {
		for _, m := range readAll(t, env.brokers, topic) {
			if m.Key != nil {
				assert.Equal(t, topology.Partition(string(m.Key), 12), m.Partition, "kcat's murmur2 placed %s where Kafka's Java client would", m.Key)
			}
		}
	}
	var renamed []string
	audits := readAll(t, env.brokers, string(cat.CDCAudit.Topic))
	assert.Len(t, audits, 17, "every mapped event, once")
	for _, m := range audits {
		a, err := cat.CDCAudit.Avro.Unmarshal(m.Value)
		require.NoError(t, err)
		if a.RenamedTo != "" || a.RenamedFrom != "" {
			renamed = append(renamed, a.Key+" "+a.RenamedFrom+a.RenamedTo)
		}
	}
	require.Len(t, renamed, 2, "kcat's -H carried the key headers: %v", renamed)
	slices.Sort(renamed)
	assert.Contains(t, renamed[0], `acme/tp-cdc-4 `)
	assert.Contains(t, renamed[0], `"payload":{"id":"tp-cdc-5"}`)
	assert.Contains(t, renamed[1], `acme/tp-cdc-5 `)
	assert.Contains(t, renamed[1], `"payload":{"id":"tp-cdc-4"}`)
	var reasons []string
	for _, m := range readAll(t, env.brokers, string(cat.DeadLetters.Topic)) {
		dl, err := cat.DeadLetters.Avro.Unmarshal(m.Value)
		require.NoError(t, err)
		reasons = append(reasons, dl.Topic+": "+dl.Error)
	}
	slices.Sort(reasons)
	require.Len(t, reasons, 3, "%v", reasons)
	assert.Contains(t, reasons[0], jobsTopic+": ")
	assert.Contains(t, reasons[0], "bad JSON")
	assert.Contains(t, reasons[1]+reasons[2], pgTopic+": cdc: not a Debezium change event: bad JSON")
	assert.Contains(t, reasons[1]+reasons[2], "truncate not mapped")

	// The connector replays everything: the duplicates send their commands
	// again (the outbox), and the jobs and tradespeople groups write nothing.
	tables := records(t, env.brokers, string(cat.Jobs.Topic)) + records(t, env.brokers, string(cat.Tradespeople.Topic))
	rejects := records(t, env.brokers, string(cat.Rejects.Topic))
	commands := records(t, env.brokers, string(cat.Commands.Topic))
	cdcFixturesScript(t, env, "schemas")
	waitQuiet(t, env.brokers, cat)
	assert.Greater(t, records(t, env.brokers, string(cat.Commands.Topic)), commands, "commands sent again")
	assert.Equal(t, tables, records(t, env.brokers, string(cat.Jobs.Topic))+records(t, env.brokers, string(cat.Tradespeople.Topic)),
		"no job or profile changed")
	assert.Equal(t, rejects, records(t, env.brokers, string(cat.Rejects.Topic)), "nothing refused")
	assert.Len(t, readAll(t, env.brokers, string(cat.CDCAudit.Topic)), 17, "duplicates are not audited")
	assert.Equal(t, "Ana Silva-Jones", in.tradesperson(t, "acme", "tp-cdc-1").Name)
	assert.Nil(t, in.tradesperson(t, "acme", "tp-cdc-2"))
}
