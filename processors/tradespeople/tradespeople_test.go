package tradespeople

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

var t0 = time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)

func upsert(seq int64, removed bool) *codecs.Command {
	return &codecs.Command{TenantID: "acme", TradespersonID: "tp1", Kind: codecs.KindUpsertTradesperson, Seq: seq,
		AcceptedAt: t0.Add(time.Duration(seq) * time.Hour), UpsertTradesperson: &codecs.UpsertTradesperson{
			Name: "Ana", Trades: []string{"plumber"}, RadiusKm: 20, Active: true, Removed: removed}}
}

func TestUpsertKeepsCreationAndRatingAndDefaultsWorkingHours(t *testing.T) {
	tp, del := Apply(nil, upsert(1, false))
	require.NotNil(t, tp)
	assert.False(t, del)
	assert.Len(t, tp.WorkingHours, 5, "Monday to Friday by default")
	tp.Rating = codecs.Rating{Count: 2, Average: 4.5}
	next, _ := Apply(tp, upsert(3, false))
	assert.Equal(t, tp.CreatedAt, next.CreatedAt)
	assert.Equal(t, tp.Rating, next.Rating)
	stale, _ := Apply(next, upsert(2, false))
	assert.Nil(t, stale, "an older command has no effect")
	gone, del := Apply(next, upsert(4, true))
	assert.Nil(t, gone)
	assert.True(t, del)
}
