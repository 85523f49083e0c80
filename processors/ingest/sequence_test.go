package ingest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tradestream/tradestream/codecs"
)

var t0 = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

func cancel(id, key string, at time.Time) *codecs.Command {
	return &codecs.Command{CommandID: id, TenantID: "acme", JobID: "j1", Kind: codecs.KindCancelJob,
		IdempotencyKey: key, AcceptedAt: at}
}

func TestSequenceIsTheOffsetPlusOne(t *testing.T) {
	c := cancel("c1", "", t0)
	_, out := Sequence(codecs.IngestState{}, c, 41)
	assert.Equal(t, Forward, out)
	assert.Equal(t, int64(42), c.Seq)
	owner, key := Route(c)
	assert.Equal(t, Jobs, owner)
	assert.Equal(t, "acme/j1", key)
}

func TestRepeatedIdempotencyKeyIsADuplicate(t *testing.T) {
	st, out := Sequence(codecs.IngestState{}, cancel("c1", "k", t0), 10)
	assert.Equal(t, Forward, out)
	st, out = Sequence(st, cancel("c1", "k", t0.Add(time.Minute)), 11)
	assert.Equal(t, Duplicate, out)
	_, out = Sequence(st, cancel("c1", "k", t0), 10)
	assert.Equal(t, Forward, out, "a redelivery of the first record is routed again, identically")
	assert.Len(t, st.Keys, 1)
}

func TestIdempotencyKeysExpireAfter24Hours(t *testing.T) {
	st, _ := Sequence(codecs.IngestState{}, cancel("c1", "k", t0), 10)
	st, out := Sequence(st, cancel("c2", "k", t0.Add(KeyWindow+time.Second)), 11)
	assert.Equal(t, Forward, out)
	assert.Len(t, st.Keys, 1)
	assert.Equal(t, int64(11), st.Keys[0].Offset)
}

func TestUnknownKindIsUnroutable(t *testing.T) {
	c := cancel("c1", "", t0)
	c.Kind = "paint_the_moon"
	_, out := Sequence(codecs.IngestState{}, c, 1)
	assert.Equal(t, Unroutable, out)
}
