package jobs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

func bookedJob() *codecs.Job {
	j := Apply(nil, postCmd(1), Env{}).Job
	tp := "tp1"
	j.Status, j.AssignedTradespersonID = codecs.StatusBooked, &tp
	j.Appointment = &codecs.Appointment{Start: t0.Add(2 * time.Hour), End: t0.Add(3 * time.Hour)}
	return j
}

func etaCmd(d time.Duration, minutes int32) *codecs.Command {
	at := t0.Add(d)
	return &codecs.Command{CommandID: "eta_update-j1-" + at.Format("150405"), TenantID: "acme", JobID: "j1",
		Kind: codecs.KindETAUpdate, AcceptedAt: at, Source: codecs.SourceInternal,
		ETA: &codecs.ETA{Minutes: minutes, DistanceKm: float64(minutes) / 2, UpdatedAt: at,
			Position: &codecs.GeoPoint{Lat: 51.6, Lon: -0.1}}}
}

// messages turns a result's effects into records, as the processor does.
func messages(cmd *codecs.Command, r Result) []Message {
	var out []Message
	for _, e := range r.Effects {
		out = append(out, ScheduleMessages(cmd, r.Job, e)...)
	}
	return out
}

func enRoute(t *testing.T) (*codecs.Job, []Message) {
	t.Helper()
	cmd := statusCmd(2, codecs.StatusEnRoute)
	r := Apply(bookedJob(), cmd, Env{})
	require.Nil(t, r.Rejection)
	return r.Job, messages(cmd, r)
}

func TestEnRouteStartsTrackingTheTradesperson(t *testing.T) {
	_, msgs := enRoute(t)
	require.Len(t, msgs, 1)
	assert.Equal(t, "acme/tp1", msgs[0].Key)
	assert.Equal(t, &codecs.TrackingCommand{CommandID: "track_job-j1", TenantID: "acme", TradespersonID: "tp1",
		Kind: codecs.KindTrackJob, JobID: "j1", Location: codecs.GeoPoint{Lat: 51.5, Lon: -0.1}, At: t0.Add(2 * time.Minute)},
		msgs[0].Tracking)
}

func TestETAsUpdateTheJobAndNotifyTheCustomerOnBigMoves(t *testing.T) {
	j, _ := enRoute(t)
	tests := []struct {
		name    string
		cmd     *codecs.Command
		changed bool
		notice  string // the on_the_way notification id, "" when none
	}{
		{"the first ETA is announced", etaCmd(5*time.Minute, 20), true, "on_the_way-j1-veta1-customer"},
		{"a move of 4 minutes is not", etaCmd(6*time.Minute, 16), true, ""},
		{"an older ETA changes nothing", etaCmd(5*time.Minute+30*time.Second, 3), false, ""},
		{"5 minutes from the announced one is", etaCmd(7*time.Minute, 15), true, "on_the_way-j1-veta2-customer"},
		{"later by 5 is announced too", etaCmd(8*time.Minute, 20), true, "on_the_way-j1-veta3-customer"},
	}
	for _, tc := range tests {
		r := Apply(j, tc.cmd, Env{})
		msgs := messages(tc.cmd, r)
		if !tc.changed {
			assert.Same(t, j, r.Job, tc.name)
			assert.Empty(t, msgs, tc.name)
			continue
		}
		assert.Equal(t, tc.cmd.ETA, r.Job.ETA, tc.name)
		if tc.notice == "" {
			assert.Empty(t, msgs, tc.name)
		} else {
			require.Len(t, msgs, 1, tc.name+": the customer only")
			n := msgs[0].Notification
			assert.Equal(t, tc.notice, n.ID, tc.name)
			assert.Equal(t, "acme/customer:cust", msgs[0].Key)
			assert.Equal(t, codecs.NoticeOnTheWay, n.Kind)
			assert.Contains(t, n.Message, "arriving in about")
			again := Apply(r.Job, tc.cmd, Env{})
			assert.Equal(t, msgs, messages(tc.cmd, again), tc.name+": a redelivery re-sends the same notification")
			assert.Equal(t, r.Job.Version, again.Job.Version, tc.name+": and changes nothing")
		}
		j = r.Job
	}
}

func TestArrivalPutsTheJobOnSiteAtThePingTime(t *testing.T) {
	j, _ := enRoute(t)
	j = Apply(j, etaCmd(5*time.Minute, 10), Env{}).Job
	at := t0.Add(15 * time.Minute)
	cmd := &codecs.Command{CommandID: "arrived-j1-1", TenantID: "acme", JobID: "j1", Kind: codecs.KindArrived,
		AcceptedAt: at, Source: codecs.SourceInternal, SetJobStatus: &codecs.SetJobStatus{Status: codecs.StatusOnSite, At: at}}
	r := Apply(j, cmd, Env{})
	require.Nil(t, r.Rejection)
	assert.Equal(t, codecs.StatusOnSite, r.Job.Status)
	assert.Equal(t, codecs.StatusChange{Status: codecs.StatusOnSite, At: at}, r.Job.StatusHistory[len(r.Job.StatusHistory)-1])
	assert.Nil(t, r.Job.ETA, "the location is not shown once on site")
	msgs := messages(cmd, r)
	require.Len(t, msgs, 2)
	assert.Equal(t, codecs.NoticeArrived, msgs[0].Notification.Kind)
	assert.Equal(t, "acme/customer:cust", msgs[0].Key)
	assert.Equal(t, codecs.KindUntrackJob, msgs[1].Tracking.Kind)
	assert.Equal(t, "acme/tp1", msgs[1].Key)

	again := Apply(r.Job, cmd, Env{})
	assert.Equal(t, r.Job.Version, again.Job.Version, "a redelivered arrival changes nothing")
	late := Apply(r.Job, etaCmd(16*time.Minute, 1), Env{})
	assert.Same(t, r.Job, late.Job, "an ETA after arrival is ignored")
}

func TestTheLocationIsOnlyShownWhileEnRoute(t *testing.T) {
	booked := bookedJob()
	r := Apply(booked, etaCmd(time.Minute, 10), Env{})
	assert.Same(t, booked, r.Job, "a booked job takes no ETA")

	j, _ := enRoute(t)
	j = Apply(j, etaCmd(5*time.Minute, 10), Env{}).Job
	require.NotNil(t, j.ETA.Position)
	for _, status := range []string{codecs.StatusOnSite, codecs.StatusCompleted} {
		cmd := statusCmd(j.Seq+1, status)
		r := Apply(j, cmd, Env{})
		require.Nil(t, r.Rejection)
		j = r.Job
		assert.Nil(t, j.ETA, status)
	}
	j, _ = enRoute(t)
	j = Apply(j, etaCmd(5*time.Minute, 10), Env{}).Job
	cancelled := Apply(j, cancelCmd(j.Seq+1), Env{})
	assert.Nil(t, cancelled.Job.ETA, "cancelled")
	assert.Contains(t, messages(cancelCmd(j.Seq+1), cancelled), Message{To: ToTracking, Key: "acme/tp1",
		Tracking: &codecs.TrackingCommand{CommandID: "untrack_job-j1", TenantID: "acme", TradespersonID: "tp1",
			Kind: codecs.KindUntrackJob, JobID: "j1", Location: j.Location, At: cancelCmd(0).AcceptedAt}})
}
