// Package conversations is the processor group that keeps each job's chat
// between the customer and the tradesperson, keyed "<tenant>/<job>".
//
// # Where messages come from
//
// A chat message is a client command (post_message) and takes the path of
// every job command: ingest sequences it in the tenant's order and routes
// it to the jobs group, which relays it here on
// tradestream.conversation-commands when the job exists at that point of
// the order, and rejects it otherwise. The jobs group is the gate because
// only it knows, in order, whether the job was posted before the message.
//
// # What it keeps
//
// The newest Keep messages, oldest first, numbered 1, 2, 3... (ChatMessage.N)
// so that a reader can tell whether it missed one. A command whose sequence
// number is not above the conversation's last one is a redelivery and has
// no effect: messages of one job arrive in the tenant's order, one
// partition, from one writer.
package conversations
