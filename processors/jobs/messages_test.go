package jobs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

func messageCmd(seq int64, job string) *codecs.Command {
	return &codecs.Command{CommandID: "c-msg", TenantID: "acme", JobID: job, Kind: codecs.KindPostMessage, Seq: seq,
		AcceptedAt: t0, PostMessage: &codecs.PostMessage{From: codecs.FromCustomer, Text: "hello"}}
}

func TestGateMessage(t *testing.T) {
	posted := &codecs.Job{ID: "j1", PostedSeq: 10}
	cases := []struct {
		name  string
		job   *codecs.Job
		seq   int64
		relay bool
		code  string
	}{
		{"on a posted job", posted, 11, true, ""},
		{"on an unknown job", nil, 11, false, CodeNotFound},
		{"sent before the job was posted (a redelivery)", posted, 9, false, CodeNotFound},
		{"on a job posted before posted_seq was kept", &codecs.Job{ID: "j1"}, 1, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			relay, rej := GateMessage(tc.job, messageCmd(tc.seq, "j1"))
			assert.Equal(t, tc.relay, relay)
			if tc.code == "" {
				assert.Nil(t, rej)
			} else {
				require.NotNil(t, rej)
				assert.Equal(t, tc.code, rej.Code)
				assert.Contains(t, rej.Reason, "j1")
			}
		})
	}
}

func TestMessagesAreRelayedInOrderWithoutChangingTheJob(t *testing.T) {
	tt, cat := newTester(t)
	out := tt.NewQueueTracker(string(topology.ConversationCommandsTopic))
	rejects := tt.NewQueueTracker(string(topology.RejectsTopic))
	in := string(topology.JobCommandsTopic)

	tt.Consume(in, "acme/j2", messageCmd(1, "j2"))
	tt.Consume(in, "acme/j1", postCmd(2))
	before, ok := tt.TableValue(cat.Jobs.Topic, "acme/j1").(*codecs.Job)
	require.True(t, ok)
	assert.Equal(t, int64(2), before.PostedSeq)
	tt.Consume(in, "acme/j1", messageCmd(3, "j1"))
	tt.Consume(in, "acme/j1", messageCmd(4, "j1"))

	for _, seq := range []int64{3, 4} {
		k, v, ok := out.Next()
		require.True(t, ok)
		assert.Equal(t, "acme/j1", k)
		assert.Equal(t, seq, v.(*codecs.Command).Seq)
	}
	_, _, ok = out.Next()
	assert.False(t, ok)
	after := tt.TableValue(cat.Jobs.Topic, "acme/j1").(*codecs.Job)
	assert.Equal(t, before.Version, after.Version, "chat does not change the job")

	_, v, ok := rejects.Next()
	require.True(t, ok)
	r := v.(*codecs.Rejection)
	assert.Equal(t, CodeNotFound, r.Code)
	assert.Equal(t, codecs.KindPostMessage, r.Kind)
}
