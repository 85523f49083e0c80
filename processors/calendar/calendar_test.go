package calendar

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

func TestTheGroupAnswersReservesOnTheJobCommandsTopic(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	answers := tt.NewQueueTracker(string(topology.JobCommandsTopic))
	in := string(topology.CalendarCommandsTopic)
	req := reserveReq("j1", 1, at(0, "08:00"), at(0, "17:00"), 60)
	tt.Consume(in, "acme/tp", req) // before the profile: parked
	_, _, ok := answers.Next()
	assert.False(t, ok)
	tt.Consume(in, "acme/tp", profileReq(1, weekdays("08:00", "18:00"), true))
	tt.Consume(in, "acme/tp", req) // redelivered

	var got []string
	for {
		k, v, ok := answers.Next()
		if !ok {
			break
		}
		c := v.(*codecs.Command)
		got = append(got, k+" "+c.CommandID+" "+c.Slot.Start.Format("15:04"))
	}
	assert.Equal(t, []string{"acme/j1 cal-tp-j1-1-confirmed 08:00", "acme/j1 cal-tp-j1-1-confirmed 08:00"}, got)
	cal, ok := tt.TableValue(cat.Calendars.Topic, "acme/tp").(*codecs.Calendar)
	require.True(t, ok)
	assert.Len(t, cal.Appointments, 1)
}
