package jobs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// eventKinds are the job events among effects.
func eventKinds(effects []Effect) []string {
	var out []string
	for _, e := range effects {
		if e.To == ToInsights {
			out = append(out, e.Arg)
		}
	}
	return out
}

func TestJobEventsFollowTheJobsLife(t *testing.T) {
	r := Apply(nil, postCmd(1), Env{})
	assert.Equal(t, []string{codecs.JobEventPosted}, eventKinds(r.Effects))
	assert.Equal(t, &codecs.JobEvent{TenantID: "acme", JobID: "j1", Kind: codecs.JobEventPosted, At: t0},
		JobEventOf(r.Job, codecs.JobEventPosted))

	booked := jobIn(codecs.StatusBooked)
	booked.Appointment = &codecs.Appointment{Start: t0.Add(2 * time.Hour), End: t0.Add(3 * time.Hour)}
	onSite := statusCmd(5, codecs.StatusOnSite)
	onSite.SetJobStatus.At = t0.Add(2*time.Hour + 7*time.Minute)
	r = Apply(booked, onSite, Env{})
	require.Nil(t, r.Rejection)
	assert.Equal(t, []string{codecs.JobEventArrived}, eventKinds(r.Effects))
	assert.Equal(t, &codecs.JobEvent{TenantID: "acme", JobID: "j1", Kind: codecs.JobEventArrived, At: onSite.SetJobStatus.At,
		TradespersonID: "ana", AppointmentStart: t0.Add(2 * time.Hour)}, JobEventOf(r.Job, codecs.JobEventArrived))

	done := statusCmd(6, codecs.StatusCompleted)
	done.SetJobStatus.At = t0.Add(3 * time.Hour)
	r = Apply(r.Job, done, Env{})
	assert.Equal(t, []string{codecs.JobEventCompleted}, eventKinds(r.Effects))
	assert.Equal(t, &codecs.JobEvent{TenantID: "acme", JobID: "j1", Kind: codecs.JobEventCompleted, At: t0.Add(3 * time.Hour),
		TradespersonID: "ana", OnSiteAt: onSite.SetJobStatus.At}, JobEventOf(r.Job, codecs.JobEventCompleted))

	again := Apply(r.Job, done, Env{})
	assert.Equal(t, []string{codecs.JobEventCompleted}, eventKinds(again.Effects), "a redelivery re-sends the same event")

	c := Apply(jobIn(codecs.StatusPosted), cancelCmd(7), Env{})
	assert.Equal(t, []string{codecs.JobEventCancelled}, eventKinds(c.Effects))
	assert.Equal(t, cancelCmd(7).AcceptedAt, JobEventOf(c.Job, codecs.JobEventCancelled).At)
}

func TestJobEventOfWhatTheJobDoesNotHoldIsNil(t *testing.T) {
	j := jobIn(codecs.StatusPosted)
	assert.Nil(t, JobEventOf(j, codecs.JobEventCompleted), "never completed")
	assert.Nil(t, JobEventOf(j, codecs.JobEventRated), "never rated")
	assert.Nil(t, JobEventOf(j, "exploded"))
}
