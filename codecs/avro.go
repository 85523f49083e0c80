package codecs

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/linkedin/goavro/v2"
)

// Avro is the codec of one value type T: Avro in the Confluent wire format,
// registered under one subject. It satisfies goka.Codec: Encode takes a T or
// *T, Decode returns a *T. It is safe for concurrent use.
type Avro[T any] struct {
	subject string
	schema  string
	reg     Registry
	app     appendFn // the binary encoder
	enc     encFn    // the goavro path's encoder (goavro.go)
	codec   *goavro.Codec
	size    atomic.Int64                 // the size of the last record encoded: the next buffer's
	id      atomic.Int64                 // writer schema id, 0 until registered
	last    atomic.Pointer[writerSchema] // the writer schema of the last record decoded

	mu      sync.RWMutex // guards readers
	readers map[int]*writerSchema

	own   *node                   // the schema, parsed
	ownRd func([]byte) (*T, bool) // a hand-written reader for data written with own (ownReaders), or nil
}

type writerSchema struct {
	id    int
	own   bool          // the codec's own schema: its hand-written reader applies
	read  readFn        // the binary decoder
	codec *goavro.Codec // the goavro path (goavro.go)
	dec   decFn
}

// NewAvro returns the codec for T with the given schema, registered under
// subject on first use (or by Register). It fails when T does not fit the schema.
func NewAvro[T any](reg Registry, subject, schema string) (*Avro[T], error) {
	n, err := parseSchema(schema)
	if err != nil {
		return nil, err
	}
	var zero T
	app, err := compileAppender(reflect.TypeOf(zero), n)
	if err != nil {
		return nil, fmt.Errorf("codecs: %s: %w", subject, err)
	}
	enc, err := compileEncoder(reflect.TypeOf(zero), n)
	if err != nil {
		return nil, fmt.Errorf("codecs: %s: %w", subject, err)
	}
	codec, err := goavro.NewCodec(schema)
	if err != nil {
		return nil, fmt.Errorf("codecs: %s: %w", subject, err)
	}
	c := &Avro[T]{subject: subject, schema: schema, reg: reg, app: app, enc: enc, codec: codec,
		readers: map[int]*writerSchema{}, own: n}
	c.ownRd, _ = ownReaders[reflect.TypeOf(zero)].(func([]byte) (*T, bool))
	return c, nil
}

// Subject returns the registry subject, e.g. "tradestream.commands-value".
func (c *Avro[T]) Subject() string { return c.subject }

// Schema returns the Avro schema text of T.
func (c *Avro[T]) Schema() string { return c.schema }

// Register registers the schema (once) and returns its id.
func (c *Avro[T]) Register(ctx context.Context) (int, error) {
	if id := c.id.Load(); id != 0 {
		return int(id), nil
	}
	id, err := c.reg.Register(ctx, c.subject, c.schema)
	if err != nil {
		return 0, err
	}
	c.id.Store(int64(id))
	return id, nil
}

// Encode implements goka.Codec.
func (c *Avro[T]) Encode(value any) ([]byte, error) {
	switch v := value.(type) {
	case *T:
		return c.Marshal(v)
	case T:
		return c.Marshal(&v)
	}
	return nil, fmt.Errorf("%w: %s codec got %T", ErrType, c.subject, value)
}

// Decode implements goka.Codec; the value is a *T.
func (c *Avro[T]) Decode(data []byte) (any, error) {
	return c.Unmarshal(data)
}

// Marshal encodes v in the wire format.
func (c *Avro[T]) Marshal(v *T) ([]byte, error) {
	if v == nil {
		return nil, fmt.Errorf("%w: %s codec got a nil value", ErrType, c.subject)
	}
	id, err := c.Register(context.Background())
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 0, max(64, c.size.Load()))
	out, err := c.app(AppendHeader(buf, id), unsafe.Pointer(v))
	if err != nil {
		return nil, fmt.Errorf("codecs: encoding %s: %w", c.subject, err)
	}
	// Stored only when it changes: a group's partitions encode on several
	// cores, and every store would take the cache line from the others.
	if n := int64(len(out)); c.size.Load() != n {
		c.size.Store(n)
	}
	return out, nil
}

// Unmarshal decodes wire-format data written with any registered version of
// the schema.
func (c *Avro[T]) Unmarshal(data []byte) (*T, error) {
	w, body, err := c.writerOf(data)
	if err != nil {
		return nil, err
	}
	if w.own && c.ownRd != nil {
		if v, ok := c.ownRd(body); ok {
			return v, nil
		}
	}
	blk := new(struct { // one allocation: the reader would escape to the heap on its own
		out T
		r   reader
	})
	blk.r = reader{b: body}
	err = w.read(&blk.r, unsafe.Pointer(&blk.out))
	left := blk.r.left()
	blk.r = reader{} // the value must not keep data alive
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", c.subject, err)
	}
	if left != 0 {
		return nil, fmt.Errorf("decoding %s: %w: %d trailing bytes", c.subject, ErrCorrupt, left)
	}
	return &blk.out, nil
}

// writerOf parses the wire-format header of data and returns the writer
// schema it names and the Avro body.
func (c *Avro[T]) writerOf(data []byte) (*writerSchema, []byte, error) {
	id, body, err := ParseHeader(data)
	if err != nil {
		return nil, nil, fmt.Errorf("decoding %s: %w", c.subject, err)
	}
	w, err := c.writer(id)
	if err != nil {
		return nil, nil, fmt.Errorf("decoding %s: %w", c.subject, err)
	}
	return w, body, nil
}

// writer returns the cached writer schema for id, fetching it once.
func (c *Avro[T]) writer(id int) (*writerSchema, error) {
	if w := c.last.Load(); w != nil && w.id == id { // nearly always: records come with one schema at a time
		return w, nil
	}
	w, err := c.fetchWriter(id)
	if err == nil {
		c.last.Store(w)
	}
	return w, err
}

// fetchWriter returns the writer schema for id from the codec's map,
// fetching and compiling it the first time.
func (c *Avro[T]) fetchWriter(id int) (*writerSchema, error) {
	c.mu.RLock()
	w, ok := c.readers[id]
	c.mu.RUnlock()
	if ok {
		return w, nil
	}
	text, err := c.reg.Schema(context.Background(), id)
	if err != nil {
		return nil, err
	}
	n, err := parseSchema(text)
	if err != nil {
		return nil, fmt.Errorf("%w: schema %d: %v", ErrSchemaMismatch, id, err)
	}
	codec, err := goavro.NewCodec(text)
	if err != nil {
		return nil, fmt.Errorf("%w: schema %d: %v", ErrSchemaMismatch, id, err)
	}
	var zero T
	dec, err := compileDecoder(n, reflect.TypeOf(zero))
	if err != nil {
		return nil, fmt.Errorf("schema %d: %w", id, err)
	}
	read, err := compileReader(n, reflect.TypeOf(zero))
	if err != nil {
		return nil, fmt.Errorf("schema %d: %w", id, err)
	}
	w = &writerSchema{id: id, own: reflect.DeepEqual(n, c.own), read: read, codec: codec, dec: dec}
	c.mu.Lock()
	c.readers[id] = w
	c.mu.Unlock()
	return w, nil
}
