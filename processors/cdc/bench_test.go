package cdc

import (
	"bytes"
	"fmt"
	"syscall"
	"testing"
	"time"

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

// BenchmarkOutbox measures what the group's handler does per change event —
// decode, map, encode the commands, encode the new state for the group
// table — with the outbox (the commands kept in the state) and without it
// (the handler before the outbox), side by side. Rows are created, then
// updated again and again (hot rows, so outboxes fill up to OutboxKeep
// changes) or created and updated once (as BenchmarkMapping).
func BenchmarkOutbox(b *testing.B) {
	schema, err := codecs.SchemaText("cdc_state")
	if err != nil {
		b.Fatal(err)
	}
	for _, rows := range []struct {
		name    string
		updates int
	}{{"create+update", 1}, {"hot rows", 15}} {
		for _, outbox := range []bool{false, true} {
			name := rows.name + "/without outbox"
			if outbox {
				name = rows.name + "/with outbox"
			}
			b.Run(name, func(b *testing.B) {
				r := newRunner(DefaultMapping())
				r.noOutbox = !outbox
				states, err := codecs.NewAvro[codecs.CDCState](r.reg, "tradestream.cdc-table-value", schema)
				if err != nil {
					b.Fatal(err)
				}
				topic, keys, values := hotRecords(b, 4096, rows.updates)
				b.ReportAllocs()
				b.ResetTimer()
				i, size := 0, 0
				cpu0 := cpuTime()
				for b.Loop() {
					if i == len(values) {
						i, r.state = 0, map[string]*codecs.CDCState{}
					}
					res, err := r.applyRecord(b, topic, keys[i], values[i], nil)
					if err != nil || res.Outcome != Applied || len(res.Commands) != 1 {
						b.Fatalf("event %d: %v %v", i, res.Outcome, err)
					}
					st, err := states.Marshal(res.State)
					if err != nil {
						b.Fatal(err)
					}
					size += len(st)
					i++
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-µs/event")
				b.ReportMetric(float64(size)/float64(b.N), "state-B/event")
			})
		}
	}
}

// hotRecords makes n change events of SQL Server jobs: each row is created,
// then its window is changed updates times (a reschedule each time).
func hotRecords(b *testing.B, n, updates int) (topic string, keys, values [][]byte) {
	b.Helper()
	var create fixture
	for _, f := range loadFixtures(b, "noschema", "mssql_02") {
		create = f
	}
	per := updates + 1
	for i := range n {
		id := fmt.Sprintf("job-h%d", i/per)
		v := bytes.ReplaceAll(create.ValueBytes(), []byte(`"job-cdc-2"`), []byte(`"`+id+`"`))
		v = bytes.Replace(v, []byte(`"event_serial_no":"1"`), []byte(fmt.Sprintf(`"event_serial_no":"%d"`, 1+i%per)), 1)
		if i%per > 0 {
			v = bytes.Replace(v, []byte(`"op":"c"`), []byte(`"op":"u"`), 1)
			end := fmt.Sprintf(`"latest_end":%d`, int64(1894035600000000000)-int64(i%per)*60_000_000_000)
			v = bytes.Replace(v, []byte(`"latest_end":1894035600000000000`), []byte(end), 1)
		}
		keys = append(keys, bytes.ReplaceAll(create.KeyBytes(), []byte(`"job-cdc-2"`), []byte(`"`+id+`"`)))
		values = append(values, v)
	}
	return create.Topic, keys, values
}

// cpuTime is the CPU time (user + system) the process used so far: on a
// shared, loaded machine it varies far less than the wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
