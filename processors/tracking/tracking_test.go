package tracking

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lovoo/goka/tester"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

// feed writes records to the tracking inputs (pings and commands logged an
// hour after t0) and, after each, checks that every state the tracking
// table's cache holds is still what its bytes decode to: a handler that
// modified a state it read, or one it wrote, fails the record that did it.
type feed struct {
	t   *testing.T
	tt  *tester.Tester
	cat *topology.Catalog
}

func (f feed) ping(key string, p *codecs.LocationPing) {
	f.consume(key, &codecs.TrackingInput{Ping: p}, tester.WithTime(t0.Add(time.Hour)))
}

func (f feed) command(key string, c *codecs.TrackingCommand) {
	f.consume(key, &codecs.TrackingInput{Command: c}, tester.WithTime(t0.Add(time.Hour)))
}

func (f feed) consume(key string, v any, opts ...tester.EmitOption) {
	f.t.Helper()
	f.tt.Consume(string(topology.TrackingInputsTopic), key, v, opts...)
	require.NoError(f.t, f.cat.Tracking.Cache().Verify(), "after %v", v)
}

func TestGroupJoinsPingsWithTheActiveJob(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	jobs := tt.NewQueueTracker(string(topology.JobCommandsTopic))
	rejects := tt.NewQueueTracker(string(topology.RejectsTopic))
	in := feed{t, tt, cat}

	in.ping("acme/tp", pingAt(0, 12))
	_, _, ok := jobs.Next()
	assert.False(t, ok, "no job is tracked yet")

	in.command("acme/tp", track("j1", t0))
	in.ping("acme/tp", pingAt(time.Minute, 10))
	k, v, ok := jobs.Next()
	require.True(t, ok)
	assert.Equal(t, "acme/j1", k)
	cmd := v.(*codecs.Command)
	assert.Equal(t, codecs.KindETAUpdate, cmd.Kind)
	assert.Equal(t, int32(8), cmd.ETA.Minutes, "13 km by road at the observed 120 km/h clamped to 100: 7.8 min")

	in.ping("acme/tp", pingAt(time.Minute, 10)) // duplicate
	k, v, ok = jobs.Next()
	require.True(t, ok, "a duplicate re-sends the same record")
	assert.Equal(t, cmd, v.(*codecs.Command))
	assert.Equal(t, "acme/j1", k)

	in.ping("acme/tp", pingAt(2*time.Minute, 0.1))
	_, v, ok = jobs.Next()
	require.True(t, ok)
	assert.Equal(t, codecs.KindArrived, v.(*codecs.Command).Kind)

	bad := pingAt(3*time.Minute, 0)
	bad.Lon = 200
	in.ping("acme/tp", bad)
	k, v, ok = rejects.Next()
	require.True(t, ok)
	assert.Equal(t, "acme", k)
	assert.Equal(t, "lon must be within ±180", v.(*codecs.Rejection).Reason)

	in.command("acme/tp", untrack("j1"))
	st := tt.TableValue(cat.Tracking.Topic, "acme/tp").(*codecs.TrackingState)
	assert.Nil(t, st.Active)
	assert.Equal(t, t0.Add(2*time.Minute), st.Last.At, "the invalid ping did not move the tradesperson")
	_, _, ok = jobs.Next()
	assert.False(t, ok)
}

func TestGarbageAndEmptyInputsBecomeDeadLetters(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	in := feed{t, tt, cat}
	dlq := tt.NewQueueTracker(string(topology.DeadLettersTopic))
	topic := string(topology.TrackingInputsTopic)
	in.consume("acme/tp", []byte("not avro"))
	_, v, ok := dlq.Next()
	require.True(t, ok)
	assert.Equal(t, topic, v.(*codecs.DeadLetter).Topic)

	for _, bad := range []*codecs.TrackingInput{{}, {Ping: pingAt(0, 1), Command: track("j1", t0)}} {
		in.consume("acme/tp", bad, tester.WithTime(t0))
		_, v, ok = dlq.Next()
		require.True(t, ok)
		assert.Equal(t, ErrNotOneInput.Error(), v.(*codecs.DeadLetter).Error)
	}
	assert.Nil(t, tt.TableValue(cat.Tracking.Topic, "acme/tp"), "neither changed the state")
}

// TestAPingIsJudgedByItsTimeOnTheLog: the same ping is valid or from the
// future depending on its record's timestamp alone (no clock is read, so a
// replay decides as the live run did); a record without a timestamp is
// rejected.
func TestAPingIsJudgedByItsTimeOnTheLog(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	in := feed{t, tt, cat}
	rejects := tt.NewQueueTracker(string(topology.RejectsTopic))
	ping := pingAt(10*time.Minute, 5)

	in.consume("acme/tp", &codecs.TrackingInput{Ping: ping}, tester.WithTime(t0))
	_, v, ok := rejects.Next()
	require.True(t, ok, "10 minutes ahead of its record")
	r := v.(*codecs.Rejection)
	assert.Equal(t, "at is more than 5m0s in the future", r.Reason)
	assert.Equal(t, t0, r.At, "the rejection is dated by the log")
	assert.Nil(t, tt.TableValue(cat.Tracking.Topic, "acme/tp"))

	in.consume("acme/tp", &codecs.TrackingInput{Ping: ping}, tester.WithTime(t0.Add(6*time.Minute)))
	_, _, ok = rejects.Next()
	assert.False(t, ok, "4 minutes ahead of its record")
	st := tt.TableValue(cat.Tracking.Topic, "acme/tp").(*codecs.TrackingState)
	assert.Equal(t, ping.At, st.Last.At)

	in.consume("acme/tp", &codecs.TrackingInput{Ping: pingAt(11*time.Minute, 5)})
	_, v, ok = rejects.Next()
	require.True(t, ok)
	assert.Contains(t, v.(*codecs.Rejection).Reason, "no time on the log")
	assert.Equal(t, t0.Add(11*time.Minute), v.(*codecs.Rejection).At, "dated by the ping when the log has no time")
}
