package tradespeople

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

func rateCmd(job string, stars int32) *codecs.Command {
	return &codecs.Command{CommandID: "rate-" + job, TenantID: "acme", TradespersonID: "tp1", JobID: job,
		Kind: codecs.KindRateTradesperson, Source: codecs.SourceInternal, Feedback: &codecs.GiveFeedback{Rating: stars}}
}

func TestRateCountsEachJobOnce(t *testing.T) {
	tp, _ := Apply(nil, upsert(1, false))
	one := Rate(tp, rateCmd("j1", 5))
	require.NotNil(t, one)
	// (4.0·5 + 5) / (5 + 1) = 25/6
	assert.Equal(t, codecs.Rating{Count: 1, Average: 5, Bayesian: 25.0 / 6, Distribution: []int64{0, 0, 0, 0, 1}}, one.Rating)
	assert.Equal(t, []string{"j1"}, one.RatedJobs)
	assert.Nil(t, Rate(one, rateCmd("j1", 5)), "the same job again: no second effect")
	two := Rate(one, rateCmd("j2", 2))
	require.NotNil(t, two)
	// (20 + 5 + 2) / 7
	assert.Equal(t, codecs.Rating{Count: 2, Average: 3.5, Bayesian: 27.0 / 7, Distribution: []int64{0, 1, 0, 0, 1}}, two.Rating)
	assert.Equal(t, []int64{0, 0, 0, 0, 1}, one.Rating.Distribution, "Rate does not modify its argument")
}

func TestRatingSurvivesAProfileUpdateAndIsIndexed(t *testing.T) {
	tp, _ := Apply(nil, upsert(1, false))
	rated := Rate(tp, rateCmd("j1", 3))
	updated, _ := Apply(rated, upsert(2, false))
	assert.Equal(t, rated.Rating, updated.Rating)
	assert.Equal(t, rated.RatedJobs, updated.RatedJobs)
	for _, u := range IndexUpdates("acme", "tp1", updated.Seq, updated, updated) {
		assert.Equal(t, int64(1), u.Event.Member.RatingCount)
		assert.Equal(t, 3.0, u.Event.Member.RatingAverage)
	}
}

func TestRateOfAnUnknownTradespersonOrWithoutPayloadIsNothing(t *testing.T) {
	assert.Nil(t, Rate(nil, rateCmd("j1", 5)))
	tp, _ := Apply(nil, upsert(1, false))
	cmd := rateCmd("j1", 5)
	cmd.Feedback = nil
	assert.Nil(t, Rate(tp, cmd))
}

func TestCompleteCountsEachJobOnce(t *testing.T) {
	tp, _ := Apply(nil, upsert(1, false))
	cmd := &codecs.Command{TenantID: "acme", TradespersonID: "tp1", JobID: "j1", Kind: codecs.KindJobCompleted,
		Source: codecs.SourceInternal, Slot: &codecs.Slot{Start: t0, End: t0.Add(time.Hour)}}
	done := Complete(tp, cmd)
	require.NotNil(t, done)
	assert.Equal(t, []codecs.CompletedJob{{JobID: "j1", Start: t0, End: t0.Add(time.Hour)}}, done.CompletedJobs)
	assert.Nil(t, Complete(done, cmd), "a re-send: no second effect")
	assert.Nil(t, Complete(nil, cmd), "unknown tradesperson")
	updated, _ := Apply(done, upsert(2, false))
	assert.Equal(t, done.CompletedJobs, updated.CompletedJobs, "a profile update keeps them")
}
