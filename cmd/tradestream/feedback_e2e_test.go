package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// TestFeedbackRatesTheTradespersonOnceAndReranksMatching gives feedback over
// HTTP: before completion it is refused, on a completed job it reaches the
// tradesperson's rating (count, average, Bayesian, distribution) once, a
// second feedback is refused, and matching then ranks the better-rated of
// two equally distant tradespeople first.
func TestFeedbackRatesTheTradespersonOnceAndReranksMatching(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	base := "/v1/tenants/acme"
	for _, id := range []string{"ana", "ben"} {
		mustPost(t, in, base+"/tradespeople", map[string]any{"id": id, "name": id, "trades": []string{"plumber"},
			"base": map[string]any{"lat": 51.5, "lon": -0.12}, "radius_km": 30})
	}
	waitTP(t, in, "acme", "ana")
	waitTP(t, in, "acme", "ben")

	// Unrated and equally distant: ana before ben, by id.
	mustPost(t, in, base+"/jobs", jobBody("before", 8))
	j := in.waitJob(t, "acme", "before", func(j *codecs.Job) bool { return len(j.OfferedTo) == 2 }, "offered to both")
	assert.Equal(t, []string{"ana", "ben"}, j.OfferedTo)

	mustPost(t, in, base+"/jobs", jobBody("j1", 7))
	bookWith(t, in, "acme", "j1", "ben")
	early := mustPost(t, in, base+"/jobs/j1/feedback", map[string]any{"rating": 5})
	j = in.waitJob(t, "acme", "j1", func(j *codecs.Job) bool {
		return j.LastRejection != nil && j.LastRejection.CommandID == early["command_id"]
	}, "early feedback refused")
	assert.Equal(t, "feedback before completion: the job is booked", j.LastRejection.Reason)
	assert.Nil(t, j.Feedback)

	report(t, in, "acme", "j1", monday0800.Add(-30*time.Minute), monday0800, monday0800.Add(time.Hour))
	mustPost(t, in, base+"/jobs/j1/feedback", map[string]any{"rating": 5, "comment": "tidy"})
	j = in.waitJob(t, "acme", "j1", func(j *codecs.Job) bool { return j.Feedback != nil }, "feedback")
	assert.Equal(t, int32(5), j.Feedback.Rating)
	again := mustPost(t, in, base+"/jobs/j1/feedback", map[string]any{"rating": 1})
	j = in.waitJob(t, "acme", "j1", func(j *codecs.Job) bool {
		return j.LastRejection != nil && j.LastRejection.CommandID == again["command_id"]
	}, "second feedback refused")
	assert.Equal(t, "feedback already given", j.LastRejection.Reason)

	var ben *tradespersonJSON
	eventually(t, 30*time.Second, func() bool {
		ben = view[tradespersonJSON](t, in, "acme", "tradespeople/ben")
		return ben.Rating.Count > 0
	}, "ben rated")
	// (4.0·5 + 5) / (5 + 1) = 25/6 ≈ 4.17
	assert.Equal(t, codecs.Rating{Count: 1, Average: 5, Bayesian: 25.0 / 6, Distribution: []int64{0, 0, 0, 0, 1}}, ben.Rating)
	ana := view[tradespersonJSON](t, in, "acme", "tradespeople/ana")
	assert.Equal(t, codecs.Rating{Bayesian: 4, Distribution: []int64{0, 0, 0, 0, 0}}, ana.Rating)

	// The rating reached matching's index: ben (4.17) now ranks before ana (4.0).
	eventually(t, 30*time.Second, func() bool {
		id := "after-" + time.Now().Format("150405.000000")
		mustPost(t, in, base+"/jobs", jobBody(id, 9))
		j := in.waitJob(t, "acme", id, func(j *codecs.Job) bool { return len(j.OfferedTo) == 2 }, "offered to both")
		return j.OfferedTo[0] == "ben"
	}, "ben ranked first")
	time.Sleep(300 * time.Millisecond) // let a redelivered or repeated rating show, if it were counted again
	ben = view[tradespersonJSON](t, in, "acme", "tradespeople/ben")
	require.Equal(t, int64(1), ben.Rating.Count, "the second feedback counted nothing")
}

// tradespersonJSON is the tradesperson view as the API answers it.
type tradespersonJSON struct {
	ID     string        `json:"id"`
	Rating codecs.Rating `json:"rating"`
}
