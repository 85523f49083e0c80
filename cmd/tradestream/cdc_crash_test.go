package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/cdc"
	"github.com/tradestream/tradestream/processors/cdc/cdctest"
	"github.com/tradestream/tradestream/processors/ingest"
	"github.com/tradestream/tradestream/processors/jobs"
	"github.com/tradestream/tradestream/processors/tradespeople"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

// runPipeline runs the groups a CDC command goes through (cdc, ingest, and
// the owners jobs and tradespeople) in one goka tester; with cdcOnly, the
// cdc group alone, so that its commands go nowhere.
func runPipeline(t *testing.T, cat *topology.Catalog, cdcOnly bool) *tester.Tester {
	t.Helper()
	tt := tester.New(t)
	type group struct {
		graph *goka.GroupGraph
		opts  []goka.ProcessorOption
	}
	gs := []group{{cdc.Define(cat), cdc.ProcessorOptions()}}
	if !cdcOnly {
		gs = append(gs, group{graph: ingest.Define(cat)}, group{graph: jobs.Define(cat)}, group{graph: tradespeople.Define(cat)})
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, len(gs))
	for _, g := range gs {
		p, err := goka.NewProcessor(nil, g.graph, append(g.opts, goka.WithTester(tt))...)
		require.NoError(t, err)
		go func() { done <- p.Run(ctx) }()
	}
	t.Cleanup(func() {
		cancel()
		for range gs {
			require.NoError(t, <-done)
		}
	})
	return tt
}

func consumeFixture(tt *tester.Tester, f cdctest.Fixture) {
	h := goka.Headers{}
	for k, v := range f.Headers {
		h[k] = []byte(v)
	}
	var value any
	if v := f.ValueBytes(); v != nil {
		value = v
	}
	tt.Consume(f.Topic, string(f.KeyBytes()), value, tester.WithHeaders(h))
}

func queued(q *tester.QueueTracker) int {
	n := 0
	for {
		if _, _, ok := q.Next(); !ok {
			return n
		}
		n++
	}
}

// TestACrashBetweenTheCDCStateAndItsCommandsLosesNothingAndDuplicatesNothing
// simulates the crash window of the cdc group: the group table holds the
// changes (the state write was acknowledged) but their commands were never
// written, and the consumer offset was not committed. The changes are
// redelivered: they are duplicates now, and send their commands again from
// the outbox; the owners apply each once. Redelivered once more (as if the
// commands had been written the first time), they change nothing.
func TestACrashBetweenTheCDCStateAndItsCommandsLosesNothingAndDuplicatesNothing(t *testing.T) {
	var changes []cdctest.Fixture
	for _, prefix := range []string{"mssql_02", "mssql_05", "pg_02", "pg_01", "pg_03"} {
		fs, err := cdctest.Load(cdcFixtures, cdctest.WithSchemas, prefix)
		require.NoError(t, err)
		changes = append(changes, fs...)
	}

	// Before the crash: the cdc group maps the changes; its commands are lost.
	cat := topologytest.Catalog(t)
	before := runPipeline(t, cat, true)
	lost := before.NewQueueTracker(string(cat.Commands.Topic))
	for _, f := range changes {
		consumeFixture(before, f)
	}
	require.Equal(t, 5, queued(lost), "post and cancel of job-cdc-2; tp-cdc-2; tp-cdc-1 snapshot and update")

	// After the restart: the table is recovered, the changes redelivered.
	tt := runPipeline(t, cat, false)
	for _, f := range changes {
		key := string(f.KeyBytes())
		tt.SetTableValue(cat.CDCState.Topic, key, before.TableValue(cat.CDCState.Topic, key))
	}
	audit := tt.NewQueueTracker(string(cat.CDCAudit.Topic))
	rejects := tt.NewQueueTracker(string(cat.Rejects.Topic))
	routed := tt.NewQueueTracker(string(cat.JobCommands.Topic))
	profiles := tt.NewQueueTracker(string(cat.TradespersonCommands.Topic))
	for _, f := range changes {
		consumeFixture(tt, f)
	}
	assert.Equal(t, 0, queued(audit), "duplicates are not audited again")
	assert.Equal(t, 2, queued(routed), "the post and the cancel reach the job")
	assert.Equal(t, 2, queued(profiles), "tp-cdc-1's update (its snapshot was upserted again later) and tp-cdc-2")
	job := tt.TableValue(cat.Jobs.Topic, "acme/job-cdc-2").(*codecs.Job)
	assert.Equal(t, codecs.StatusCancelled, job.Status)
	assert.Equal(t, []string{codecs.StatusPosted, codecs.StatusCancelled}, statusHistory(job))
	assert.Equal(t, int64(2), job.Version)
	assert.Nil(t, job.LastRejection)
	tp1 := tt.TableValue(cat.Tradespeople.Topic, "acme/tp-cdc-1").(*codecs.Tradesperson)
	assert.Equal(t, "Ana Silva-Jones", tp1.Name, "the update, not the snapshot")
	tp2 := tt.TableValue(cat.Tradespeople.Topic, "acme/tp-cdc-2").(*codecs.Tradesperson)
	require.NotNil(t, tp2)

	// Redelivered again: the commands arrive a second time, and are ignored.
	for _, f := range changes {
		consumeFixture(tt, f)
	}
	assert.Equal(t, 4, queued(routed)+queued(profiles), "sent again")
	assert.Equal(t, 0, queued(rejects), "a repeated post is not a conflict, nor a repeated cancel an invalid transition")
	again := tt.TableValue(cat.Jobs.Topic, "acme/job-cdc-2").(*codecs.Job)
	assert.Equal(t, job.Version, again.Version, "no second effect on the job")
	assert.Equal(t, job.Seq, again.Seq)
	assert.Equal(t, tp1, tt.TableValue(cat.Tradespeople.Topic, "acme/tp-cdc-1"), "nor on the profiles")
	assert.Equal(t, tp2, tt.TableValue(cat.Tradespeople.Topic, "acme/tp-cdc-2"))
}

