package matching

import (
	"testing"
	"time"

	"github.com/lovoo/goka/tester"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

func TestAPostedJobIsOfferedToItsCellsBestAndTheJobLearnsWho(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	notes := tt.NewQueueTracker(string(topology.NotificationsTopic))
	toJobs := tt.NewQueueTracker(string(topology.JobCommandsTopic))
	key := registerTwo(tt)
	ev := &codecs.MatchEvent{Kind: codecs.MatchJob, TenantID: "acme", Job: job(51.5, -0.12, monday.Add(9*time.Hour), 4, 60)}
	tt.Consume(string(topology.MatchEventsTopic), key, ev)
	tt.Consume(string(topology.MatchEventsTopic), key, ev) // redelivered

	var got []string
	for {
		k, v, ok := notes.Next()
		if !ok {
			break
		}
		n := v.(*codecs.Notification)
		assert.Equal(t, "job_offer", n.Kind)
		got = append(got, k+" "+n.ID)
	}
	assert.Equal(t, []string{"acme/tradesperson:tp1 offer-j1-tp1", "acme/tradesperson:tp2 offer-j1-tp2",
		"acme/tradesperson:tp1 offer-j1-tp1", "acme/tradesperson:tp2 offer-j1-tp2"}, got,
		"a redelivery sends the same notification ids, which the notifications group keeps once")
	_, v, ok := toJobs.Next()
	require.True(t, ok)
	assert.Equal(t, []string{"tp1", "tp2"}, v.(*codecs.Command).Candidates)
}

func TestAJobIsNotOfferedToATradespersonWhoseCalendarIsFull(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	notes := tt.NewQueueTracker(string(topology.NotificationsTopic))
	key := registerTwo(tt)
	j := job(51.5, -0.12, monday.Add(9*time.Hour), 4, 60)
	tt.SetTableValue(cat.Calendars.Topic, "acme/tp1", &codecs.Calendar{TenantID: "acme", TradespersonID: "tp1",
		Appointments: []codecs.CalendarAppointment{{JobID: "other", Start: j.Window.EarliestStart, End: j.Window.LatestEnd, Location: j.Location}}})
	tt.SetTableValue(cat.Calendars.Topic, "other-tenant/tp2", &codecs.Calendar{TenantID: "other-tenant", TradespersonID: "tp2",
		Appointments: []codecs.CalendarAppointment{{JobID: "other", Start: j.Window.EarliestStart, End: j.Window.LatestEnd, Location: j.Location}}})
	tt.Consume(string(topology.MatchEventsTopic), key, &codecs.MatchEvent{Kind: codecs.MatchJob, TenantID: "acme", Job: j})

	var got []string
	for {
		k, _, ok := notes.Next()
		if !ok {
			break
		}
		got = append(got, k)
	}
	assert.Equal(t, []string{"acme/tradesperson:tp2"}, got,
		"tp1 is booked for the whole window; another tenant's calendar of a tp2 does not count")
}

// registerTwo puts plumbers tp1 and tp2 (about 1 km further) into the cell
// of 51.5,-0.12 and returns its key.
func registerTwo(tt *tester.Tester) string {
	key := "acme/plumber/515:-2"
	for i, id := range []string{"tp1", "tp2"} {
		m := member(id, 51.5+float64(i)*0.01, -0.12, 20, 0, 0)
		tt.Consume(string(topology.MatchEventsTopic), key, &codecs.MatchEvent{Kind: codecs.MatchMember, TenantID: "acme",
			TradespersonID: id, Seq: 1, Member: &m})
	}
	return key
}
