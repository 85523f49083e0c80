package ingest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

func TestIngestRoutesInAcceptedOrderAcrossJobs(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	out := tt.NewQueueTracker(string(topology.JobCommandsTopic))
	for i := range 6 {
		c := cancel(fmt.Sprintf("c%d", i), "", t0)
		c.JobID = fmt.Sprintf("j%d", i%3)
		tt.Consume(string(topology.CommandsTopic), "acme", c)
	}
	dup := cancel("c-dup", "same-key", t0)
	tt.Consume(string(topology.CommandsTopic), "acme", dup)
	tt.Consume(string(topology.CommandsTopic), "acme", dup)

	var last int64
	for i := range 7 {
		k, v, ok := out.Next()
		require.True(t, ok, "command %d routed", i)
		c := v.(*codecs.Command)
		assert.Equal(t, "acme/"+c.JobID, k)
		assert.Greater(t, c.Seq, last, "sequence numbers increase in accepted order")
		last = c.Seq
	}
	_, _, ok := out.Next()
	assert.False(t, ok, "the repeated idempotency key is not routed twice")
}

func TestCommandUnderAnotherTenantsKeyIsADeadLetter(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	dlq := tt.NewQueueTracker(string(topology.DeadLettersTopic))
	tt.Consume(string(topology.CommandsTopic), "globex", cancel("c1", "", t0))
	_, v, ok := dlq.Next()
	require.True(t, ok)
	assert.Contains(t, v.(*codecs.DeadLetter).Error, "tenant")
}

func TestAPaymentEventIsRoutedThroughItsJob(t *testing.T) {
	pay := &codecs.Command{TenantID: "acme", JobID: "j1", PaymentID: "p1", Kind: codecs.KindPaymentEvent}
	owner, key := Route(pay)
	assert.Equal(t, Jobs, owner)
	assert.Equal(t, "acme/j1", key)
	noJob := *pay
	noJob.JobID = ""
	owner, key = Route(&noJob)
	assert.Equal(t, Payments, owner, "without a job it goes straight to payments, which reject it")
	assert.Equal(t, "acme/p1", key)
	noPayment := *pay
	noPayment.PaymentID = ""
	owner, _ = Route(&noPayment)
	assert.Equal(t, NoOwner, owner)
}
