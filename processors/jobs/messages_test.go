package jobs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

func messageCmd(seq int64, job string) *codecs.Command {
	return &codecs.Command{CommandID: "c-msg", TenantID: "acme", JobID: job, Kind: codecs.KindPostMessage, Seq: seq,
		AcceptedAt: t0, PostMessage: &codecs.PostMessage{From: codecs.FromCustomer, Text: "hello"}}
}

func TestGateMessage(t *testing.T) {
	posted := &codecs.Job{ID: "j1", PostedSeq: 10}
	cases := []struct {
		name  string
		job   *codecs.Job
		seq   int64
		relay bool
		code  string
	}{
		{"on a posted job", posted, 11, true, ""},
		{"on an unknown job", nil, 11, false, CodeNotFound},
		{"sent before the job was posted (a redelivery)", posted, 9, false, CodeNotFound},
		{"on a job posted before posted_seq was kept", &codecs.Job{ID: "j1"}, 1, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			relay, rej := GateMessage(tc.job, messageCmd(tc.seq, "j1"))
			assert.Equal(t, tc.relay, relay)
			if tc.code == "" {
				assert.Nil(t, rej)
			} else {
				require.NotNil(t, rej)
				assert.Equal(t, tc.code, rej.Code)
				assert.Contains(t, rej.Reason, "j1")
			}
		})
	}
}

func TestMessagesAreRelayedInOrderWithoutChangingTheJob(t *testing.T) {
	tt, cat := newTester(t)
	out := tt.NewQueueTracker(string(topology.ConversationCommandsTopic))
	rejects := tt.NewQueueTracker(string(topology.RejectsTopic))
	in := string(topology.JobCommandsTopic)

	tt.Consume(in, "acme/j2", messageCmd(1, "j2"))
	tt.Consume(in, "acme/j1", postCmd(2))
	before, ok := tt.TableValue(cat.Jobs.Topic, "acme/j1").(*codecs.Job)
	require.True(t, ok)
	assert.Equal(t, int64(2), before.PostedSeq)
	tt.Consume(in, "acme/j1", messageCmd(3, "j1"))
	tt.Consume(in, "acme/j1", messageCmd(4, "j1"))

	for _, seq := range []int64{3, 4} {
		k, v, ok := out.Next()
		require.True(t, ok)
		assert.Equal(t, "acme/j1", k)
		assert.Equal(t, seq, v.(*codecs.Command).Seq)
	}
	_, _, ok = out.Next()
	assert.False(t, ok)
	after := tt.TableValue(cat.Jobs.Topic, "acme/j1").(*codecs.Job)
	assert.Equal(t, before.Version, after.Version, "chat does not change the job")

	_, v, ok := rejects.Next()
	require.True(t, ok)
	r := v.(*codecs.Rejection)
	assert.Equal(t, CodeNotFound, r.Code)
	assert.Equal(t, codecs.KindPostMessage, r.Kind)
}

func TestStampPayment(t *testing.T) {
	posted := &codecs.Job{ID: "j1", PostedSeq: 10, Currency: "EUR"}
	pay := func(seq int64) *codecs.Command {
		return &codecs.Command{CommandID: "c-pay", TenantID: "acme", JobID: "j1", PaymentID: "p1", Kind: codecs.KindPaymentEvent,
			Seq: seq, Pricing: &codecs.PricingStamp{TaxBps: 1}, PaymentEvent: &codecs.PaymentEvent{PaymentID: "p1"}}
	}
	cases := []struct {
		name string
		job  *codecs.Job
		seq  int64
		want *codecs.PaymentJob
	}{
		{"on a posted job", posted, 11, &codecs.PaymentJob{Currency: "EUR"}},
		{"on an unknown job", nil, 11, nil},
		{"sent before the job was posted (a redelivery)", posted, 9, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := pay(tc.seq)
			out := StampPayment(tc.job, cmd)
			assert.Equal(t, tc.want, out.PaymentJob)
			assert.Nil(t, out.Pricing, "payments need no pricing")
			assert.NotNil(t, cmd.Pricing, "the command itself is not changed")
			out.PaymentJob, out.Pricing = nil, cmd.Pricing
			assert.Equal(t, cmd, out, "everything else is forwarded as it came")
		})
	}
}

func TestAPaymentEventIsForwardedStampedAndLeavesTheJob(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	payments := tt.NewQueueTracker(string(topology.PaymentCommandsTopic))
	post := postCmd(1)
	tt.Consume(string(topology.JobCommandsTopic), "acme/j1", post)
	before := tt.TableValue(cat.Jobs.Topic, "acme/j1")
	tt.Consume(string(topology.JobCommandsTopic), "acme/j1", &codecs.Command{CommandID: "c-pay", TenantID: "acme", JobID: "j1",
		PaymentID: "p1", Kind: codecs.KindPaymentEvent, Seq: 2, PaymentEvent: &codecs.PaymentEvent{PaymentID: "p1"}})
	k, v, ok := payments.Next()
	require.True(t, ok)
	assert.Equal(t, "acme/p1", k)
	assert.Equal(t, &codecs.PaymentJob{Currency: post.PostJob.Currency}, v.(*codecs.Command).PaymentJob)
	assert.Equal(t, before, tt.TableValue(cat.Jobs.Topic, "acme/j1"), "the job is unchanged")
}
