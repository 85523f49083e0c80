package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// inputTopics maps every input stream of every processor group to the
// groups consuming it, from the group graphs: new groups and topics are
// covered without changing the test.
func inputTopics(t *testing.T, cat *topology.Catalog) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, n := range groupNames() {
		g := groups[n](cat)
		for _, e := range g.InputStreams() {
			out[e.Topic()] = append(out[e.Topic()], string(g.Group()))
		}
		if l := g.LoopStream(); l != nil {
			out[l.Topic()] = append(out[l.Topic()], string(g.Group()))
		}
	}
	return out
}

// garbage returns a record no input can decode: random bytes, bytes in the
// registry wire format with an unknown schema id, valid records cut short,
// JSON that is not what the topic carries.
func garbage(rng *rand.Rand, valid [][]byte) []byte {
	switch rng.IntN(5) {
	case 0: // random bytes, never the wire format's magic byte first
		b := make([]byte, 1+rng.IntN(64))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		b[0] |= 1
		return b
	case 1: // the wire format with a schema id no registry has
		b := []byte{codecs.MagicByte, 0x7f, 0xff, byte(rng.IntN(256)), byte(rng.IntN(256))}
		return append(b, byte(rng.IntN(256)), byte(rng.IntN(256)))
	case 2, 3: // a valid record cut short
		v := valid[rng.IntN(len(valid))]
		return append([]byte(nil), v[:1+rng.IntN(len(v)-1)]...)
	default: // text
		texts := []string{`{"not": "what this topic carries"}`, `[1, 2, 3]`, `null`, "42", `"a string"`,
			`{"payload": {"op": "x"}}`, "\x00", "hello"}
		return []byte(texts[rng.IntN(len(texts))])
	}
}

// sentRecord is where a garbage record landed.
type sentRecord struct {
	group, topic string
	partition    int32
	offset       int64
}

func (s sentRecord) String() string {
	return fmt.Sprintf("%s %s/%d@%d", s.group, s.topic, s.partition, s.offset)
}

