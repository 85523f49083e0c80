package jobs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/cdcmark"
)

var t0 = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

func postCmd(seq int64) *codecs.Command {
	return &codecs.Command{CommandID: "c-post", TenantID: "acme", JobID: "j1", Kind: codecs.KindPostJob,
		AcceptedAt: t0, Seq: seq, PostJob: &codecs.PostJob{CustomerID: "cust", Trade: "plumber", Title: "tap",
			Location: codecs.GeoPoint{Lat: 51.5, Lon: -0.1}, DurationMinutes: 60, Currency: "GBP",
			Window: codecs.Window{EarliestStart: t0, LatestEnd: t0.Add(8 * time.Hour)}}}
}

func statusCmd(seq int64, status string) *codecs.Command {
	return &codecs.Command{CommandID: "c-" + status, TenantID: "acme", JobID: "j1", Kind: codecs.KindSetJobStatus,
		AcceptedAt: t0.Add(time.Duration(seq) * time.Minute), Seq: seq,
		SetJobStatus: &codecs.SetJobStatus{Status: status}}
}

func cancelCmd(seq int64) *codecs.Command {
	return &codecs.Command{CommandID: "c-cancel", TenantID: "acme", JobID: "j1", Kind: codecs.KindCancelJob,
		AcceptedAt: t0.Add(time.Minute), Seq: seq, CancelJob: &codecs.CancelJob{Reason: "changed my mind"}}
}

func TestPostCreatesAPostedJob(t *testing.T) {
	r := Apply(nil, postCmd(1), Env{})
	j, rej := r.Job, r.Rejection
	require.Nil(t, rej)
	assert.Equal(t, codecs.StatusPosted, j.Status)
	assert.Equal(t, "bid", j.Mode, "mode defaults to bid")
	assert.Equal(t, []codecs.StatusChange{{Status: codecs.StatusPosted, At: t0}}, j.StatusHistory)
	assert.Equal(t, int64(1), j.Seq)
	assert.Equal(t, int64(1), j.Version)
}

func TestRedeliveredCommandHasNoSecondEffect(t *testing.T) {
	j := Apply(nil, postCmd(1), Env{}).Job
	j2 := Apply(j, cancelCmd(2), Env{}).Job
	r := Apply(j2, cancelCmd(2), Env{})
	again, rej := r.Job, r.Rejection
	assert.Nil(t, rej, "a redelivery is not rejected")
	assert.Same(t, j2, again)
	r = Apply(j2, postCmd(1), Env{})
	stale, rej := r.Job, r.Rejection
	assert.Nil(t, rej)
	assert.Same(t, j2, stale)
}

func TestTransitions(t *testing.T) {
	booked := func() *codecs.Job {
		j := Apply(nil, postCmd(1), Env{}).Job
		j.Status = codecs.StatusBooked
		return j
	}
	cases := []struct {
		name   string
		start  func() *codecs.Job
		cmd    *codecs.Command
		status string
		code   string
	}{
		{"post twice conflicts", booked, postCmd(5), codecs.StatusBooked, CodeConflict},
		{"cancel a posted job", func() *codecs.Job { j := Apply(nil, postCmd(1), Env{}).Job; return j }, cancelCmd(2), codecs.StatusCancelled, ""},
		{"cancel a booked job", booked, cancelCmd(2), codecs.StatusCancelled, ""},
		{"en_route from booked", booked, statusCmd(2, codecs.StatusEnRoute), codecs.StatusEnRoute, ""},
		{"completed needs on_site", booked, statusCmd(2, codecs.StatusCompleted), codecs.StatusBooked, CodeInvalidTransition},
		{"en_route needs booking", func() *codecs.Job { j := Apply(nil, postCmd(1), Env{}).Job; return j }, statusCmd(2, codecs.StatusEnRoute), codecs.StatusPosted, CodeInvalidTransition},
		{"unknown status", booked, statusCmd(2, "teleported"), codecs.StatusBooked, CodeInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := tc.start()
			r := Apply(start, tc.cmd, Env{})
			j, rej := r.Job, r.Rejection
			require.NotNil(t, j)
			assert.Equal(t, tc.status, j.Status)
			if tc.code == "" {
				assert.Nil(t, rej)
				assert.Nil(t, j.LastRejection)
				return
			}
			require.NotNil(t, rej)
			assert.Equal(t, tc.code, rej.Code)
			assert.Equal(t, rej, j.LastRejection, "the rejection shows in the job view")
			assert.Equal(t, tc.cmd.Seq, j.Seq, "a rejected command is still consumed")
		})
	}
}

func TestFullFieldLifecycle(t *testing.T) {
	j := Apply(nil, postCmd(1), Env{}).Job
	j.Status = codecs.StatusBooked
	for i, s := range []string{codecs.StatusEnRoute, codecs.StatusOnSite, codecs.StatusCompleted} {
		var rej *codecs.Rejection
		r := Apply(j, statusCmd(int64(i+2), s), Env{})
		j, rej = r.Job, r.Rejection
		require.Nil(t, rej, s)
	}
	assert.Equal(t, codecs.StatusCompleted, j.Status)
	rej := Apply(j, cancelCmd(9), Env{}).Rejection
	require.NotNil(t, rej, "a completed job cannot be cancelled")
	assert.Equal(t, CodeInvalidTransition, rej.Code)
}

