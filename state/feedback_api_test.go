package state

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

func TestFeedbackShapeErrorsAre400AndAGoodOneIsACommand(t *testing.T) {
	rec := &recorder{}
	s := NewServer(rec, Views{Jobs: mapView{}}, Options{})
	for _, body := range []string{`{}`, `{"rating":0}`, `{"rating":6}`, `{"rating":4.5}`, `{"rating":"5"}`,
		`{"rating":5`} {
		w := do(s, "POST", "/v1/tenants/acme/jobs/j1/feedback", body)
		assert.Equal(t, http.StatusBadRequest, w.Code, body)
		assert.Contains(t, w.Body.String(), `"error"`, body)
	}
	w := do(s, "POST", "/v1/tenants/acme/jobs/j1/feedback", `{"rating":5,"comment":"on time and tidy"}`)
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	require.Len(t, rec.cmds, 1)
	cmd := rec.cmds[0]
	assert.Equal(t, codecs.KindGiveFeedback, cmd.Kind)
	assert.Equal(t, "j1", cmd.JobID)
	assert.Equal(t, &codecs.GiveFeedback{Rating: 5, Comment: "on time and tidy"}, cmd.Feedback)
}
