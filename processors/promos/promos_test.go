package promos

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

var t0 = time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)

func upsert(seq int64, max int32) *codecs.Command {
	return &codecs.Command{CommandID: "c-upsert", TenantID: "acme", PromoCode: "SPRING", Kind: codecs.KindUpsertPromo,
		Seq: seq, AcceptedAt: t0, UpsertPromo: &codecs.UpsertPromo{Code: "SPRING", PercentOff: new(int32),
			ValidFrom: t0, ValidTo: t0.Add(24 * time.Hour), MaxRedemptions: &max, Active: true}}
}

func internal(kind, job string) *codecs.Command {
	return &codecs.Command{CommandID: "c-" + kind + "-" + job, TenantID: "acme", PromoCode: "SPRING", JobID: job,
		Kind: kind, AcceptedAt: t0, Source: codecs.SourceInternal}
}

func TestRedemptionsStopExactlyAtTheMaximumAndCountEachJobOnce(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	toJobs := tt.NewQueueTracker(string(topology.JobCommandsTopic))
	tt.Consume(string(topology.PromoCommandsTopic), "acme/SPRING", upsert(1, 2))
	for _, job := range []string{"j1", "j1", "j2", "j1", "j3", "j2", "j4"} { // redeliveries and a race
		tt.Consume(string(topology.PromoCommandsTopic), "acme/SPRING", internal(codecs.KindRedeemPromo, job))
	}
	p := tt.TableValue(cat.Promos.Topic, "acme/SPRING").(*codecs.Promo)
	assert.Equal(t, []string{"j1", "j2"}, p.Redeemed)
	var refused []string
	for {
		k, v, ok := toJobs.Next()
		if !ok {
			break
		}
		require.Equal(t, codecs.KindPromoRefused, v.(*codecs.Command).Kind)
		refused = append(refused, k)
	}
	assert.Equal(t, []string{"acme/j3", "acme/j4"}, refused)
}

func TestAChangedPromoRepricesTheOpenQuotesUsingIt(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	toJobs := tt.NewQueueTracker(string(topology.JobCommandsTopic))
	tt.Consume(string(topology.PromoCommandsTopic), "acme/SPRING", upsert(1, 10))
	for i := range 3 {
		tt.Consume(string(topology.PromoCommandsTopic), "acme/SPRING", internal(codecs.KindTrackOpenJob, fmt.Sprint("j", i)))
	}
	tt.Consume(string(topology.PromoCommandsTopic), "acme/SPRING", internal(codecs.KindUntrackOpenJob, "j1"))
	tt.Consume(string(topology.PromoCommandsTopic), "acme/SPRING", upsert(5, 20))
	var keys []string
	for {
		k, v, ok := toJobs.Next()
		if !ok {
			break
		}
		c := v.(*codecs.Command)
		require.Equal(t, codecs.KindReprice, c.Kind)
		require.NotNil(t, c.Promo)
		assert.Equal(t, int32(20), *c.Promo.MaxRedemptions)
		keys = append(keys, k)
	}
	assert.Equal(t, []string{"acme/j0", "acme/j2"}, keys)
}

func TestAJobsCommandPassesThroughStampedWithTheCodesState(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	toJobs := tt.NewQueueTracker(string(topology.JobCommandsTopic))
	bid := &codecs.Command{CommandID: "c-bid", TenantID: "acme", JobID: "j1", Kind: codecs.KindSubmitBid, Seq: 7,
		SubmitBid: &codecs.SubmitBid{BidID: "b1", Lines: []codecs.QuoteLine{}}}
	tt.Consume(string(topology.PromoCommandsTopic), "acme/SPRING", bid)
	tt.Consume(string(topology.PromoCommandsTopic), "acme/SPRING", upsert(8, 2))
	tt.Consume(string(topology.PromoCommandsTopic), "acme/SPRING", internal(codecs.KindTrackOpenJob, "j1"))
	tt.Consume(string(topology.PromoCommandsTopic), "acme/SPRING", bid)

	k, v, ok := toJobs.Next()
	require.True(t, ok)
	assert.Equal(t, "acme/j1", k)
	before := v.(*codecs.Command)
	assert.True(t, before.PromoChecked)
	assert.Nil(t, before.Promo, "the code did not exist yet")
	assert.Equal(t, bid.SubmitBid, before.SubmitBid)
	assert.Equal(t, int64(7), before.Seq)
	_, v, ok = toJobs.Next()
	require.True(t, ok)
	after := v.(*codecs.Command)
	require.NotNil(t, after.Promo)
	assert.True(t, after.Promo.Active)
	assert.Empty(t, after.Promo.OpenJobs, "the stamp leaves the open jobs out")
	assert.Equal(t, []string{"j1"}, tt.TableValue(cat.Promos.Topic, "acme/SPRING").(*codecs.Promo).OpenJobs,
		"and the table keeps them")
	assert.False(t, bid.PromoChecked, "the consumed command is not changed")
}

func TestOnlyJobCommandsPassThrough(t *testing.T) {
	assert.False(t, PassesThrough(upsert(1, 1)))
	for _, k := range []string{codecs.KindRedeemPromo, codecs.KindTrackOpenJob, codecs.KindUntrackOpenJob} {
		assert.False(t, PassesThrough(internal(k, "j1")), k)
	}
	assert.True(t, PassesThrough(&codecs.Command{Kind: codecs.KindAcceptBid, JobID: "j1"}))
	assert.False(t, PassesThrough(&codecs.Command{Kind: codecs.KindAcceptBid}), "no job to go to")
}
