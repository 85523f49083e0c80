package codecs

import "time"

// KindPostMessage is a chat message on a job: Command.PostMessage. The jobs
// group relays it to the job's conversation, or rejects it when the job
// does not exist.
const KindPostMessage = "post_message"

// Chat message senders (PostMessage.From).
const (
	FromCustomer     = "customer"
	FromTradesperson = "tradesperson"
)

// PostMessage is one chat message of a job's conversation.
type PostMessage struct {
	From string `avro:"from"`
	Text string `avro:"text"`
	// ProposeWindow is a new window the sender proposes; the customer
	// accepts it by rescheduling the job with it.
	ProposeWindow *Window `avro:"propose_window"`
}

// Conversation is the conversations group's table value, keyed
// "<tenant>/<job>": a job's newest messages, oldest first.
type Conversation struct {
	TenantID string        `avro:"tenant_id"`
	JobID    string        `avro:"job_id"`
	Messages []ChatMessage `avro:"messages"`
	// Count is how many messages the conversation ever had: the number of
	// the last one.
	Count int64 `avro:"count"`
	// LastSeq is the per-tenant sequence number of the last message
	// applied: a command at or below it is a redelivery.
	LastSeq int64 `avro:"last_seq"`
}

// ChatMessage is one message of a conversation, as the API shows it.
type ChatMessage struct {
	// ID is the message's command id (the id its POST answered with).
	ID string `avro:"id" json:"id"`
	// N numbers the conversation's messages 1, 2, 3...: a client that saw
	// message N misses nothing when it next sees N+1.
	N             int64     `avro:"n" json:"n"`
	From          string    `avro:"from" json:"from"`
	Text          string    `avro:"text" json:"text"`
	ProposeWindow *Window   `avro:"propose_window" json:"propose_window"`
	At            time.Time `avro:"at" json:"at"`
	// Seq is the per-tenant sequence number of the message's command.
	Seq int64 `avro:"seq" json:"-"`
}
