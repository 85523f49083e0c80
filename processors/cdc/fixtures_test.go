package cdc

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/cdc/cdctest"
)

type fixture = cdctest.Fixture

// loadFixtures reads the fixtures of one form whose names start with prefix.
func loadFixtures(t testing.TB, form, prefix string) []fixture {
	t.Helper()
	fs, err := cdctest.Load("testdata", form, prefix)
	require.NoError(t, err)
	return fs
}

// change decodes a record as the group's handler does.
func change(t testing.TB, dec *Decoder, topic string, key, value []byte, headers map[string]string) (Change, error) {
	t.Helper()
	ch := Change{Topic: topic, Key: string(key), Headers: map[string][]byte{},
		Timestamp: time.Date(2030, 1, 6, 15, 0, 0, 0, time.UTC)}
	for k, v := range headers {
		ch.Headers[k] = []byte(v)
	}
	if value != nil {
		ev, err := dec.Event(value)
		if err != nil {
			return ch, err
		}
		ch.Event = ev
		if key != nil {
			ch.KeyRow, _ = dec.Key(key)
		}
	}
	return ch, nil
}

// runner applies records in order with one state per record key, like the
// group table, and remembers the commands in the outbox as the group does.
type runner struct {
	m     *Mapper
	reg   *codecs.MemoryRegistry
	dec   *Decoder
	cmds  *codecs.Avro[codecs.Command]
	state map[string]*codecs.CDCState
	// noOutbox encodes the commands without keeping them in the state, as
	// the handler did before the outbox (for the benchmark's comparison).
	noOutbox bool
}

func newRunner(m *Mapper) *runner {
	reg := codecs.NewMemoryRegistry()
	schema, err := codecs.SchemaText("command")
	if err != nil {
		panic(err)
	}
	cmds, err := codecs.NewAvro[codecs.Command](reg, "tradestream.commands-value", schema)
	if err != nil {
		panic(err)
	}
	return &runner{m: m, reg: reg, dec: NewDecoder(reg), cmds: cmds, state: map[string]*codecs.CDCState{}}
}

func (r *runner) apply(t testing.TB, f fixture) (Result, error) {
	t.Helper()
	return r.applyRecord(t, f.Topic, f.KeyBytes(), f.ValueBytes(), f.Headers)
}

func (r *runner) applyRecord(t testing.TB, topic string, key, value []byte, headers map[string]string) (Result, error) {
	t.Helper()
	ch, err := change(t, r.dec, topic, key, value, headers)
	if err != nil {
		return Result{}, err
	}
	res, err := r.m.Apply(r.state[ch.Key], ch)
	if err == nil && res.Outcome == Applied {
		if r.noOutbox {
			for _, c := range res.Commands {
				if _, err := r.cmds.Marshal(c); err != nil {
					return res, err
				}
			}
		} else if _, err := res.Remember(r.cmds.Marshal); err != nil {
			return res, err
		}
		r.state[ch.Key] = res.State
	}
	return res, err
}
