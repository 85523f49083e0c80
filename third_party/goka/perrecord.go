package goka

import "fmt"

// tradestream patch 7: a leaner per-record path. See PATCHES.md.
//
// Upstream allocated, per processed message, two method values in the
// callback context (the emitter and the stats tracker), an options struct
// for every Emit/SetValue/Delete even without options, the names
// "<group>-loop" and "<group>-table" for every Emit, a wrapper closure and a
// callback slice in every emit's Promise, and one message struct per
// record. These helpers avoid them; behaviour is unchanged.

// ctxOptionsOf returns the options given to a context method. Without
// options (nearly every call) it allocates nothing.
func ctxOptionsOf(options []ContextOption) ctxOptions {
	var opts ctxOptions
	if len(options) > 0 {
		o := new(ctxOptions)
		o.applyOptions(options...)
		opts = *o
	}
	return opts
}

// isGroupTopic tells whether topic is string(group)+suffix (tableName,
// loopName) without building that name.
func isGroupTopic(topic string, group Group, suffix string) bool {
	return len(topic) == len(group)+len(suffix) &&
		topic[:len(group)] == string(group) && topic[len(group):] == suffix
}

// messageSlabSize is how many messages ConsumeClaim allocates at once.
const messageSlabSize = 64

// messageSlab hands out the messages of one claim from slabs of
// messageSlabSize, one allocation per slab instead of one per message. A
// slab stays in memory while any of its messages is referenced (until the
// last one's offset is marked), which for a claim's consecutive messages is
// at most a few slabs.
type messageSlab struct {
	free []message
}

// next returns a zeroed message.
func (s *messageSlab) next() *message {
	if len(s.free) == 0 {
		s.free = make([]message, messageSlabSize)
	}
	m := &s.free[0]
	s.free = s.free[1:]
	return m
}

// messageRecord is what a message carries for its processing: its callback
// context, and its entry in its topic partition's offset queue (set by
// orderedCommit).
type messageRecord struct {
	cb    cbContext
	queue *offsetQueue
	seq   uint64
	mark  func(*message)
}

// commitMessage commits the context's message: through its offset queue
// when the partition processor queued it, else (visits, tests) through
// commit.
func (ctx *cbContext) commitMessage() {
	if ctx.commit == nil && ctx.msg != nil && ctx.msg.rec.queue != nil {
		ctx.msg.rec.queue.finish(ctx.msg.rec.seq, ctx.msg.rec.mark)
		return
	}
	ctx.commit()
}

// emitted acknowledges one of ctx's emits to topic.
func (ctx *cbContext) emitted(topic string, err error) {
	if err != nil {
		err = fmt.Errorf("error emitting to %s: %v", topic, err)
	}
	ctx.emitDone(err)
}

// EncodedEmitter is implemented by a callback's context (tradestream patch
// 8). EmitEncoded sends value, already encoded as the topic's codec
// encodes, as it is: Emit's checks of the topic, without the codec's lookup
// and its Encode, and without boxing the bytes in an interface (an
// allocation per emit). A nil value is a tombstone, as Emit's nil value.
type EncodedEmitter interface {
	EmitEncoded(topic Stream, key string, value []byte)
}

// EmitEncoded implements EncodedEmitter.
func (ctx *cbContext) EmitEncoded(topic Stream, key string, value []byte) {
	ctx.checkOutput(topic)
	ctx.emit(string(topic), key, value, nil)
}
