package topology

import (
	"fmt"
	"runtime"
	"time"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
)

// Handler is a typed goka callback.
type Handler[T any] func(ctx goka.Context, msg *T)

// Stream is a stream topic with its one codec.
type Stream[T any] struct {
	Topic goka.Stream
	// Avro is the typed codec of the topic's values.
	Avro *codecs.Avro[T]

	deadLetter func(ctx goka.Context, raw []byte, reason error)
	metrics    *edgeSeries // nil: no metrics
}

// Codec is the codec every edge, emitter and test of the stream uses: Avro,
// except that a record which does not decode becomes a dead letter instead
// of an error that would stop the processor.
func (s *Stream[T]) Codec() goka.Codec { return lenient[T]{s.Avro} }

// Input consumes the stream with a typed handler. A record that does not
// decode, or whose handler panics with a runtime error, is written to the
// dead-letter topic with the reason, and processing goes on.
func (s *Stream[T]) Input(h Handler[T]) goka.Edge {
	return goka.Input(s.Topic, s.Codec(), func(ctx goka.Context, msg any) {
		start := time.Now()
		defer s.metrics.observe(string(ctx.Group()), ctx.Partition(), start)
		if p, ok := msg.(*poison); ok {
			s.deadLetter(ctx, p.raw, p.err)
			return
		}
		v, _ := msg.(*T)
		defer recoverToDeadLetter(ctx, nil, s.deadLetter)
		h(ctx, v)
	})
}

// Loop consumes the stream as the group's loopback (goka.Loop): the
// stream's topic must be "<group>-loop", and the group writes it with
// Loopback. Bad records and handler panics go to the dead-letter topic as
// with Input.
func (s *Stream[T]) Loop(h Handler[T]) goka.Edge {
	return goka.Loop(s.Codec(), func(ctx goka.Context, msg any) {
		start := time.Now()
		defer s.metrics.observe(string(ctx.Group()), ctx.Partition(), start)
		if p, ok := msg.(*poison); ok {
			s.deadLetter(ctx, p.raw, p.err)
			return
		}
		v, _ := msg.(*T)
		defer recoverToDeadLetter(ctx, nil, s.deadLetter)
		h(ctx, v)
	})
}

// Loopback writes v to the group's loopback under key.
func (s *Stream[T]) Loopback(ctx goka.Context, key string, v *T) {
	ctx.Loopback(key, v)
	s.metrics.emit(string(ctx.Group()), ctx.Partition())
}

// Output declares that the group writes this stream.
func (s *Stream[T]) Output() goka.Edge { return goka.Output(s.Topic, s.Codec()) }

// Emit writes v to the stream under key.
func (s *Stream[T]) Emit(ctx goka.Context, key string, v *T, opts ...goka.ContextOption) {
	ctx.Emit(s.Topic, key, v, opts...)
	s.metrics.emit(string(ctx.Group()), ctx.Partition())
}

// EmitEncoded writes a value already encoded with s.Avro (Marshal) under
// key, as it is: a group that keeps what it wrote (an outbox) encodes once.
func (s *Stream[T]) EmitEncoded(ctx goka.Context, key string, encoded []byte) {
	if e, ok := ctx.(goka.EncodedEmitter); ok { // a processor's context: no codec, no boxing
		e.EmitEncoded(s.Topic, key, encoded)
	} else {
		ctx.Emit(s.Topic, key, encoded)
	}
	s.metrics.emit(string(ctx.Group()), ctx.Partition())
}

// Table is a group table with its one codec.
type Table[T any] struct {
	Group goka.Group
	Topic goka.Table
	Codec *codecs.Avro[T]

	cached *codecs.Cached // set for large, read-mostly values, and the tracking state
}

// GokaCodec is the codec goka reads and writes the table with: Codec, or
// its cache when the catalog gave the table one (Cache).
func (t *Table[T]) GokaCodec() goka.Codec {
	if t.cached != nil {
		return t.cached
	}
	return t.Codec
}

