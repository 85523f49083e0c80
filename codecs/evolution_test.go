package codecs

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wideV2 is a later version of pointV1 with a field of every Avro kind the
// v1 reader does not know, which it must read past.
type wideV2 struct {
	Name   string            `avro:"name"`
	X      int64             `avro:"x"`
	Label  *string           `avro:"label"`
	Tags   []string          `avro:"tags"`
	Fix    *Fix              `avro:"fix"`
	Fixes  []Fix             `avro:"fixes"`
	Attrs  map[string]string `avro:"attrs"`
	Colour string            `avro:"colour"`
	Hash   []byte            `avro:"hash"`
	Blob   []byte            `avro:"blob"`
	Ratio  float32           `avro:"ratio"`
	Ok     bool              `avro:"ok"`
	At     time.Time         `avro:"at"`
}

const wideV2Schema = `{"type":"record","name":"Point","fields":[{"name":"name","type":"string"},{"name":"x","type":"long"},
	{"name":"label","type":["null","string"],"default":null},{"name":"tags","type":{"type":"array","items":"string"},"default":[]},
	{"name":"fix","type":["null",{"type":"record","name":"Fix","fields":[{"name":"lat","type":"double"},{"name":"lon","type":"double"},
		{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}}]}],"default":null},
	{"name":"fixes","type":{"type":"array","items":"Fix"},"default":[]},
	{"name":"attrs","type":{"type":"map","values":"string"},"default":{}},
	{"name":"colour","type":{"type":"enum","name":"Colour","symbols":["red","green"]},"default":"red"},
	{"name":"hash","type":{"type":"fixed","name":"Hash","size":4}},
	{"name":"blob","type":"bytes","default":""},{"name":"ratio","type":"float","default":0},
	{"name":"ok","type":"boolean","default":false},{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"},"default":0}]}`

// TestSchemaEvolutionAcrossPaths: a v1 writer and a v2 reader, and the
// reverse, resolve by field name whichever path (goavro or binary) wrote
// the record and whichever reads it, and agree on the value.
func TestSchemaEvolutionAcrossPaths(t *testing.T) {
	reg := NewMemoryRegistry()
	v1, err := NewAvro[pointV1](reg, "points-value", pointV1Schema)
	require.NoError(t, err)
	v2, err := NewAvro[pointV2](reg, "points-value", pointV2Schema)
	require.NoError(t, err)
	wide, err := NewAvro[wideV2](reg, "points-value", wideV2Schema)
	require.NoError(t, err)
	at := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	label := "l"
	full := wideV2{Name: "w", X: 9, Label: &label, Tags: []string{"a", "b"}, Fix: &Fix{Lat: 1, Lon: 2, At: at},
		Fixes: []Fix{{Lat: 3}, {At: at}}, Attrs: map[string]string{"k": "v"}, Colour: "green",
		Hash: []byte{1, 2, 3, 4}, Blob: []byte("blob"), Ratio: 0.5, Ok: true, At: at}

	type encoder func() ([]byte, error)
	type decoder[T any] func([]byte) (*T, error)
	writers := map[string]encoder{
		"v1 goavro": func() ([]byte, error) { return v1.marshalGoavro(&pointV1{Name: "a", X: 7}) },
		"v1 binary": func() ([]byte, error) { return v1.Marshal(&pointV1{Name: "a", X: 7}) },
		"v2 goavro": func() ([]byte, error) {
			return v2.marshalGoavro(&pointV2{Name: "a", X: 7, Label: &label, Tags: []string{}})
		},
		"v2 binary":   func() ([]byte, error) { return v2.Marshal(&pointV2{Name: "a", X: 7, Label: &label, Tags: []string{}}) },
		"wide goavro": func() ([]byte, error) { return wide.marshalGoavro(&full) },
		"wide binary": func() ([]byte, error) { return wide.Marshal(&full) },
	}
	for name, write := range writers {
		t.Run(name, func(t *testing.T) {
			b, err := write()
			require.NoError(t, err)
			for path, read := range map[string]decoder[pointV1]{"goavro": v1.unmarshalGoavro, "binary": v1.Unmarshal} {
				got, err := read(b)
				require.NoError(t, err, "v1 reader, %s", path)
				want := &pointV1{Name: "a", X: 7}
				if strings.HasPrefix(name, "wide") {
					want = &pointV1{Name: "w", X: 9}
				}
				assert.Equal(t, want, got, "v1 reader, %s", path)
			}
			old, err := v2.unmarshalGoavro(b)
			require.NoError(t, err)
			bin, err := v2.Unmarshal(b)
			require.NoError(t, err)
			assert.Equal(t, old, bin, "the v2 reader agrees on both paths")
			if name[:2] == "v1" {
				assert.Equal(t, &pointV2{Name: "a", X: 7}, bin, "fields unknown to the writer stay zero")
			}
			oldW, err := wide.unmarshalGoavro(b)
			require.NoError(t, err)
			binW, err := wide.Unmarshal(b)
			require.NoError(t, err)
			assert.Equal(t, oldW, binW, "the wide reader agrees on both paths")
		})
	}
	b, err := wide.Marshal(&full)
	require.NoError(t, err)
	back, err := wide.Unmarshal(b)
	require.NoError(t, err)
	assert.Equal(t, &full, back)
}

// FuzzBinaryMatchesGoavro: on any bytes, the binary decoder either fails
// with one of the codecs errors or decodes the value the goavro path decodes
// (so it accepts nothing goavro refuses). Where it fails, goavro is not
// asked: on a bogus array count goavro allocates before it reads the items
// (testdata/fuzz: a 58-byte record made it allocate 5.8 GB), which the binary
// decoder refuses, bounding counts by the bytes left.
func FuzzBinaryMatchesGoavro(f *testing.F) {
	reg := NewMemoryRegistry()
	c := newJobCodec(f, reg)
	good, err := c.Encode(sampleJob())
	require.NoError(f, err)
	f.Add(good)
	zero, err := c.Encode(Job{})
	require.NoError(f, err)
	f.Add(zero)
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := c.Unmarshal(data)
		if err != nil {
			known := false
			for _, e := range []error{ErrTooShort, ErrBadMagic, ErrUnknownSchema, ErrCorrupt, ErrSchemaMismatch} {
				known = known || errors.Is(err, e)
			}
			require.True(t, known, "not a codecs error: %v", err)
			return
		}
		want, oldErr := c.unmarshalGoavro(data)
		require.NoError(t, oldErr, "goavro refuses a record the binary decoder read")
		require.Equal(t, want, got)
	})
}
