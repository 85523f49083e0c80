package cdc

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitEnvelopeCutsSchemaAndPayloadLikeAJSONParser(t *testing.T) {
	cases := []string{
		`{"schema":{"type":"struct","doc":"a } \" { ] [ \\"},"payload":{"op":"c","x":"}"}}`,
		`{"schema":{"fields":[{"a":[1,{"b":"\\\\"}]}]},"payload":null}`,
		`{"schema":{},"payload":{"op":"d"}}` + "\n",
	}
	for _, f := range loadFixtures(t, "schemas", "") {
		if v := f.ValueBytes(); v != nil {
			cases = append(cases, string(v))
		}
	}
	for _, c := range cases {
		schema, payload, ok := splitEnvelope([]byte(c))
		require.True(t, ok, c)
		var want struct{ Schema, Payload json.RawMessage }
		require.NoError(t, json.Unmarshal([]byte(c), &want), c)
		assert.JSONEq(t, string(want.Schema), string(schema))
		assert.JSONEq(t, string(want.Payload), string(payload))
	}
	for _, c := range []string{
		`{"payload":{},"schema":{}}`,      // another order: the general path
		`{ "schema": {}, "payload": {} }`, // spaces: the general path
		`{"schema":{"a":"}`,               // truncated
		`{"schema":{}}`,
	} {
		_, _, ok := splitEnvelope([]byte(c))
		assert.False(t, ok, c)
	}
	for _, c := range []string{`{"schema":{},"payload":{}`, `{"schema":{"a":"}`, `{"schema":{"type":"struct","fields":[]},"payload":{"op":"c","source":{}}}}`} {
		_, err := NewDecoder(nil).Event([]byte(c))
		assert.ErrorIs(t, err, ErrBadEnvelope, "truncated or trailing: %s", c)
	}
	ev, err := NewDecoder(nil).Event([]byte(`{ "schema": {"type":"struct","fields":[]}, "payload": {"op":"c","source":{}} }`))
	require.NoError(t, err, "a spaced envelope decodes through the general path")
	assert.Equal(t, OpCreate, ev.Op)
}