// TestGarbageOnEveryInputIsDeadLetteredAndValidTrafficGoesOn sends 10 000
// garbage records spread over every input topic of every group while valid
// commands go through the API: no processor stops, every garbage record is
// dead-lettered exactly once per consuming group, matched by its source
// topic, partition and offset headers, with a reason, and every valid
// command reaches the views.
func TestGarbageOnEveryInputIsDeadLetteredAndValidTrafficGoesOn(t *testing.T) {
	const total = 10_000
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	cat := testCatalog(t, env)
	inputs := inputTopics(t, cat)
	var topics []string
	for tp := range inputs {
		topics = append(topics, tp)
	}
	sort.Strings(topics)
	t.Logf("%d input topics: %s", len(topics), strings.Join(topics, ", "))
	for _, s := range cat.Specs() { // the CDC topics, the command topics and the tracking inputs are inputs
		if strings.HasSuffix(s.Name, "commands") || strings.HasSuffix(s.Name, "inputs") || s.Owner == topology.ExternalOwner {
			require.Contains(t, inputs, s.Name)
		}
	}
	var valid [][]byte
	for i := range 8 {
		b, err := cat.Commands.Avro.Marshal(&codecs.Command{CommandID: fmt.Sprint("v", i), TenantID: "acme",
			Kind: codecs.KindPostJob, JobID: fmt.Sprint("j", i), AcceptedAt: time.Now().UTC()})
		require.NoError(t, err)
		valid = append(valid, b)
	}
	valid = append(valid, []byte(`{"before": null, "after": {"id": 1, "name": "x"}, "op": "c", "ts_ms": 1}`))

	// Valid traffic through the API while the garbage is produced.
	var wg sync.WaitGroup
	var posted []string
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 60 {
			tp := map[string]any{"id": fmt.Sprint("tp", i), "name": "Ana", "trades": []string{"plumber"},
				"base": map[string]any{"lat": 51.5, "lon": -0.12}, "radius_km": 20}
			if st, err := postQuiet(in.url+"/v1/tenants/acme/tradespeople", tp); err != nil || st != http.StatusAccepted {
				t.Errorf("tradesperson %d: %d %v", i, st, err)
				return
			}
			id := fmt.Sprint("job", i)
			if st, err := postQuiet(in.url+"/v1/tenants/acme/jobs", jobBody(id, 7+i%5)); err != nil || st != http.StatusAccepted {
				t.Errorf("job %d: %d %v", i, st, err)
				return
			}
			posted = append(posted, id)
			time.Sleep(20 * time.Millisecond)
		}
	}()

	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_1_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	producer, err := sarama.NewSyncProducer(strings.Split(env.brokers, ","), cfg)
	require.NoError(t, err)
	defer producer.Close()
	rng := rand.New(rand.NewPCG(9, 9))
	want := map[string]int{}
	perTopic := map[string]int{}
	for sent := 0; sent < total; {
		batch := make([]*sarama.ProducerMessage, 0, 500)
		for ; len(batch) < 500 && sent < total; sent++ {
			tp := topics[sent%len(topics)] // every topic gets its share
			batch = append(batch, &sarama.ProducerMessage{Topic: tp, Partition: int32(rng.IntN(12)),
				Key: sarama.StringEncoder(fmt.Sprint("acme/garbage-", sent)), Value: sarama.ByteEncoder(garbage(rng, valid))})
		}
		require.NoError(t, producer.SendMessages(batch))
		for _, m := range batch {
			perTopic[m.Topic]++
			for _, g := range inputs[m.Topic] {
				want[sentRecord{g, m.Topic, m.Partition, m.Offset}.String()]++
			}
		}
	}
	wg.Wait()
	t.Logf("garbage per topic: %v", perTopic)
	wantTotal := 0
	for _, n := range want {
		wantTotal += n
	}

	// Every garbage record dead-lettered once per consuming group, nothing else.
	dlq := string(cat.DeadLetters.Topic)
	var got map[string]int
	var reasons map[string]int
	eventually(t, 120*time.Second, func() bool {
		msgs := readAll(t, env.brokers, dlq)
		if len(msgs) < wantTotal {
			return false
		}
		got, reasons = map[string]int{}, map[string]int{}
		for _, m := range msgs {
			h := headerMap(m)
			p, _ := strconv.ParseInt(h["source.partition"], 10, 32)
			off, _ := strconv.ParseInt(h["source.offset"], 10, 64)
			d, err := cat.DeadLetters.Avro.Unmarshal(m.Value)
			require.NoError(t, err)
			require.NotEmpty(t, h["error"], "a reason")
			assert.Equal(t, h["error"], d.Error)
			got[sentRecord{d.Group, h["source.topic"], int32(p), off}.String()]++
			reasons[reasonClass(d.Error, env.prefix)]++
		}
		return true
	}, "%d dead letters", wantTotal)
	t.Logf("%d garbage records, %d dead letters; reasons: %v", total, wantTotal, reasons)
	for k, n := range got {
		if want[k] != n {
			t.Errorf("dead letter %s: %d times, want %d", k, n, want[k])
		}
	}
	for k := range want {
		if got[k] == 0 {
			t.Errorf("garbage %s was not dead-lettered", k)
		}
	}

	// No processor stopped, and the valid traffic reached the views.
	for i, p := range in.app.procs {
		select {
		case <-p.Done():
			t.Fatalf("%s stopped: %v", in.app.procNames[i], p.Error())
		default:
		}
	}
	require.Len(t, posted, 60)
	for i, id := range posted {
		in.waitJob(t, "acme", id, func(j *codecs.Job) bool { return len(j.OfferedTo) > 0 }, "posted and offered")
		in.waitTradesperson(t, "acme", fmt.Sprint("tp", i), func(tp *codecs.Tradesperson) bool { return tp != nil }, "registered")
	}
	st, _ := in.post(t, "/v1/tenants/acme/jobs/job0/cancel", map[string]any{"reason": "after the garbage"})
	require.Equal(t, http.StatusAccepted, st)
	in.waitJob(t, "acme", "job0", func(j *codecs.Job) bool { return j.Status == "cancelled" }, "cancelled after the garbage")
}

// reasonClass shortens a dead letter's reason for a summary: no prefix, no
// numbers, up to the second colon.
func reasonClass(reason, prefix string) string {
	r := strings.ReplaceAll(reason, prefix, "")
	r = strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' {
			return '#'
		}
		return c
	}, r)
	if parts := strings.SplitN(r, ":", 3); len(parts) == 3 {
		r = parts[0] + ":" + parts[1]
	}
	return r
}
