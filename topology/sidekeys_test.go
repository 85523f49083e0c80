package topology

import (
	"testing"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

func TestASideKeyIsPartitionedWithItsKeyOnlyInATableWithSideKeys(t *testing.T) {
	cat, err := NewCatalog(Config{Brokers: []string{"localhost:9092"}}, codecs.NewMemoryRegistry())
	require.NoError(t, err)
	partition := func(topic goka.Table, key string) int32 {
		p := cat.Config().partitioner(Murmur2)(string(topic))
		n, err := p.Partition(&sarama.ProducerMessage{Key: sarama.StringEncoder(key)}, 12)
		require.NoError(t, err)
		return n
	}
	moved := 0
	for _, tenant := range []string{"acme", "tenant-7", "t", "globex", "initech", "umbrella"} {
		assert.Equal(t, Partition(tenant, 12), partition(cat.Insights.Topic, tenant), "the key itself: as Kafka")
		for _, suffix := range []string{"2026-11-30/j-1/posted", "", "2026-12-01/pay:c-9"} {
			side := goka.SideKey(tenant, suffix)
			assert.Equal(t, Partition(tenant, 12), partition(cat.Insights.Topic, side), "%q", side)
			if Partition(side, 12) != Partition(tenant, 12) {
				moved++ // hashed whole, it would have gone elsewhere
			}
		}
	}
	assert.Positive(t, moved, "some side keys hash elsewhere whole: the test tells the two apart")
	// Elsewhere a key with NUL bytes (an Avro-encoded Debezium key starts
	// with one) is hashed whole, as Kafka does.
	for _, key := range []string{"\x00\x00\x00\x00\x05\x02a", "\x00\x00\x00\x00\x05\x02b", goka.SideKey("acme", "x")} {
		assert.Equal(t, Partition(key, 12), partition(cat.CDCState.Topic, key), "%q", key)
	}
}

func TestThePrimaryKeyHashStopsAtTheFirstNULAcrossWrites(t *testing.T) {
	h := &primaryKeyHash{Hash32: Murmur2()}
	sum := func(parts ...string) uint32 {
		h.Reset()
		for _, p := range parts {
			_, _ = h.Write([]byte(p))
		}
		return h.Sum32()
	}
	acme := sum("acme")
	assert.Equal(t, uint32(Murmur2Hash([]byte("acme")))&0x7fffffff, acme)
	assert.Equal(t, acme, sum("ac", "me\x00day", "/id"))
	assert.Equal(t, acme, sum("acme\x00", "more"))
	assert.NotEqual(t, acme, sum("acme/day"))
}
