package cdc

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// runAvro maps every fixture written by the Avro converter.
func runAvro(t *testing.T, r *runner) []*codecs.Command {
	var out []*codecs.Command
	for _, prefix := range []string{"pg_", "mssql_"} {
		for _, f := range loadFixtures(t, "noschema", prefix) {
			key, value, err := f.Avro(t.Context(), r.reg, "testdata", f.Topic)
			require.NoError(t, err, f.Name)
			if value != nil {
				assert.Equal(t, codecs.MagicByte, value[0])
			}
			res, err := r.applyRecord(t, f.Topic, key, value, f.Headers)
			if f.Name == "pg_10_truncate" {
				require.ErrorIs(t, err, ErrTruncate)
				continue
			}
			require.NoError(t, err, f.Name)
			out = append(out, res.Commands...)
		}
	}
	return out
}

func TestAvroChangeEventsMapLikeJSONOnes(t *testing.T) {
	fromJSON := run(t, newRunner(DefaultMapping()), "schemas")
	fromAvro := runAvro(t, newRunner(DefaultMapping()))
	require.NotEmpty(t, fromAvro)
	assert.Equal(t, fromJSON, fromAvro)
}

func TestAvroKeysDecodeToTheirColumns(t *testing.T) {
	r := newRunner(DefaultMapping())
	f := loadFixtures(t, "noschema", "mssql_02")[0]
	key, _, err := f.Avro(t.Context(), r.reg, "testdata", f.Topic)
	require.NoError(t, err)
	row, err := r.dec.Key(key)
	require.NoError(t, err)
	assert.Equal(t, "job-cdc-2", row["id"].V)
}

func TestAnAvroRecordWithAnUnknownSchemaIDIsAnError(t *testing.T) {
	r := newRunner(DefaultMapping())
	f := loadFixtures(t, "noschema", "mssql_02")[0]
	_, value, err := f.Avro(t.Context(), r.reg, "testdata", f.Topic)
	require.NoError(t, err)
	_, err = NewDecoder(codecs.NewMemoryRegistry()).Event(value)
	assert.ErrorIs(t, err, codecs.ErrUnknownSchema)
	_, err = r.dec.Event(value[:len(value)-3])
	assert.ErrorIs(t, err, codecs.ErrCorrupt)
}