// Cache is the table's value cache (codecs.Cached), or nil when the catalog
// gave it none. With one, values read from the table are shared, and so,
// when it primes on encode, are the values written to it.
func (t *Table[T]) Cache() *codecs.Cached { return t.cached }

// Persist declares the table as the group's state (DefineGroup adds it).
func (t *Table[T]) Persist() goka.Edge { return goka.Persist(t.GokaCodec()) }

// Lookup declares a read of another group's table.
func (t *Table[T]) Lookup() goka.Edge { return goka.Lookup(t.Topic, t.GokaCodec()) }

// CachedLookup declares a read of another group's table through a decoding
// cache of size records (codecs.Cached): for a table read far more often
// than it changes. LookupKey's values are then shared: do not modify them.
func (t *Table[T]) CachedLookup(size int) goka.Edge {
	return goka.Lookup(t.Topic, codecs.NewCached(t.Codec, size))
}

// Get returns the current key's value in the group table, or nil. With a
// cache (Cache) the value is shared: do not modify it.
func (t *Table[T]) Get(ctx goka.Context) *T {
	v, _ := ctx.Value().(*T)
	return v
}

// Set replaces the current key's value in the group table. With a cache
// that primes on encode, v itself is what the next Get of those bytes
// returns: do not modify v after Set.
func (t *Table[T]) Set(ctx goka.Context, v *T) { ctx.SetValue(v) }

// GetSide returns the current key's side value suffix, or nil: a value of
// the table kept beside the key's own, in its partition (goka.SideKeys;
// the producers put the side keys of the tables that have them with their
// key: Config.partitioner).
func (t *Table[T]) GetSide(ctx goka.Context, suffix string) *T {
	v, _ := sideKeys(ctx).SideValue(suffix).(*T)
	return v
}

// SetSide replaces the current key's side value suffix.
func (t *Table[T]) SetSide(ctx goka.Context, suffix string, v *T) {
	sideKeys(ctx).SetSideValue(suffix, v)
}

// DeleteSides deletes the current key's side values whose suffix starts
// with prefix and returns how many there were.
func (t *Table[T]) DeleteSides(ctx goka.Context, prefix string) int {
	return sideKeys(ctx).DeleteSideValues(prefix)
}

func sideKeys(ctx goka.Context) goka.SideKeys {
	s, ok := ctx.(goka.SideKeys)
	if !ok {
		ctx.Fail(fmt.Errorf("the context (%T) of group %s has no side keys", ctx, ctx.Group()))
	}
	return s
}

// LookupKey returns key's value in a looked-up table, or nil.
func (t *Table[T]) LookupKey(ctx goka.Context, key string) *T {
	v, _ := ctx.Lookup(t.Topic, key).(*T)
	return v
}

// recoverToDeadLetter turns a handler bug (a runtime error or a non-error
// panic) into a dead letter of raw. Goka's own failures panic with plain
// errors and are re-raised so that goka stops the processor as designed.
func recoverToDeadLetter(ctx goka.Context, raw []byte, deadLetter func(goka.Context, []byte, error)) {
	r := recover()
	if r == nil {
		return
	}
	if err, ok := r.(error); ok {
		if _, rt := r.(runtime.Error); !rt {
			panic(err)
		}
	}
	deadLetter(ctx, raw, fmt.Errorf("handler panic: %v", r))
}

// poison is what lenient decodes a bad record into.
type poison struct {
	raw []byte
	err error
}

// lenient is a codec whose Decode never fails: bad bytes become a *poison
// that Input sends to the dead-letter topic instead of stopping the processor.
type lenient[T any] struct{ c *codecs.Avro[T] }

// Encode encodes a T; raw bytes pass through unchanged, so that dead letters
// can be replayed as they came.
func (l lenient[T]) Encode(v any) ([]byte, error) {
	if raw, ok := v.([]byte); ok {
		return raw, nil
	}
	return l.c.Encode(v)
}

func (l lenient[T]) Decode(b []byte) (any, error) {
	v, err := l.c.Decode(b)
	if err != nil {
		return &poison{raw: append([]byte(nil), b...), err: err}, nil
	}
	return v, nil
}
