package payments

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

var (
	t0  = time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	job = &codecs.Job{ID: "j1", TenantID: "acme", Currency: "EUR"}
)

func event(seq int64, ev string, amount int64) *codecs.Command {
	return &codecs.Command{CommandID: "c" + ev, TenantID: "acme", JobID: "j1", PaymentID: "p1", Kind: codecs.KindPaymentEvent,
		Seq: seq, AcceptedAt: t0.Add(time.Duration(seq) * time.Minute),
		PaymentEvent: &codecs.PaymentEvent{PaymentID: "p1", Event: ev, AmountMinor: amount, Currency: "EUR"}}
}

func TestPaymentLifecycle(t *testing.T) {
	p, why := Apply(nil, job, event(1, codecs.PaymentAuthorized, 5000))
	require.Empty(t, why)
	p, why = Apply(p, job, event(2, codecs.PaymentCaptured, 5000))
	require.Empty(t, why)
	again, why := Apply(p, job, event(2, codecs.PaymentCaptured, 5000))
	assert.Nil(t, again, "a redelivery has no effect")
	assert.Empty(t, why)
	p, why = Apply(p, job, event(3, codecs.PaymentSettled, 5000))
	require.Empty(t, why)
	assert.Equal(t, codecs.PaymentSettled, p.State)
}

func TestBadPaymentsAreRejected(t *testing.T) {
	captured, _ := Apply(nil, job, event(1, codecs.PaymentCaptured, 5000))
	usd := event(2, codecs.PaymentCaptured, 10)
	usd.PaymentEvent.Currency = "USD"
	cases := map[string]struct {
		cur  *codecs.Payment
		job  *codecs.Job
		cmd  *codecs.Command
		want string
	}{
		"unknown job":        {nil, nil, event(1, codecs.PaymentAuthorized, 10), "does not exist"},
		"currency mismatch":  {nil, job, usd, "does not match the job's EUR"},
		"negative amount":    {nil, job, event(1, codecs.PaymentAuthorized, -1), "must be positive"},
		"settle unknown":     {nil, job, event(1, codecs.PaymentSettled, 10), "is unknown"},
		"authorize captured": {captured, job, event(2, codecs.PaymentAuthorized, 10), "a captured payment cannot be authorized"},
		"refund too much":    {captured, job, event(2, codecs.PaymentRefunded, 6000), "cannot exceed"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			next, why := Apply(tc.cur, tc.job, tc.cmd)
			assert.Nil(t, next)
			assert.Contains(t, why, tc.want)
		})
	}
}

func TestSettlingAppendsToTheLedgerThenDeletesTheKey(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	ledger := tt.NewQueueTracker(string(topology.PaymentsLedgerTopic))
	for i, ev := range []string{codecs.PaymentAuthorized, codecs.PaymentCaptured} {
		tt.Consume(string(topology.PaymentCommandsTopic), "acme/p1", stamped(event(int64(i+1), ev, 5000)))
	}
	p, ok := tt.TableValue(cat.Payments.Topic, "acme/p1").(*codecs.Payment)
	require.True(t, ok)
	assert.Equal(t, codecs.PaymentCaptured, p.State)

	tt.Consume(string(topology.PaymentCommandsTopic), "acme/p1", stamped(event(3, codecs.PaymentSettled, 5000)))
	assert.Nil(t, tt.TableValue(cat.Payments.Topic, "acme/p1"), "settled payments are deleted")
	var events []string
	for {
		_, v, ok := ledger.Next()
		if !ok {
			break
		}
		events = append(events, v.(*codecs.LedgerEntry).Event)
	}
	assert.Equal(t, []string{codecs.PaymentAuthorized, codecs.PaymentCaptured, codecs.PaymentSettled}, events)
}

// stamped is cmd as the jobs group forwards it for the job j1 in EUR.
func stamped(cmd *codecs.Command) *codecs.Command {
	cmd.PaymentJob = &codecs.PaymentJob{Currency: "EUR"}
	return cmd
}

func TestTheJobIsTheOneStampedOnTheEvent(t *testing.T) {
	assert.Nil(t, JobOf(event(1, codecs.PaymentAuthorized, 10)), "no stamp: the job did not exist")
	assert.Equal(t, job, JobOf(stamped(event(1, codecs.PaymentAuthorized, 10))))
}

func TestAnEventForAJobThatDidNotExistIsRejectedAndNotAppended(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	ledger := tt.NewQueueTracker(string(topology.PaymentsLedgerTopic))
	rejects := tt.NewQueueTracker(string(topology.RejectsTopic))
	tt.Consume(string(topology.PaymentCommandsTopic), "acme/p1", event(1, codecs.PaymentAuthorized, 10))
	_, _, ok := ledger.Next()
	assert.False(t, ok)
	_, v, ok := rejects.Next()
	require.True(t, ok)
	assert.Contains(t, v.(*codecs.Rejection).Reason, "job j1 does not exist")
	assert.Nil(t, tt.TableValue(cat.Payments.Topic, "acme/p1"))
}
