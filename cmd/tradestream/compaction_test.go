package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// TestSettledPaymentsLeaveNothingAfterCompaction settles a payment, runs the
// embedded broker's log compaction, and checks that no record of the key is
// left in the compacted payments table and that an instance rebuilt from
// scratch does not resurrect it.
func TestSettledPaymentsLeaveNothingAfterCompaction(t *testing.T) {
	env := newTestEnv(t)
	if env.emb == nil {
		t.Skip("triggers the embedded broker's compaction")
	}
	in := env.start(t, "a", t.TempDir())
	base := "/v1/tenants/acme"
	st, _ := in.post(t, base+"/jobs", jobBody("j1", 7))
	require.Equal(t, http.StatusAccepted, st)
	in.waitJob(t, "acme", "j1", func(*codecs.Job) bool { return true }, "posted")
	pay := func(id, event string) {
		st, body := in.post(t, base+"/jobs/j1/payments", map[string]any{"payment_id": id, "event": event, "amount_minor": 5000, "currency": "GBP"})
		require.Equal(t, http.StatusAccepted, st, body)
	}
	for _, ev := range []string{"authorized", "captured", "settled"} {
		pay("p-settled", ev)
	}
	eventually(t, 30*time.Second, func() bool { return in.payment(t, "acme", "p-settled") == nil }, "p-settled gone")
	// Like Kafka, compaction never touches a partition's active (last)
	// batch: a later payment on the same partition closes the settled one's.
	open := "p-open"
	for i := 0; topology.Partition("acme/"+open, 12) != topology.Partition("acme/p-settled", 12); i++ {
		open = fmt.Sprint("p-open-", i)
	}
	for _, ev := range []string{"authorized", "captured"} {
		time.Sleep(200 * time.Millisecond) // its own produce batch
		pay(open, ev)
		eventually(t, 30*time.Second, func() bool { p := in.payment(t, "acme", open); return p != nil && p.State == ev }, "%s %s", open, ev)
	}
	require.NoError(t, in.stop())

	cat, err := catalog(env.config(t, "x", ""))
	require.NoError(t, err)
	topic := string(cat.Payments.Topic)
	admin, err := sarama.NewClusterAdmin([]string{env.brokers}, cat.Config().Sarama())
	require.NoError(t, err)
	compact, forever, zero := "compact", "-1", "0"
	require.NoError(t, admin.AlterConfig(sarama.TopicResource, topic, map[string]*string{ // replaces all configs
		"cleanup.policy": &compact, "retention.ms": &forever, "delete.retention.ms": &zero}, false))
	require.NoError(t, admin.Close())
	env.emb.kafka.Compact()

	keys := readKeys(t, env, topic)
	assert.NotContains(t, keys, "acme/p-settled", "no value and no tombstone left for the settled payment")
	assert.Contains(t, keys, "acme/"+open)

	again := env.start(t, "b", t.TempDir())
	assert.Nil(t, again.payment(t, "acme", "p-settled"), "a view rebuilt from scratch does not resurrect it")
	p := again.payment(t, "acme", open)
	require.NotNil(t, p)
	assert.Equal(t, codecs.PaymentCaptured, p.State)
}

// readKeys returns the key of every record in topic.
func readKeys(t *testing.T, env *testEnv, topic string) []string {
	t.Helper()
	client, err := sarama.NewClient([]string{env.brokers}, sarama.NewConfig())
	require.NoError(t, err)
	defer client.Close()
	consumer, err := sarama.NewConsumerFromClient(client)
	require.NoError(t, err)
	defer consumer.Close()
	parts, err := client.Partitions(topic)
	require.NoError(t, err)
	var keys []string
	for _, p := range parts {
		hwm, err := client.GetOffset(topic, p, sarama.OffsetNewest)
		require.NoError(t, err)
		oldest, err := client.GetOffset(topic, p, sarama.OffsetOldest)
		require.NoError(t, err)
		if hwm == oldest {
			continue
		}
		pc, err := consumer.ConsumePartition(topic, p, oldest)
		require.NoError(t, err)
		for m := range pc.Messages() {
			keys = append(keys, string(m.Key))
			if m.Offset >= hwm-1 {
				break
			}
		}
		pc.Close()
	}
	return keys
}
