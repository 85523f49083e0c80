package state

import (
	"context"
	"fmt"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// KafkaEmitter writes commands to the commands topic with an acks=all
// idempotent producer.
type KafkaEmitter struct {
	emitter *goka.Emitter
}

// NewKafkaEmitter connects an emitter for cat's commands topic.
func NewKafkaEmitter(cat *topology.Catalog, opts ...goka.EmitterOption) (*KafkaEmitter, error) {
	cfg := cat.Config()
	e, err := goka.NewEmitter(cfg.Brokers, cat.Commands.Topic, cat.Commands.Codec(), append(cfg.EmitterOptions(), opts...)...)
	if err != nil {
		return nil, fmt.Errorf("state: emitter: %w", err)
	}
	return &KafkaEmitter{emitter: e}, nil
}

// Emit implements Emitter: it returns once Kafka acknowledged the record, or
// when ctx is done (the record may still be written then).
func (e *KafkaEmitter) Emit(ctx context.Context, tenant string, cmd *codecs.Command) error {
	p, err := e.emitter.Emit(tenant, cmd)
	if err != nil {
		return fmt.Errorf("state: emitting %s: %w", cmd.CommandID, err)
	}
	done := make(chan error, 1)
	p.Then(func(err error) { done <- err })
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("state: emitting %s: %w", cmd.CommandID, err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close flushes pending records and closes the producer.
func (e *KafkaEmitter) Close() error { return e.emitter.Finish() }
