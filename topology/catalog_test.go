package topology

import (
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

func TestEveryTopicIsDeclaredOnceWithOneCodec(t *testing.T) {
	cat, err := NewCatalog(Config{Brokers: []string{"x"}}, codecs.NewMemoryRegistry())
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, s := range cat.Specs() {
		assert.False(t, seen[s.Name], "%s declared twice", s.Name)
		seen[s.Name] = true
		assert.NotNil(t, s.Codec, s.Name)
		assert.Equal(t, int32(12), s.Partitions)
		assert.Contains(t, []string{CleanupDelete, CleanupCompact}, s.Cleanup)
		if s.Owner == ExternalOwner {
			assert.Empty(t, s.Schema, "%s: a foreign topic's format is its writer's", s.Name)
			continue
		}
		assert.Equal(t, s.Name+"-value", s.Subject)
		assert.NotEmpty(t, s.Schema)
	}
	assert.True(t, seen[string(cat.Jobs.Topic)])
	assert.Equal(t, CleanupCompact, specOf(t, cat, string(cat.Jobs.Topic)).Cleanup, "tables are compacted")
}

func TestDeclaringATopicTwiceFails(t *testing.T) {
	b := builder{c: &Catalog{}, reg: codecs.NewMemoryRegistry(), seen: map[string]bool{}}
	stream[codecs.Command](&b, CommandsTopic, "command", "tenant_id", "")
	stream[codecs.Rejection](&b, CommandsTopic, "rejection", "tenant_id", "")
	assert.ErrorContains(t, b.err, "declared twice")
}

func TestPrefixRenamesTopicsAndGroups(t *testing.T) {
	cat, err := NewCatalog(Config{Brokers: []string{"x"}, Prefix: "it1."}, codecs.NewMemoryRegistry())
	require.NoError(t, err)
	assert.Equal(t, "it1.tradestream.commands", string(cat.Commands.Topic))
	assert.Equal(t, "it1.tradestream.jobs", string(cat.Jobs.Group))
	assert.Equal(t, "it1.tradestream.jobs-table", string(cat.Jobs.Topic))
	assert.Equal(t, "legacy.public.tradespeople", string(cat.CDC[0].Topic), "Debezium topics are taken as named")
}

func TestCDCTopicsAreDeclaredAsForeignStreams(t *testing.T) {
	cat, err := NewCatalog(Config{Brokers: []string{"x"}, CDCTopics: []string{"a.b.c", "d.e.f.g"}}, codecs.NewMemoryRegistry())
	require.NoError(t, err)
	require.Len(t, cat.CDC, 2)
	assert.Equal(t, "d.e.f.g", string(cat.CDC[1].Topic))
	assert.Equal(t, ExternalOwner, specOf(t, cat, "a.b.c").Owner)
	assert.Equal(t, "tradestream.cdc-table", string(cat.CDCState.Topic))
	assert.NotNil(t, cat.Registry())
	_, err = NewCatalog(Config{Brokers: []string{"x"}, CDCTopics: []string{"tradestream.commands"}}, codecs.NewMemoryRegistry())
	assert.ErrorContains(t, err, "declared twice", "a CDC topic cannot be one of ours")
	assert.ErrorIs(t, Config{Brokers: []string{"x"}, Partitions: 1, Replication: 1, CDCTopics: []string{""}}.Validate(), ErrConfig)
}

func specOf(t *testing.T, cat *Catalog, name string) Spec {
	for _, s := range cat.Specs() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no topic %s", name)
	return Spec{}
}

func TestDriftNamesConfigsTheBrokerLeftAtItsDefault(t *testing.T) {
	spec := Spec{Name: "t", Partitions: 3, Cleanup: CleanupCompact, Retention: -1, Segment: 10 * time.Minute}
	str := func(v string) *string { return &v }
	set := sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1, ConfigEntries: map[string]*string{
		"cleanup.policy": str("compact"), "retention.ms": str("-1"), "segment.ms": str("600000")}}
	assert.Empty(t, drift(spec, set, 1))

	// A topic created before the spec had segment.ms: the broker lists no
	// segment.ms, so it has Kafka's default of 7 days.
	old := sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1, ConfigEntries: map[string]*string{
		"cleanup.policy": str("compact"), "retention.ms": str("-1")}}
	assert.Equal(t, []string{"segment.ms: want 600000, have the broker's default (604800000)"}, drift(spec, old, 1))

	changed := sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1, ConfigEntries: map[string]*string{
		"cleanup.policy": str("delete"), "retention.ms": str("-1"), "segment.ms": str("60000")}}
	assert.Equal(t, []string{"cleanup.policy: want compact, have delete", "segment.ms: want 600000, have 60000"},
		drift(spec, changed, 1))

	// A stream that keeps Kafka's defaults is not drift when the broker
	// lists none of them.
	stream := Spec{Name: "s", Partitions: 3, Cleanup: CleanupDelete, Retention: 7 * 24 * time.Hour}
	assert.Empty(t, drift(stream, sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1}, 1))
}
