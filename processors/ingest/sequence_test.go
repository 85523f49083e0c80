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

func TestPricingIsKeptFromTheNewestSetPricing(t *testing.T) {
	set := func(tax int32, seq int64) *codecs.Command {
		return &codecs.Command{Kind: codecs.KindSetPricing, Seq: seq, SetPricing: &codecs.SetPricing{TaxBps: tax, PlatformFeeBps: 1000}}
	}
	cur := &codecs.PricingStamp{TaxBps: 2000, PlatformFeeBps: 1000, Seq: 5}
	cases := []struct {
		name string
		cur  *codecs.PricingStamp
		cmd  *codecs.Command
		want *codecs.PricingStamp
	}{
		{"first set", nil, set(2000, 5), cur},
		{"newer set", cur, set(500, 9), &codecs.PricingStamp{TaxBps: 500, PlatformFeeBps: 1000, Seq: 9}},
		{"redelivered set", cur, set(2000, 5), cur},
		{"older set", cur, set(100, 3), cur},
		{"set without payload", cur, &codecs.Command{Kind: codecs.KindSetPricing, Seq: 9}, cur},
		{"other kind", cur, cancel("c1", "", t0), cur},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, NotePricing(c.cur, c.cmd), c.name)
	}
}

func TestSequenceKeepsThePricingOfForwardedSetPricing(t *testing.T) {
	c := &codecs.Command{CommandID: "p", TenantID: "acme", Kind: codecs.KindSetPricing, SetPricing: &codecs.SetPricing{TaxBps: 2000}}
	st, out := Sequence(codecs.IngestState{}, c, 6)
	assert.Equal(t, Forward, out)
	assert.Equal(t, &codecs.PricingStamp{TaxBps: 2000, Seq: 7}, st.Pricing)
	dup := &codecs.Command{CommandID: "p2", TenantID: "acme", Kind: codecs.KindSetPricing, IdempotencyKey: "k",
		SetPricing: &codecs.SetPricing{TaxBps: 1}, AcceptedAt: t0}
	st, _ = Sequence(st, dup, 7)
	dup2 := *dup
	dup2.SetPricing = &codecs.SetPricing{TaxBps: 99}
	st, out = Sequence(st, &dup2, 8)
	assert.Equal(t, Duplicate, out)
	assert.Equal(t, int32(1), st.Pricing.TaxBps, "a duplicate set_pricing changes nothing")
}
