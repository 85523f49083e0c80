package tradespeople

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

func TestEveryProfileChangeFeedsTheCalendarAndARedeliveryFeedsItAgain(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	cal := tt.NewQueueTracker(string(topology.CalendarCommandsTopic))
	in := string(topology.TradespersonCommandsTopic)
	tt.Consume(in, "acme/tp1", upsert(1, false))
	tt.Consume(in, "acme/tp1", upsert(1, false)) // redelivered
	tt.Consume(in, "acme/tp1", upsert(2, true))

	var got []*codecs.CalendarRequest
	for {
		k, v, ok := cal.Next()
		if !ok {
			break
		}
		assert.Equal(t, "acme/tp1", k)
		got = append(got, v.(*codecs.CalendarRequest))
	}
	require.Len(t, got, 3)
	assert.Equal(t, codecs.CalendarProfile, got[0].Kind)
	assert.Equal(t, DefaultWorkingHours(), got[0].Profile.WorkingHours)
	assert.True(t, got[0].Profile.Active)
	assert.Equal(t, got[0], got[1], "the same profile, with the same sequence number")
	assert.True(t, got[2].Profile.Removed)
	assert.Equal(t, int64(2), got[2].Profile.Seq)
}
