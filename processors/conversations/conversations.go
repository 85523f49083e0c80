package conversations

import (
	"errors"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// Keep is how many messages a conversation holds.
const Keep = 200

// ErrNoMessage means a conversation command carried no message.
var ErrNoMessage = errors.New("conversations: command without a message")

// Define returns the conversations group graph.
func Define(cat *topology.Catalog) *goka.GroupGraph {
	p := &processor{cat: cat}
	return topology.DefineGroup(cat, cat.Conversations, cat.ConversationCommands.Input(p.handle))
}

type processor struct{ cat *topology.Catalog }

func (p *processor) handle(ctx goka.Context, cmd *codecs.Command) {
	if cmd.PostMessage == nil {
		p.cat.DeadLetter(ctx, nil, ErrNoMessage)
		return
	}
	var cur codecs.Conversation
	if v := p.cat.Conversations.Get(ctx); v != nil {
		cur = *v
	}
	if next, changed := Append(cur, cmd); changed {
		p.cat.Conversations.Set(ctx, &next)
	}
}

// Append adds the message cmd carries to c, numbered after the last one,
// and keeps the newest Keep. A command whose sequence number is not above
// c.LastSeq is a redelivery: c comes back unchanged and changed is false.
// Append does not modify c.
func Append(c codecs.Conversation, cmd *codecs.Command) (next codecs.Conversation, changed bool) {
	m := cmd.PostMessage
	if m == nil || cmd.Seq <= c.LastSeq {
		return c, false
	}
	msg := codecs.ChatMessage{ID: cmd.CommandID, N: c.Count + 1, From: m.From, Text: m.Text,
		At: cmd.AcceptedAt, Seq: cmd.Seq}
	if m.ProposeWindow != nil {
		w := *m.ProposeWindow
		msg.ProposeWindow = &w
	}
	keep := c.Messages[max(0, len(c.Messages)-(Keep-1)):]
	msgs := make([]codecs.ChatMessage, 0, len(keep)+1)
	msgs = append(append(msgs, keep...), msg)
	return codecs.Conversation{TenantID: cmd.TenantID, JobID: cmd.JobID, Messages: msgs,
		Count: msg.N, LastSeq: cmd.Seq}, true
}
