package state

import (
	"net/http"

	"github.com/tradestream/tradestream/codecs"
)

// MaxMessageLength is the longest chat message, in characters.
const MaxMessageLength = 2000

type messageRequest struct {
	From          string      `json:"from"`
	Text          string      `json:"text"`
	ProposeWindow *windowJSON `json:"propose_window"`
}

func (r *messageRequest) validate() error {
	var c checker
	if r.From != codecs.FromCustomer && r.From != codecs.FromTradesperson {
		c.fail(`from must be "customer" or "tradesperson"`)
	}
	c.text("text", r.Text, true, MaxMessageLength)
	if r.ProposeWindow != nil {
		c.window("propose_window", r.ProposeWindow)
	}
	return c.err
}

// postMessage answers POST .../jobs/{job}/messages: a chat message, relayed
// to the job's conversation in the tenant's order; its id is the message id.
func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	var req messageRequest
	s.jobCommand(w, r, &req, func(cmd *codecs.Command) error {
		if err := req.validate(); err != nil {
			return err
		}
		m := &codecs.PostMessage{From: req.From, Text: req.Text}
		if req.ProposeWindow != nil {
			pw := req.ProposeWindow.wire()
			m.ProposeWindow = &pw
		}
		cmd.Kind, cmd.PostMessage = codecs.KindPostMessage, m
		return nil
	})
}

// getMessages answers GET .../jobs/{job}/messages: the conversation, oldest
// first, at most the last 200 messages; an empty list for a job without any
// (or one the conversation has not heard of).
func (s *Server) getMessages(w http.ResponseWriter, r *http.Request) {
	tenant, job := r.PathValue("tenant"), r.PathValue("job")
	if !idPattern.MatchString(job) || s.views.Conversations == nil {
		writeError(w, errNotFound)
		return
	}
	c, err := s.views.Conversations.Get(tenant + "/" + job)
	if err != nil {
		s.log.Error("reading conversation", "tenant", tenant, "job", job, "err", err)
		writeError(w, errInternal)
		return
	}
	msgs := []codecs.ChatMessage{}
	if c != nil {
		msgs = append(msgs, c.Messages...)
	}
	writeJSON(w, http.StatusOK, msgs)
}
