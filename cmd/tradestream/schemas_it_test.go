package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// realRegistry is the registry of the real tier, or a skip.
func realRegistry(t *testing.T) string {
	t.Helper()
	url := os.Getenv("TRADESTREAM_IT_REGISTRY")
	if url == "" {
		t.Skip("schema governance needs a real registry (srfake accepts every schema): set TRADESTREAM_IT_REGISTRY (scripts/registry-local.sh)")
	}
	return url
}

// TestSchemasRegisterSetsBackwardPerSubject registers the catalog's schemas
// on the real registry: every subject gets BACKWARD, and check then reports
// them compatible at that level.
func TestSchemasRegisterSetsBackwardPerSubject(t *testing.T) {
	url := realRegistry(t)
	prefix := fmt.Sprintf("gov%d.", time.Now().UnixNano()%1e9)
	code, out, stderr := runCLI(t, "schemas", "register", "--registry", url, "--topic-prefix", prefix)
	require.Equal(t, 0, code, stderr)
	reg := codecs.NewHTTPRegistry(url, 10*time.Second)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.NotEmpty(t, lines)
	for _, l := range lines {
		subject := strings.Fields(l)[1]
		require.True(t, strings.HasPrefix(subject, prefix), l)
		level, err := reg.CompatibilityOf(context.Background(), subject)
		require.NoError(t, err)
		assert.Equal(t, "BACKWARD", level, subject)
	}
	code, out, stderr = runCLI(t, "schemas", "check", "--registry", url, "--topic-prefix", prefix)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, len(lines), strings.Count(out, "compatible "), out)
	assert.Equal(t, len(lines), strings.Count(out, "(BACKWARD)"), out)
	assert.NotContains(t, out, "INCOMPATIBLE")

	code, _, _ = runCLI(t, "schemas", "register", "--registry", url, "--compatibility", "SIDEWAYS")
	assert.Equal(t, 2, code)
}

// Three versions of one record, as a producer team might evolve it.
const (
	evolveV1 = `{"type": "record", "name": "Evolve", "namespace": "tradestream.test", "fields": [
		{"name": "id", "type": "string"}, {"name": "amount_minor", "type": "long"}]}`
	// v2 adds an optional field with a default.
	evolveV2 = `{"type": "record", "name": "Evolve", "namespace": "tradestream.test", "fields": [
		{"name": "id", "type": "string"}, {"name": "amount_minor", "type": "long"},
		{"name": "note", "type": "string", "default": ""}]}`
	// v2Required adds a field without a default.
	evolveV2Required = `{"type": "record", "name": "Evolve", "namespace": "tradestream.test", "fields": [
		{"name": "id", "type": "string"}, {"name": "amount_minor", "type": "long"},
		{"name": "currency", "type": "string"}]}`
	// v2Removed removes the required amount_minor.
	evolveV2Removed = `{"type": "record", "name": "Evolve", "namespace": "tradestream.test", "fields": [
		{"name": "id", "type": "string"}]}`
)

type evolveV1T struct {
	ID          string `avro:"id"`
	AmountMinor int64  `avro:"amount_minor"`
}

type evolveV2T struct {
	ID          string `avro:"id"`
	AmountMinor int64  `avro:"amount_minor"`
	Note        string `avro:"note"`
}

// TestSchemaEvolutionRulesOnTheRealRegistry shows what each compatibility
// level accepts, on the real registry. BACKWARD (new readers read old
// data): an added field with a default is accepted, an added field without
// one is rejected, and removing a field is accepted (new readers ignore it).
// FORWARD and FULL (old readers read new data): removing a required field
// is rejected.
func TestSchemaEvolutionRulesOnTheRealRegistry(t *testing.T) {
	url := realRegistry(t)
	ctx := context.Background()
	reg := codecs.NewHTTPRegistry(url, 10*time.Second)
	base := fmt.Sprintf("gov%d.evolve", time.Now().UnixNano()%1e9)
	cases := []struct {
		level, v2 string
		want      bool
		what      string
	}{
		{"BACKWARD", evolveV2, true, "an added optional field with a default"},
		{"BACKWARD", evolveV2Required, false, "an added required field without a default"},
		{"BACKWARD", evolveV2Removed, true, "a removed field (new readers ignore it)"},
		{"FORWARD", evolveV2Removed, false, "a removed required field"},
		{"FORWARD", evolveV2, true, "an added optional field"},
		{"FULL", evolveV2Removed, false, "a removed required field"},
		{"FULL", evolveV2Required, false, "an added required field"},
		{"FULL", evolveV2, true, "an added optional field with a default"},
	}
	for i, tc := range cases {
		subject := fmt.Sprintf("%s%d-value", base, i)
		require.NoError(t, reg.SetCompatibility(ctx, subject, tc.level))
		_, err := reg.Register(ctx, subject, evolveV1)
		require.NoError(t, err)
		ok, err := reg.Compatible(ctx, subject, tc.v2)
		require.NoError(t, err)
		assert.Equal(t, tc.want, ok, "%s: %s", tc.level, tc.what)
		_, err = reg.Register(ctx, subject, tc.v2)
		if tc.want {
			assert.NoError(t, err, "%s: registering %s", tc.level, tc.what)
		} else {
			assert.Error(t, err, "%s: the registry refuses %s", tc.level, tc.what)
		}
	}
}

// TestV1AndV2ProducersAndConsumersInteroperate writes with one version of a
// schema and reads with the other through our codecs and the real
// registry: a v2 reader fills the new field with its default, a v1 reader
// ignores it.
func TestV1AndV2ProducersAndConsumersInteroperate(t *testing.T) {
	url := realRegistry(t)
	reg := codecs.NewHTTPRegistry(url, 10*time.Second)
	subject := fmt.Sprintf("gov%d.interop-value", time.Now().UnixNano()%1e9)
	require.NoError(t, reg.SetCompatibility(context.Background(), subject, "BACKWARD"))
	v1, err := codecs.NewAvro[evolveV1T](reg, subject, evolveV1)
	require.NoError(t, err)
	v2, err := codecs.NewAvro[evolveV2T](reg, subject, evolveV2)
	require.NoError(t, err)

	old, err := v1.Marshal(&evolveV1T{ID: "p1", AmountMinor: 1250})
	require.NoError(t, err)
	got2, err := v2.Unmarshal(old)
	require.NoError(t, err, "a v2 consumer reads v1 records")
	assert.Equal(t, &evolveV2T{ID: "p1", AmountMinor: 1250, Note: ""}, got2)

	neu, err := v2.Marshal(&evolveV2T{ID: "p2", AmountMinor: 99, Note: "deposit"})
	require.NoError(t, err)
	got1, err := v1.Unmarshal(neu)
	require.NoError(t, err, "a v1 consumer reads v2 records")
	assert.Equal(t, &evolveV1T{ID: "p2", AmountMinor: 99}, got1)

	id1, _, err := codecs.ParseHeader(old)
	require.NoError(t, err)
	id2, _, err := codecs.ParseHeader(neu)
	require.NoError(t, err)
	assert.NotEqual(t, id1, id2, "each record names its own writer schema")
}
