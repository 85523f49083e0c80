package jobs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

func feedbackCmd(seq int64, stars int32) *codecs.Command {
	return &codecs.Command{CommandID: "c-feedback", TenantID: "acme", JobID: "j1", Kind: codecs.KindGiveFeedback,
		AcceptedAt: t0.Add(10 * time.Hour), Seq: seq, Feedback: &codecs.GiveFeedback{Rating: stars, Comment: "great"}}
}

// jobIn returns a stored job in status, assigned to ana.
func jobIn(status string) *codecs.Job {
	j := Apply(nil, postCmd(1), Env{}).Job
	j.Status = status
	tp := "ana"
	j.AssignedTradespersonID = &tp
	return j
}

func TestFeedbackOnACompletedJobIsRecordedAndRatesTheTradesperson(t *testing.T) {
	r := Apply(jobIn(codecs.StatusCompleted), feedbackCmd(5, 4), Env{})
	require.Nil(t, r.Rejection)
	require.NotNil(t, r.Job.Feedback)
	assert.Equal(t, codecs.JobFeedback{Rating: 4, Comment: "great", At: feedbackCmd(5, 4).AcceptedAt, CommandID: "c-feedback"},
		*r.Job.Feedback)
	assert.Equal(t, []Effect{{Kind: codecs.KindRateTradesperson, To: ToTradespeople, Arg: "ana"},
		{Kind: EffectJobEvent, To: ToInsights, Arg: codecs.JobEventRated}}, r.Effects)

	key, rate := RatingCommand(r.Job)
	assert.Equal(t, "acme/ana", key)
	assert.Equal(t, &codecs.Command{CommandID: "rate-j1", TenantID: "acme", Kind: codecs.KindRateTradesperson, JobID: "j1",
		TradespersonID: "ana", AcceptedAt: r.Job.Feedback.At, Source: codecs.SourceInternal,
		Feedback: &codecs.GiveFeedback{Rating: 4}}, rate)

	again := Apply(r.Job, feedbackCmd(5, 4), Env{})
	assert.Same(t, r.Job, again.Job, "a redelivery changes nothing")
	assert.Equal(t, r.Effects, again.Effects, "and sends the rating again from the outbox")
}

func TestSecondFeedbackIsRefusedAndRatesNobody(t *testing.T) {
	first := Apply(jobIn(codecs.StatusCompleted), feedbackCmd(5, 4), Env{}).Job
	r := Apply(first, feedbackCmd(6, 1), Env{})
	require.NotNil(t, r.Rejection)
	assert.Equal(t, CodeFeedbackGiven, r.Rejection.Code)
	assert.Equal(t, "feedback already given", r.Rejection.Reason)
	assert.Equal(t, int32(4), r.Job.Feedback.Rating, "the first rating stays")
	assert.Equal(t, r.Rejection, r.Job.LastRejection)
	assert.Empty(t, r.Effects)
}

func TestFeedbackBeforeCompletionIsRefused(t *testing.T) {
	for _, status := range []string{codecs.StatusPosted, codecs.StatusBooked, codecs.StatusOnSite, codecs.StatusCancelled} {
		t.Run(status, func(t *testing.T) {
			r := Apply(jobIn(status), feedbackCmd(5, 5), Env{})
			require.NotNil(t, r.Rejection)
			assert.Equal(t, CodeInvalidTransition, r.Rejection.Code)
			assert.Equal(t, "feedback before completion: the job is "+status, r.Rejection.Reason)
			assert.Nil(t, r.Job.Feedback)
			assert.Empty(t, r.Effects)
		})
	}
}

func TestFeedbackOutOfRangeOrOnAnUnknownJobIsRefused(t *testing.T) {
	r := Apply(jobIn(codecs.StatusCompleted), feedbackCmd(5, 6), Env{})
	require.NotNil(t, r.Rejection)
	assert.Equal(t, CodeInvalid, r.Rejection.Code)
	r = Apply(nil, feedbackCmd(5, 3), Env{})
	require.NotNil(t, r.Rejection)
	assert.Equal(t, CodeNotFound, r.Rejection.Code)
}

func TestCompletionIsCountedForTheTradesperson(t *testing.T) {
	j := jobIn(codecs.StatusOnSite)
	j.Appointment = &codecs.Appointment{Start: t0, End: t0.Add(time.Hour)}
	done := statusCmd(6, codecs.StatusCompleted)
	r := Apply(j, done, Env{})
	require.Nil(t, r.Rejection)
	assert.Contains(t, r.Effects, Effect{Kind: codecs.KindJobCompleted, To: ToTradespeople, Arg: "ana"})
	key, cmd := TradespersonCommand(r.Job, codecs.KindJobCompleted)
	assert.Equal(t, "acme/ana", key)
	assert.Equal(t, &codecs.Command{CommandID: "done-j1", TenantID: "acme", Kind: codecs.KindJobCompleted, JobID: "j1",
		TradespersonID: "ana", AcceptedAt: done.AcceptedAt, Source: codecs.SourceInternal,
		Slot: &codecs.Slot{Start: t0, End: t0.Add(time.Hour)}}, cmd)
	_, none := TradespersonCommand(j, codecs.KindJobCompleted)
	assert.Nil(t, none, "not completed")
}
