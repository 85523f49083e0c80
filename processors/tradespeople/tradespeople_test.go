package tradespeople

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/cdcmark"
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

func TestIndexUpdatesMoveATradespersonBetweenCells(t *testing.T) {
	before, _ := Apply(nil, upsert(1, false))
	before.Base = codecs.GeoPoint{Lat: 51.5, Lon: -0.1}
	before.RadiusKm = 5
	moved := *before
	moved.Base = codecs.GeoPoint{Lat: 53.48, Lon: -2.24} // London to Manchester
	moved.Trades = []string{"plumber", "hvac"}
	ups := IndexUpdates("acme", "tp1", 2, before, &moved)
	members, removals := 0, 0
	for _, u := range ups {
		switch u.Event.Kind {
		case codecs.MatchMember:
			members++
			assert.Contains(t, u.Key, "/53", "members go to Manchester cells: %s", u.Key)
		case codecs.MatchRemove:
			removals++
			assert.Contains(t, u.Key, "acme/plumber/51", "removals leave London cells: %s", u.Key)
		}
	}
	assert.Positive(t, members)
	assert.Positive(t, removals)
	assert.Zero(t, members%2, "each covered cell for each of two trades")

	same := IndexUpdates("acme", "tp1", 3, &moved, &moved)
	for _, u := range same {
		assert.Equal(t, codecs.MatchMember, u.Event.Kind, "an unchanged coverage removes nothing")
	}
}

func TestPreviousCoverageIsKeptForRedelivery(t *testing.T) {
	first, _ := Apply(nil, upsert(1, false))
	assert.Nil(t, Previous(first))
	second, _ := Apply(first, upsert(2, false))
	prev := Previous(second)
	require.NotNil(t, prev)
	assert.Equal(t, first.Base, prev.Base)
	assert.Equal(t, first.Trades, prev.Trades)
}

func TestACDCUpsertSentAgainHasNoSecondEffect(t *testing.T) {
	cdc := func(seq int64, removed bool, position string) *codecs.Command {
		c := upsert(seq, removed)
		c.Source, c.CDCMark = codecs.SourceCDC, cdcmark.Of("legacy.public.tradespeople", position, 0)
		return c
	}
	tp, _ := Apply(nil, cdc(1, false, "pg:1"))
	require.NotNil(t, tp)
	again, del := Apply(tp, cdc(7, false, "pg:1"))
	assert.Nil(t, again, "sent again by the cdc group with a new seq: no effect")
	assert.False(t, del)
	next, _ := Apply(tp, cdc(8, false, "pg:2"))
	require.NotNil(t, next)
	assert.Equal(t, []string{"legacy.public.tradespeople pg:2/0000"}, next.CDCMarks)
	stale, _ := Apply(next, cdc(9, false, "pg:1"))
	assert.Nil(t, stale, "an older change sent again")
	http, _ := Apply(next, upsert(10, false))
	assert.Equal(t, next.CDCMarks, http.CDCMarks, "an API update keeps the marks")
	_, del = Apply(http, cdc(11, true, "pg:2"))
	assert.False(t, del, "a removal sent again after a later update of the same source: no effect")
	_, del = Apply(http, cdc(12, true, "pg:3"))
	assert.True(t, del)
}