func statusHistory(j *codecs.Job) []string {
	var out []string
	for _, s := range j.StatusHistory {
		out = append(out, s.Status)
	}
	return out
}

// TestCDCCommandsLostInACrashAreSentAgainOverKafka is the crash window over
// a broker: the cdc group table holds two changes of a legacy job (written
// here as the group would have), the commands topic holds none of their
// commands, and the changes are redelivered. The job appears through the
// re-sent commands; a connector replay of the same changes afterwards has no
// second effect (a later change of the row, processed after the replay,
// tells when it is done).
func TestCDCCommandsLostInACrashAreSentAgainOverKafka(t *testing.T) {
	env := newTestEnv(t)
	dir := t.TempDir()
	cat, err := catalog(env.config(t, "a", dir))
	require.NoError(t, err)
	_, err = topology.Apply(t.Context(), cat.Config(), cat.Specs())
	require.NoError(t, err)
	topic := env.prefix + "legacy.marketplace.dbo.jobs"
	fs, err := cdctest.Load(cdcFixtures, cdctest.WithoutSchemas, "mssql_0")
	require.NoError(t, err)
	var changes []cdcRecord
	for _, f := range fs {
		if f.Name == "mssql_01_read" || f.Name == "mssql_03_update_window" {
			changes = append(changes, cdcRecord{key: f.KeyBytes(), value: f.ValueBytes()})
		}
	}
	require.Len(t, changes, 2)

	// The state the group stored before the crash, outbox included.
	m, dec := cdc.DefaultMapping(), cdc.NewDecoder(cat.Registry())
	var st *codecs.CDCState
	for _, r := range changes {
		ev, err := dec.Event(r.value)
		require.NoError(t, err)
		res, err := m.Apply(st, cdc.Change{Topic: topic, Key: string(r.key), Event: ev})
		require.NoError(t, err)
		_, err = res.Remember(cat.Commands.Avro.Marshal)
		require.NoError(t, err)
		st = res.State
	}
	state, err := cat.CDCState.Codec.Marshal(st)
	require.NoError(t, err)
	produceMurmur2(t, env.brokers, string(cat.CDCState.Topic), []cdcRecord{{key: changes[0].key, value: state}})

	in := env.start(t, "a", dir)
	produceMurmur2(t, env.brokers, topic, changes) // redelivered
	in.waitJob(t, "acme", "job-cdc-1", func(j *codecs.Job) bool { return j.Window.EarliestStart.Day() == 8 }, "posted and rescheduled by the re-sent commands")

	later := cdcRecord{key: changes[1].key, value: []byte(strings.NewReplacer(
		`"commit_lsn":"00000027:00000ac0:0007"`, `"commit_lsn":"00000028:00000001:0001"`,
		`"earliest_start":1894089600000000000`, `"earliest_start":1894176000000000000`).Replace(string(changes[1].value)))}
	require.NotEqual(t, changes[1].value, later.value)
	produceMurmur2(t, env.brokers, topic, append(changes, later)) // a connector replay, then a new change
	j := in.waitJob(t, "acme", "job-cdc-1", func(j *codecs.Job) bool { return j.Window.EarliestStart.Day() == 9 }, "rescheduled by the new change")
	assert.Equal(t, int64(3), j.Version, "post, reschedule, reschedule: the replayed commands changed nothing")
	assert.Nil(t, j.LastRejection, "a repeated post is not a conflict")
	assert.Equal(t, []string{codecs.StatusPosted}, statusHistory(j))

	// The audit record is emitted with the command but may become visible
	// a moment later; replayed changes of the row would be audited before
	// it (same key, same partition), so once it is there all are.
	var audits []*sarama.ConsumerMessage
	eventually(t, 30*time.Second, func() bool {
		audits = readAll(t, env.brokers, string(cat.CDCAudit.Topic))
		return len(audits) > 0
	}, "the new change's audit record")
	assert.Len(t, audits, 1, "only the new change is audited")
}
