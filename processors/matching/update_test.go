package matching

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tradestream/tradestream/codecs"
)

func TestAnUpdateWithTheProfileTheCellHoldsChangesNothing(t *testing.T) {
	m := member("tp1", 51.5, -0.12, 20, 0, 0)
	m.Seq = 3
	cell, changed := Update(codecs.MatchCell{}, &codecs.MatchEvent{Kind: codecs.MatchMember, TradespersonID: "tp1", Seq: 3, Member: &m})
	assert.True(t, changed)
	same := m
	_, changed = Update(cell, &codecs.MatchEvent{Kind: codecs.MatchMember, TradespersonID: "tp1", Seq: 3, Member: &same})
	assert.False(t, changed, "the same profile again (a replay) releases nothing")
	rated := m
	rated.RatingCount = 1
	next, changed := Update(cell, &codecs.MatchEvent{Kind: codecs.MatchMember, TradespersonID: "tp1", Seq: 3, Member: &rated})
	assert.True(t, changed, "same sequence number, other content: applied")
	assert.Equal(t, int64(1), next.Members[0].RatingCount)
	_, changed = Update(cell, &codecs.MatchEvent{Kind: codecs.MatchRemove, TradespersonID: "tp1", Seq: 3})
	assert.True(t, changed, "a removal at the same sequence number still removes")
}
