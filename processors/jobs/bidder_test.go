package jobs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

func TestAdmission(t *testing.T) {
	posted := Apply(nil, postCmd(1), Env{}).Job
	out := clone(posted)
	out.BidderCheck = 5
	checked := func(c *codecs.Command) *codecs.Command { c.BidderChecked = true; return c }
	cases := []struct {
		name   string
		job    *codecs.Job
		parked []*codecs.Command
		cmd    *codecs.Command
		want   Admission
	}{
		{"a post", nil, nil, postCmd(1), Admit},
		{"a bid goes to its bidder", posted, nil, bidCmd(5, "b1", 100), CheckBidder},
		{"a bid without payload is refused at once", posted, nil, &codecs.Command{Kind: codecs.KindSubmitBid, Seq: 5}, Admit},
		{"a cancel", posted, nil, cancelCmd(5), Admit},
		{"a redelivery", posted, nil, bidCmd(1, "b1", 100), Admit},
		{"the bid back", out, []*codecs.Command{bidCmd(5, "b1", 100)}, checked(bidCmd(5, "b1", 100)), Admit},
		{"the bid again while out", out, []*codecs.Command{bidCmd(5, "b1", 100)}, bidCmd(5, "b1", 100), CheckBidder},
		{"a cancel while a bid is out", out, []*codecs.Command{bidCmd(5, "b1", 100)}, cancelCmd(6), Park},
		{"a parked cancel again", out, []*codecs.Command{bidCmd(5, "b1", 100), cancelCmd(6)}, cancelCmd(6), Ignore},
		{"an old redelivery while a bid is out", out, []*codecs.Command{bidCmd(5, "b1", 100)}, postCmd(1), Resend},
		{"an internal command while a bid is out", out, nil, &codecs.Command{Kind: codecs.KindReprice, Source: codecs.SourceInternal}, Admit},
		{"a chat message while a bid is out", out, nil, messageCmd(6, "j1"), Admit},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, AdmissionOf(c.job, c.parked, c.cmd), c.name)
	}
}

func TestBidderOf(t *testing.T) {
	bid := bidCmd(5, "b1", 100)
	bid.BidderChecked = true
	assert.Nil(t, BidderOf(bid), "no stamp: the tradesperson did not exist")
	bid.Bidder = &codecs.BidderStamp{Active: true, Trades: []string{"plumber"}}
	assert.Equal(t, &codecs.Tradesperson{ID: "tp1", TenantID: "acme", Active: true, Trades: []string{"plumber"}}, BidderOf(bid))
	r := Apply(Apply(nil, postCmd(1), Env{}).Job, bid, Env{Tradesperson: nil})
	require.Nil(t, r.Rejection, "the stamp, not the env")
	bid.Bidder.Active = false
	r = Apply(Apply(nil, postCmd(1), Env{}).Job, bid, Env{Tradesperson: plumber})
	require.NotNil(t, r.Rejection)
	assert.Contains(t, r.Rejection.Reason, "is not active")
}

// TestABidGoesThroughItsBidderAndTheCommandsAfterItWait runs the jobs
// group: a bid goes to the tradespeople topic, a cancel sent meanwhile waits,
// and when the bid comes back stamped both are applied in order.
func TestABidGoesThroughItsBidderAndTheCommandsAfterItWait(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	toTP := tt.NewQueueTracker(string(topology.TradespersonCommandsTopic))
	rejects := tt.NewQueueTracker(string(topology.RejectsTopic))
	in := string(topology.JobCommandsTopic)
	tt.Consume(in, "acme/j1", postCmd(1))
	tt.Consume(in, "acme/j1", bidCmd(2, "b1", 100))
	tt.Consume(in, "acme/j1", cancelCmd(3))
	tt.Consume(in, "acme/j1", cancelCmd(3)) // a redelivery while parked
	tt.Consume(in, "acme/j1", bidCmd(2, "b1", 100))
	job := func() *codecs.Job { return tt.TableValue(cat.Jobs.Topic, "acme/j1").(*codecs.Job) }
	assert.Equal(t, codecs.StatusPosted, job().Status, "nothing applied while the bid is out")
	assert.Len(t, job().Parked, 2, "the bid out and the cancel")
	var sent []*codecs.Command
	for {
		k, v, ok := toTP.Next()
		if !ok {
			break
		}
		assert.Equal(t, "acme/tp1", k)
		sent = append(sent, v.(*codecs.Command))
	}
	require.Len(t, sent, 2, "the bid, and again when it came again")

	back := *sent[0]
	back.BidderChecked, back.Bidder = true, &codecs.BidderStamp{Active: true, Trades: []string{"plumber"}}
	tt.Consume(in, "acme/j1", &back)
	j := job()
	assert.Equal(t, codecs.StatusCancelled, j.Status, "the bid, then the cancel")
	require.Len(t, j.Bids, 1)
	assert.Equal(t, int64(3), j.Seq)
	assert.Empty(t, j.Parked)
	assert.Zero(t, j.BidderCheck)
	tt.Consume(in, "acme/j1", &back) // the tradespeople group sent it twice
	assert.Equal(t, j.Version, job().Version)
	_, _, ok := rejects.Next()
	assert.False(t, ok, "nothing refused")
}
