package state

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// DefaultHeartbeat is how often an idle event stream sends a comment.
const DefaultHeartbeat = 15 * time.Second

// eventWriteTimeout bounds one write to an event stream: a client that
// takes no data for that long is dropped (it reconnects with Last-Event-ID).
const eventWriteTimeout = 30 * time.Second

// jobEvents answers GET .../jobs/{job}/events with a text/event-stream:
//
//   - "job": the job view (the JSON of GET .../jobs/{job}) on connect and
//     after each change; a slow client skips to the latest state;
//   - "message": each new chat message (the JSON of one GET .../messages
//     item); on reconnect with Last-Event-ID, the messages since that event;
//   - "gap": {"missed": k} when the client fell more than the conversation
//     keeps (200 messages) behind, so k messages cannot be sent;
//   - a ": heartbeat" comment every Options.Heartbeat.
//
// Every event's id is "<job version>.<message number>": where the client
// stands. The stream ends when the client goes or the server drains.
func (s *Server) jobEvents(w http.ResponseWriter, r *http.Request) {
	tenant, job := r.PathValue("tenant"), r.PathValue("job")
	if !idPattern.MatchString(job) {
		writeError(w, errNotFound)
		return
	}
	key := tenant + "/" + job
	// Subscribe before reading the views: a change after the read is then
	// published to us, never lost between the two.
	sub, err := s.feed.Subscribe(key)
	if err != nil || s.draining.Load() {
		if sub != nil {
			sub.Close()
		}
		writeError(w, errNotReady)
		return
	}
	defer sub.Close()
	j, conv, err := s.readJobAndConversation(key)
	switch {
	case err != nil:
		s.log.Error("reading job for events", "key", key, "err", err)
		writeError(w, errInternal)
		return
	case j == nil:
		writeError(w, errNotFound)
		return
	}
	es := &eventStream{w: w, rc: http.NewResponseController(w)}
	if n, ok := parseEventID(r.Header.Get("Last-Event-ID")); ok {
		es.n = n
	} else if conv != nil {
		es.n = conv.Count // a new client: only the messages from now on
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	es.raw("retry: 1000\n\n")
	if !es.job(j) || !es.messages(conv, sub) || !es.flush() {
		return
	}
	heartbeat := time.NewTicker(s.opts.Heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-sub.Done():
			return
		case <-heartbeat.C:
			if !es.raw(": heartbeat\n\n") || !es.flush() {
				return
			}
		case <-sub.Wake():
			js, conv := sub.Latest()
			if !es.jobState(js) || !es.messages(conv, sub) || !es.flush() {
				return
			}
		}
	}
}

func (s *Server) readJobAndConversation(key string) (*JobState, *codecs.Conversation, error) {
	j, err := s.views.Jobs.Get(key)
	if err != nil || j == nil {
		return nil, nil, err
	}
	js, err := NewJobState(j)
	if err != nil {
		return nil, nil, err
	}
	var conv *codecs.Conversation
	if s.views.Conversations != nil {
		if conv, err = s.views.Conversations.Get(key); err != nil {
			return nil, nil, err
		}
	}
	return js, conv, nil
}

// eventStream writes one client's events and remembers where it stands.
type eventStream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	version int64  // of the last job sent
	sent    []byte // the last job sent
	n       int64  // number of the last message sent
	failed  bool
}

// job sends the job state on connect.
func (es *eventStream) job(js *JobState) bool {
	es.version, es.sent = js.Version, js.JSON
	return es.event("job", js.JSON)
}

// jobState sends js unless the client has it or a newer state already.
func (es *eventStream) jobState(js *JobState) bool {
	if js == nil || js.Version < es.version || js.Version == es.version && string(js.JSON) == string(es.sent) {
		return true
	}
	return es.job(js)
}

// messages sends the messages of conv after the last one sent.
func (es *eventStream) messages(conv *codecs.Conversation, sub *Subscription) bool {
	msgs, missed := MessagesAfter(conv, es.n)
	if missed > 0 {
		sub.Dropped("message", int(missed))
		es.n += missed
		if !es.event("gap", fmt.Appendf(nil, `{"missed":%d}`, missed)) {
			return false
		}
	}
	for i := range msgs {
		b, err := json.Marshal(&msgs[i])
		if err != nil {
			return false
		}
		es.n = msgs[i].N
		if !es.event("message", b) {
			return false
		}
	}
	return true
}

// MessagesAfter returns the messages of conv numbered above n, oldest
// first, and how many of those conv no longer holds.
func MessagesAfter(conv *codecs.Conversation, n int64) (msgs []codecs.ChatMessage, missed int64) {
	if conv == nil || conv.Count <= n {
		return nil, 0
	}
	i := len(conv.Messages)
	for i > 0 && conv.Messages[i-1].N > n {
		i--
	}
	msgs = conv.Messages[i:]
	if len(msgs) > 0 && msgs[0].N > n+1 {
		missed = msgs[0].N - n - 1
	}
	return msgs, missed
}

func (es *eventStream) event(kind string, data []byte) bool {
	return es.raw(fmt.Sprintf("id: %d.%d\nevent: %s\ndata: %s\n\n", es.version, es.n, kind, data))
}

func (es *eventStream) raw(s string) bool {
	if es.failed {
		return false
	}
	_ = es.rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout)) // not every writer supports deadlines
	if _, err := es.w.Write([]byte(s)); err != nil {
		es.failed = true
	}
	return !es.failed
}

func (es *eventStream) flush() bool {
	if es.failed || es.rc.Flush() != nil {
		es.failed = true
	}
	return !es.failed
}

// parseEventID reads the message number from a Last-Event-ID
// "<job version>.<message number>".
func parseEventID(id string) (int64, bool) {
	_, n, ok := strings.Cut(id, ".")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(n, 10, 64)
	return v, err == nil && v >= 0
}
