package topology

import (
	"testing"

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