func TestCommandOnUnknownJobIsRejectedWithoutState(t *testing.T) {
	r := Apply(nil, cancelCmd(3), Env{})
	j, rej := r.Job, r.Rejection
	assert.Nil(t, j)
	require.NotNil(t, rej)
	assert.Equal(t, CodeNotFound, rej.Code)
}

func TestRescheduleOfBookedJobAsksForANewBooking(t *testing.T) {
	j := Apply(nil, postCmd(1), Env{}).Job
	j.Status = codecs.StatusBooked
	j.Appointment = &codecs.Appointment{Start: t0, End: t0.Add(time.Hour)}
	w := codecs.Window{EarliestStart: t0.Add(24 * time.Hour), LatestEnd: t0.Add(30 * time.Hour)}
	r := Apply(j, &codecs.Command{CommandID: "r", TenantID: "acme", JobID: "j1", Kind: codecs.KindRescheduleJob,
		Seq: 2, AcceptedAt: t0, RescheduleJob: &codecs.RescheduleJob{Window: w}}, Env{})
	next, rej := r.Job, r.Rejection
	require.Nil(t, rej)
	assert.Equal(t, w, next.Window)
	assert.Equal(t, codecs.StatusBooking, next.Status)
	assert.Nil(t, next.Appointment)
	assert.NotNil(t, j.Appointment, "Apply does not modify its input")
}

func TestJobCannotDependOnItself(t *testing.T) {
	c := postCmd(1)
	c.PostJob.DependsOn = []string{"j1"}
	r := Apply(nil, c, Env{})
	j, rej := r.Job, r.Rejection
	assert.Nil(t, j)
	require.NotNil(t, rej)
	assert.Equal(t, CodeInvalid, rej.Code)
}

// cdc makes cmd a CDC command with a mark: the cdc group may send it again
// as a new record (a new, higher Seq).
func cdc(cmd *codecs.Command, position string, index int) *codecs.Command {
	cmd.Source, cmd.CDCMark = codecs.SourceCDC, cdcmark.Of("legacy.marketplace.dbo.jobs", position, index)
	return cmd
}

func TestACDCCommandSentAgainHasNoSecondEffect(t *testing.T) {
	j := Apply(nil, cdc(postCmd(1), "sqlserver:1", 0), Env{}).Job
	require.NotNil(t, j)
	assert.Equal(t, []string{"legacy.marketplace.dbo.jobs sqlserver:1/0000"}, j.CDCMarks)
	r := Apply(j, cdc(postCmd(5), "sqlserver:1", 0), Env{})
	assert.Nil(t, r.Rejection, "a repeat of the post is not a conflict")
	assert.Same(t, j, r.Job)
	assert.Empty(t, r.Effects)

	res := Apply(j, cdc(rescheduleCmd(6), "sqlserver:2", 0), Env{})
	require.Nil(t, res.Rejection)
	moved := res.Job
	assert.Equal(t, int64(2), moved.Version)
	for _, again := range []*codecs.Command{cdc(rescheduleCmd(9), "sqlserver:2", 0), cdc(postCmd(10), "sqlserver:1", 0)} {
		r = Apply(moved, again, Env{})
		assert.Same(t, moved, r.Job, "%s sent again after a later change", again.Kind)
		assert.Nil(t, r.Rejection)
	}
	cancelled := Apply(moved, cdc(cancelCmd(11), "sqlserver:2", 1), Env{}).Job
	require.Equal(t, codecs.StatusCancelled, cancelled.Status, "the next command of the same change applies")
	r = Apply(cancelled, cdc(cancelCmd(12), "sqlserver:2", 1), Env{})
	assert.Nil(t, r.Rejection, "not an invalid transition: a repeat")
	assert.Same(t, cancelled, r.Job)

	// The same mark from another source topic is another command; HTTP
	// commands are not marked and keep their marks.
	other := cdc(cancelCmd(13), "sqlserver:2", 1)
	other.CDCMark = cdcmark.Of("crm.dbo.jobs", "sqlserver:2", 1)
	assert.NotNil(t, Apply(cancelled, other, Env{}).Rejection, "applied (and refused: the job is cancelled)")
	http := Apply(moved, cancelCmd(14), Env{}).Job
	assert.Equal(t, moved.CDCMarks, http.CDCMarks)
}

func rescheduleCmd(seq int64) *codecs.Command {
	return &codecs.Command{CommandID: "c-reschedule", TenantID: "acme", JobID: "j1", Kind: codecs.KindRescheduleJob,
		AcceptedAt: t0.Add(2 * time.Minute), Seq: seq, RescheduleJob: &codecs.RescheduleJob{
			Window: codecs.Window{EarliestStart: t0.Add(24 * time.Hour), LatestEnd: t0.Add(32 * time.Hour)}}}
}
