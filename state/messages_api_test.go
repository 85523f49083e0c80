package state

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

type conversationView map[string]*codecs.Conversation

func (m conversationView) Get(key string) (*codecs.Conversation, error) { return m[key], nil }

func TestPostMessageIsAJobCommand(t *testing.T) {
	s, rec := newTestServer(mapView{}, Options{})
	w := do(s, "POST", "/v1/tenants/acme/jobs/j1/messages", `{"from":"tradesperson","text":"Can we do Tuesday?",
		"propose_window":{"earliest_start":"2030-01-08T08:00:00+01:00","latest_end":"2030-01-08T12:00:00Z"}}`)
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	require.Len(t, rec.cmds, 1)
	c := rec.cmds[0]
	assert.Equal(t, codecs.KindPostMessage, c.Kind)
	assert.Equal(t, "j1", c.JobID)
	assert.Contains(t, w.Body.String(), `"id":"`+c.CommandID+`"`, "the message id is the command id")
	require.NotNil(t, c.PostMessage.ProposeWindow)
	assert.Equal(t, time.Date(2030, 1, 8, 7, 0, 0, 0, time.UTC), c.PostMessage.ProposeWindow.EarliestStart)
	assert.Equal(t, "Can we do Tuesday?", c.PostMessage.Text)
}

func TestBadMessagesAre400(t *testing.T) {
	s, rec := newTestServer(mapView{}, Options{})
	cases := map[string]string{
		"no sender":          `{"text":"hi"}`,
		"unknown sender":     `{"from":"admin","text":"hi"}`,
		"empty text":         `{"from":"customer","text":"  "}`,
		"text too long":      `{"from":"customer","text":"` + strings.Repeat("é", MaxMessageLength+1) + `"}`,
		"half a window":      `{"from":"customer","text":"hi","propose_window":{"earliest_start":"2030-01-08T08:00:00Z"}}`,
		"window ends first":  `{"from":"customer","text":"hi","propose_window":{"earliest_start":"2030-01-08T08:00:00Z","latest_end":"2030-01-08T07:00:00Z"}}`,
		"text is not a text": `{"from":"customer","text":5}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			w := do(s, "POST", "/v1/tenants/acme/jobs/j1/messages", body)
			assert.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), `"code":"invalid"`)
		})
	}
	w := do(s, "POST", "/v1/tenants/acme/jobs/j1/messages", `{"from":"customer","text":"`+strings.Repeat("é", MaxMessageLength)+`"}`)
	assert.Equal(t, http.StatusAccepted, w.Code, "2000 characters are allowed, whatever their bytes")
	assert.Len(t, rec.cmds, 1)
}

func TestGetMessagesListsTheConversationOldestFirst(t *testing.T) {
	at := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	conv := &codecs.Conversation{Messages: []codecs.ChatMessage{
		{ID: "m1", N: 1, From: "customer", Text: "hi", At: at},
		{ID: "m2", N: 2, From: "tradesperson", Text: "Tuesday?", At: at.Add(time.Minute),
			ProposeWindow: &codecs.Window{EarliestStart: at, LatestEnd: at.Add(time.Hour)}},
	}}
	s := NewServer(&recorder{}, Views{Jobs: mapView{}, Conversations: conversationView{"acme/j1": conv}}, Options{})
	w := do(s, "GET", "/v1/tenants/acme/jobs/j1/messages", "")
	require.Equal(t, http.StatusOK, w.Code)
	var got []map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	require.Len(t, got, 2)
	assert.Equal(t, "m1", got[0]["id"])
	assert.Nil(t, got[0]["propose_window"])
	assert.Equal(t, "Tuesday?", got[1]["text"])
	assert.Equal(t, "2030-01-07T09:01:00Z", got[1]["at"])
	assert.NotNil(t, got[1]["propose_window"])

	w = do(s, "GET", "/v1/tenants/acme/jobs/j2/messages", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.JSONEq(t, `[]`, w.Body.String())
}
