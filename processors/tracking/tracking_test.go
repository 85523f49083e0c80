package tracking

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

func TestGroupJoinsPingsWithTheActiveJob(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, DefineWith(cat, Config{Now: func() time.Time { return t0.Add(time.Hour) }}))
	jobs := tt.NewQueueTracker(string(topology.JobCommandsTopic))
	rejects := tt.NewQueueTracker(string(topology.RejectsTopic))
	locations, commands := string(topology.LocationsTopic), string(topology.TrackingCommandsTopic)

	tt.Consume(locations, "acme/tp", pingAt(0, 12))
	_, _, ok := jobs.Next()
	assert.False(t, ok, "no job is tracked yet")

	tt.Consume(commands, "acme/tp", track("j1", t0))
	tt.Consume(locations, "acme/tp", pingAt(time.Minute, 10))
	k, v, ok := jobs.Next()
	require.True(t, ok)
	assert.Equal(t, "acme/j1", k)
	cmd := v.(*codecs.Command)
	assert.Equal(t, codecs.KindETAUpdate, cmd.Kind)
	assert.Equal(t, int32(8), cmd.ETA.Minutes, "13 km by road at the observed 120 km/h clamped to 100: 7.8 min")

	tt.Consume(locations, "acme/tp", pingAt(time.Minute, 10)) // duplicate
	k, v, ok = jobs.Next()
	require.True(t, ok, "a duplicate re-sends the same record")
	assert.Equal(t, cmd, v.(*codecs.Command))
	assert.Equal(t, "acme/j1", k)

	tt.Consume(locations, "acme/tp", pingAt(2*time.Minute, 0.1))
	_, v, ok = jobs.Next()
	require.True(t, ok)
	assert.Equal(t, codecs.KindArrived, v.(*codecs.Command).Kind)

	bad := pingAt(3*time.Minute, 0)
	bad.Lon = 200
	tt.Consume(locations, "acme/tp", bad)
	k, v, ok = rejects.Next()
	require.True(t, ok)
	assert.Equal(t, "acme", k)
	assert.Equal(t, "lon must be within ±180", v.(*codecs.Rejection).Reason)

	tt.Consume(commands, "acme/tp", untrack("j1"))
	st := tt.TableValue(cat.Tracking.Topic, "acme/tp").(*codecs.TrackingState)
	assert.Nil(t, st.Active)
	assert.Equal(t, t0.Add(2*time.Minute), st.Last.At, "the invalid ping did not move the tradesperson")
	_, _, ok = jobs.Next()
	assert.False(t, ok)
}

func TestGarbagePingsBecomeDeadLetters(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	dlq := tt.NewQueueTracker(string(topology.DeadLettersTopic))
	tt.Consume(string(topology.LocationsTopic), "acme/tp", []byte("not avro"))
	_, v, ok := dlq.Next()
	require.True(t, ok)
	assert.Equal(t, string(topology.LocationsTopic), v.(*codecs.DeadLetter).Topic)
}
