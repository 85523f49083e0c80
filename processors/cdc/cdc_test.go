package cdc

import (
	"context"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

// runGroup runs the cdc group in goka's tester with its own options.
func runGroup(t *testing.T, cat *topology.Catalog) *tester.Tester {
	t.Helper()
	tt := tester.New(t)
	proc, err := goka.NewProcessor(nil, Define(cat), append(ProcessorOptions(), goka.WithTester(tt))...)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- proc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return tt
}

func consume(tt *tester.Tester, f fixture) {
	var opts []tester.EmitOption
	if len(f.Headers) > 0 {
		h := goka.Headers{}
		for k, v := range f.Headers {
			h[k] = []byte(v)
		}
		opts = append(opts, tester.WithHeaders(h))
	}
	var value any
	if v := f.ValueBytes(); v != nil {
		value = v
	}
	tt.Consume(f.Topic, string(f.KeyBytes()), value, opts...)
}

func drain(q *tester.QueueTracker) (keys []string, values []any) {
	for {
		k, v, ok := q.Next()
		if !ok {
			return keys, values
		}
		keys, values = append(keys, k), append(values, v)
	}
}

func TestTheGroupWritesCommandsAndAuditRecordsOnceAndDeadLettersTheRest(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := runGroup(t, cat)
	commands := tt.NewQueueTracker(string(cat.Commands.Topic))
	audit := tt.NewQueueTracker(string(cat.CDCAudit.Topic))
	dlq := tt.NewQueueTracker(string(cat.DeadLetters.Topic))

	fixtures := append(loadFixtures(t, "schemas", "pg_"), loadFixtures(t, "schemas", "mssql_")...)
	for _, f := range fixtures {
		consume(tt, f)
	}
	keys, cmds := drain(commands)
	require.Len(t, cmds, 16)
	for i, v := range cmds {
		c := v.(*codecs.Command)
		assert.Equal(t, "acme", keys[i], "commands are keyed by tenant, like the API's")
		assert.Equal(t, codecs.SourceCDC, c.Source)
	}
	assert.Equal(t, "tp-cdc-1", cmds[0].(*codecs.Command).TradespersonID)
	_, audits := drain(audit)
	assert.Len(t, audits, 17, "one audit record per mapped event; tombstones after deletes map to nothing")
	a := audits[0].(*codecs.CDCAudit)
	assert.Equal(t, "legacy.public.tradespeople", a.Topic)
	assert.Equal(t, []string{cmds[0].(*codecs.Command).CommandID}, a.CommandIDs)

	dlKeys, dead := drain(dlq)
	require.Len(t, dead, 1, "the truncate")
	assert.Empty(t, dlKeys[0], "a truncate has no key")
	assert.Contains(t, dead[0].(*codecs.DeadLetter).Error, "truncate not mapped")

	st := tt.TableValue(cat.CDCState.Topic, string(fixtures[0].KeyBytes())).(*codecs.CDCState)
	require.Len(t, st.Sources, 1)
	assert.Equal(t, "pg:00000000000024023300", st.Sources[0].Position, "the last applied event of tp-cdc-1 (its update)")

	// A connector restart replays everything: duplicates, not audited again.
	// Their commands are sent again from the rows' outboxes, in case a crash
	// lost them, as they were the first time (the owners ignore a repeat by
	// its mark), except a profile upsert that a later change of the row
	// upserts again.
	for _, f := range fixtures {
		consume(tt, f)
	}
	first := map[string]*codecs.Command{}
	for _, v := range cmds {
		c := v.(*codecs.Command)
		require.NotEmpty(t, c.CDCMark)
		first[c.CommandID] = c
	}
	againKeys, again := drain(commands)
	require.Len(t, again, 13, "16 minus tp-cdc-1's snapshot, tp-cdc-2's create and tp-cdc-4's create, upserted again later")
	for i, v := range again {
		c := v.(*codecs.Command)
		assert.Equal(t, first[c.CommandID], c, "sent again as it was")
		assert.Equal(t, c.TenantID, againKeys[i])
		delete(first, c.CommandID)
	}
	var left []string
	for _, c := range first {
		assert.Equal(t, codecs.KindUpsertTradesperson, c.Kind)
		left = append(left, c.TradespersonID)
	}
	assert.ElementsMatch(t, []string{"tp-cdc-1", "tp-cdc-2", "tp-cdc-4"}, left)
	_, audits = drain(audit)
	assert.Empty(t, audits)
	_, dead = drain(dlq)
	assert.Len(t, dead, 1, "the replayed truncate is a dead letter again")
}

func TestGarbageOnACDCTopicIsADeadLetterAndProcessingGoesOn(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := runGroup(t, cat)
	commands := tt.NewQueueTracker(string(cat.Commands.Topic))
	dlq := tt.NewQueueTracker(string(cat.DeadLetters.Topic))
	topic := string(cat.CDC[1].Topic)
	for _, v := range []string{`not json`, `{"op":"c","source":{"connector":"sqlserver","db":"marketplace","schema":"dbo","table":"invoices","commit_lsn":"00000001:00000001:0001"},"after":{}}`,
		"\x00\x00\x00\x10\x00avro with an unknown schema id"} {
		tt.Consume(topic, `{"id":"x"}`, []byte(v))
	}
	consume(tt, loadFixtures(t, "noschema", "mssql_02")[0])
	_, dead := drain(dlq)
	require.Len(t, dead, 3)
	reasons := []string{}
	for _, d := range dead {
		dl := d.(*codecs.DeadLetter)
		assert.Equal(t, topic, dl.Topic)
		assert.Equal(t, string(topology.CDCGroup), dl.Group)
		reasons = append(reasons, dl.Error)
	}
	assert.Contains(t, reasons[0], "bad JSON")
	assert.Contains(t, reasons[1], "table not mapped")
	assert.Contains(t, reasons[2], "unknown schema id")
	_, cmds := drain(commands)
	require.Len(t, cmds, 1, "the next good event is mapped")
	assert.Equal(t, codecs.KindPostJob, cmds[0].(*codecs.Command).Kind)
}

func TestATombstoneOfAnUnknownRowHasNoEffect(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := runGroup(t, cat)
	commands := tt.NewQueueTracker(string(cat.Commands.Topic))
	dlq := tt.NewQueueTracker(string(cat.DeadLetters.Topic))
	tt.Consume(string(cat.CDC[0].Topic), `{"id":"nobody"}`, nil)
	_, cmds := drain(commands)
	_, dead := drain(dlq)
	assert.Empty(t, cmds)
	assert.Empty(t, dead)
}
