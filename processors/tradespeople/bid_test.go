package tradespeople

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

func TestABidPassesThroughStampedWithTheProfile(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	toJobs := tt.NewQueueTracker(string(topology.JobCommandsTopic))
	bid := &codecs.Command{CommandID: "c-bid", TenantID: "acme", JobID: "j1", Kind: codecs.KindSubmitBid, Seq: 9,
		SubmitBid: &codecs.SubmitBid{BidID: "b1", TradespersonID: "ana", Lines: []codecs.QuoteLine{}}}
	tt.Consume(string(topology.TradespersonCommandsTopic), "acme/ana", bid)
	tt.SetTableValue(cat.Tradespeople.Topic, "acme/ana", &codecs.Tradesperson{ID: "ana", TenantID: "acme", Active: true,
		Trades: []string{"plumber"}})
	tt.Consume(string(topology.TradespersonCommandsTopic), "acme/ana", bid)

	k, v, ok := toJobs.Next()
	require.True(t, ok)
	assert.Equal(t, "acme/j1", k)
	unknown := v.(*codecs.Command)
	assert.True(t, unknown.BidderChecked)
	assert.Nil(t, unknown.Bidder, "ana did not exist yet")
	assert.Equal(t, int64(9), unknown.Seq)
	_, v, ok = toJobs.Next()
	require.True(t, ok)
	assert.Equal(t, &codecs.BidderStamp{Active: true, Trades: []string{"plumber"}}, v.(*codecs.Command).Bidder)
	assert.False(t, bid.BidderChecked, "the consumed command is not changed")
	assert.Equal(t, "ana", tt.TableValue(cat.Tradespeople.Topic, "acme/ana").(*codecs.Tradesperson).ID, "the profile is unchanged")
}
