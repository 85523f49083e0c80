// Package cdctest loads the Debezium fixtures of processors/cdc/testdata and
// writes them as the legacy connectors' converters would: JSON with or
// without schemas, or Avro in the Confluent wire format through a registry.
package cdctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Forms of the JSON fixtures: directories under testdata.
const (
	WithSchemas    = "schemas"
	WithoutSchemas = "noschema"
)

// Fixture is one Debezium record: a JSON file of testdata/<form>/.
type Fixture struct {
	// Name is the file name without .json, e.g. "pg_03_update".
	Name string `json:"-"`
	// Doc says what the record is.
	Doc string `json:"doc"`
	// Topic is the connector's default topic for the table.
	Topic string `json:"topic"`
	// Key and Value are the JSON documents the converter writes; JSON null
	// for a null key (truncate) or a tombstone.
	Key   json.RawMessage `json:"key"`
	Value json.RawMessage `json:"value"`
	// Headers are the record headers (primary-key changes).
	Headers map[string]string `json:"headers"`
}

// Load reads the fixtures of form in dir whose names start with prefix, in
// name order (the order their events happened).
func Load(dir, form, prefix string) ([]Fixture, error) {
	paths, err := filepath.Glob(filepath.Join(dir, form, prefix+"*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("cdctest: no fixtures %s/%s/%s*.json", dir, form, prefix)
	}
	sort.Strings(paths)
	out := make([]Fixture, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var f Fixture
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("cdctest: %s: %w", p, err)
		}
		f.Name = strings.TrimSuffix(filepath.Base(p), ".json")
		out = append(out, f)
	}
	return out, nil
}

// KeyBytes is the record key as the JSON converter writes it; nil when null.
func (f Fixture) KeyBytes() []byte { return compact(f.Key) }

// ValueBytes is the record value as the JSON converter writes it; nil for a
// tombstone.
func (f Fixture) ValueBytes() []byte { return compact(f.Value) }

func compact(raw json.RawMessage) []byte {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		panic(fmt.Sprintf("cdctest: fixture JSON: %v", err))
	}
	return b.Bytes()
}

// Connector is "postgresql" or "sqlserver", from the topic's table.
func (f Fixture) Connector() string {
	if strings.HasSuffix(f.Topic, ".jobs") {
		return "sqlserver"
	}
	return "postgresql"
}
