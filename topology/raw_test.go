package topology_test

import (
	"errors"
	"testing"

	"github.com/lovoo/goka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

func TestRawCodecPassesBytesThrough(t *testing.T) {
	c := (&topology.Raw{}).Codec()
	b, err := c.Encode([]byte(`{"op":"c"}`))
	require.NoError(t, err)
	assert.Equal(t, `{"op":"c"}`, string(b))
	v, err := c.Decode([]byte{0, 1, 2})
	require.NoError(t, err)
	assert.Equal(t, []byte{0, 1, 2}, v)
	_, err = c.Encode(42)
	assert.Error(t, err)
}

func TestDeadLettersOfARawInputCarryTheRecordAndHeaders(t *testing.T) {
	cat := topologytest.Catalog(t)
	in := cat.CDC[0]
	g := topology.DefineGroup(cat, cat.CDCState, in.Input(func(ctx goka.Context, value []byte) {
		if string(value) == "panic" {
			var m map[string]int
			m["x"]++ // a runtime error: the handler has a bug
		}
		cat.DeadLetter(ctx, value, errors.New("cannot map"))
	}))
	tt := topologytest.Run(t, g)
	dlq := tt.NewQueueTracker(string(topology.DeadLettersTopic))
	for _, v := range []string{"garbage", "panic"} {
		tt.Consume(string(in.Topic), "k", []byte(v))
		headers, key, msg, ok := dlq.NextWithHeaders()
		require.True(t, ok, v)
		dl := msg.(*codecs.DeadLetter)
		assert.Equal(t, "k", key)
		assert.Equal(t, v, string(dl.Value), "the record's bytes, for a replay")
		assert.Equal(t, string(in.Topic), dl.Topic)
		assert.Equal(t, dl.Error, string(headers["error"]))
		assert.Equal(t, string(in.Topic), string(headers["source.topic"]))
		assert.Equal(t, "0", string(headers["source.partition"]))
		assert.NotEmpty(t, headers["source.offset"])
	}
}
