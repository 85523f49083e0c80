package cdc

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/tradestream/tradestream/codecs"
)

// benchRecords makes n distinct change events from a fixture: n/2 rows, each
// created and then updated, so every event is applied (none is a duplicate).
func benchRecords(b *testing.B, name, form string, n int) (topic string, keys, values [][]byte) {
	b.Helper()
	var base fixture
	for _, f := range loadFixtures(b, form, name[:len("mssql_")]) {
		if f.Name == name {
			base = f
		}
	}
	for i := range n {
		id := fmt.Sprintf("job-b%d", i/2)
		v := bytes.ReplaceAll(base.ValueBytes(), []byte(`"job-cdc-2"`), []byte(`"`+id+`"`))
		serial := fmt.Sprintf(`"event_serial_no":%d`, 1+i%2)
		v = bytes.Replace(v, []byte(`"event_serial_no":1`), []byte(serial), 1)
		v = bytes.Replace(v, []byte(`"event_serial_no":"1"`), []byte(serial), 1)
		if i%2 == 1 {
			v = bytes.Replace(v, []byte(`"op":"c"`), []byte(`"op":"u"`), 1)
			v = bytes.Replace(v, []byte(`"status":"open"`), []byte(`"status":"cancelled"`), 1)
		}
		k := bytes.ReplaceAll(base.KeyBytes(), []byte(`"job-cdc-2"`), []byte(`"`+id+`"`))
		keys, values = append(keys, k), append(values, v)
	}
	return base.Topic, keys, values
}

// BenchmarkMapping measures decoding and mapping one change event (a job
// posted, then cancelled), as the cdc group's handler does, without Kafka.
func BenchmarkMapping(b *testing.B) {
	for _, form := range []string{"schemas", "noschema", "avro"} {
		b.Run(form, func(b *testing.B) {
			r := newRunner(DefaultMapping())
			src := form
			if form == "avro" {
				src = "noschema"
			}
			topic, keys, values := benchRecords(b, "mssql_02_create", src, 4096)
			if form == "avro" {
				topic, keys, values = benchAvro(b, r, keys, values, topic)
			}
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				if i == len(values) {
					i, r.state = 0, map[string]*codecs.CDCState{}
				}
				res, err := r.applyRecord(b, topic, keys[i], values[i], nil)
				if err != nil || res.Outcome != Applied || len(res.Commands) != 1 {
					b.Fatalf("event %d: %v %v", i, res.Outcome, err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// benchAvro re-encodes schema-less JSON records with the Avro converter.
func benchAvro(b *testing.B, r *runner, keys, values [][]byte, topic string) (string, [][]byte, [][]byte) {
	b.Helper()
	var ks, vs [][]byte
	for i := range values {
		f := fixture{Topic: topic, Key: keys[i], Value: values[i]}
		k, v, err := f.Avro(b.Context(), r.reg, "testdata", topic)
		if err != nil {
			b.Fatal(err)
		}
		ks, vs = append(ks, k), append(vs, v)
	}
	return topic, ks, vs
}
