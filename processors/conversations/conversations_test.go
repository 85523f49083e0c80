package conversations

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

var t0 = time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)

func message(seq int64, from, text string) *codecs.Command {
	return &codecs.Command{CommandID: fmt.Sprint("c", seq), TenantID: "acme", JobID: "j1", Kind: codecs.KindPostMessage,
		Seq: seq, AcceptedAt: t0.Add(time.Duration(seq) * time.Second), PostMessage: &codecs.PostMessage{From: from, Text: text}}
}

func TestAppendNumbersMessagesInOrderAndKeepsTheNewest(t *testing.T) {
	var c codecs.Conversation
	for i := range Keep + 50 {
		var changed bool
		c, changed = Append(c, message(int64(10+2*i), codecs.FromCustomer, fmt.Sprint("m", i)))
		require.True(t, changed)
	}
	require.Len(t, c.Messages, Keep)
	assert.Equal(t, int64(Keep+50), c.Count)
	assert.Equal(t, "m50", c.Messages[0].Text, "the oldest kept")
	assert.Equal(t, int64(51), c.Messages[0].N)
	assert.Equal(t, "m249", c.Messages[Keep-1].Text, "oldest first")
	assert.Equal(t, int64(Keep+50), c.Messages[Keep-1].N)
	assert.Equal(t, "acme", c.TenantID)
	assert.Equal(t, "j1", c.JobID)
}

func TestAppendIgnoresRedeliveries(t *testing.T) {
	cases := []struct {
		name string
		seq  int64
	}{{"the same message again", 20}, {"an older message", 15}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := Append(codecs.Conversation{}, message(15, codecs.FromCustomer, "hi"))
			c, _ = Append(c, message(20, codecs.FromTradesperson, "hello"))
			next, changed := Append(c, message(tc.seq, codecs.FromCustomer, "again"))
			assert.False(t, changed)
			assert.Equal(t, c, next)
		})
	}
}

func TestAppendKeepsTheProposedWindow(t *testing.T) {
	cmd := message(3, codecs.FromTradesperson, "can we move it?")
	cmd.PostMessage.ProposeWindow = &codecs.Window{EarliestStart: t0, LatestEnd: t0.Add(4 * time.Hour)}
	c, _ := Append(codecs.Conversation{}, cmd)
	require.NotNil(t, c.Messages[0].ProposeWindow)
	assert.Equal(t, t0.Add(4*time.Hour), c.Messages[0].ProposeWindow.LatestEnd)
	assert.Equal(t, "c3", c.Messages[0].ID)
	assert.Equal(t, cmd.AcceptedAt, c.Messages[0].At)
}

func TestGroupStoresMessagesOnceAndDeadLettersEmptyCommands(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat))
	dlq := tt.NewQueueTracker(string(topology.DeadLettersTopic))
	in := string(topology.ConversationCommandsTopic)
	tt.Consume(in, "acme/j1", message(5, codecs.FromCustomer, "hi"))
	tt.Consume(in, "acme/j1", message(7, codecs.FromTradesperson, "on my way"))
	tt.Consume(in, "acme/j1", message(5, codecs.FromCustomer, "hi"))
	c, ok := tt.TableValue(cat.Conversations.Topic, "acme/j1").(*codecs.Conversation)
	require.True(t, ok)
	require.Len(t, c.Messages, 2)
	assert.Equal(t, []string{"hi", "on my way"}, []string{c.Messages[0].Text, c.Messages[1].Text})

	empty := message(9, codecs.FromCustomer, "")
	empty.PostMessage = nil
	tt.Consume(in, "acme/j1", empty)
	_, dl, ok := dlq.Next()
	require.True(t, ok)
	assert.Contains(t, dl.(*codecs.DeadLetter).Error, "without a message")
}
