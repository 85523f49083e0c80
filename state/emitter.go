package state

import (
	"context"
	"errors"
	"fmt"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// KafkaEmitter writes commands to the commands topic, and pings to the
// tracking inputs, with acks=all idempotent producers.
type KafkaEmitter struct {
	emitter   *goka.Emitter
	locations *goka.Emitter
}

// NewKafkaEmitter connects an emitter for cat's commands topic.
func NewKafkaEmitter(cat *topology.Catalog, opts ...goka.EmitterOption) (*KafkaEmitter, error) {
	cfg := cat.Config()
	e, err := goka.NewEmitter(cfg.Brokers, cat.Commands.Topic, cat.Commands.Codec(), append(cfg.EmitterOptions(), opts...)...)
	if err != nil {
		return nil, fmt.Errorf("state: emitter: %w", err)
	}
	l, err := goka.NewEmitter(cfg.Brokers, cat.TrackingInputs.Topic, cat.TrackingInputs.Codec(), append(cfg.EmitterOptions(), opts...)...)
	if err != nil {
		_ = e.Finish()
		return nil, fmt.Errorf("state: locations emitter: %w", err)
	}
	return &KafkaEmitter{emitter: e, locations: l}, nil
}

// EmitLocations implements LocationEmitter: every ping is produced at once
// (the producer batches them per partition), as a codecs.TrackingInput, and
// it returns once Kafka acknowledged all of them, or the first failure, or
// when ctx is done. The producer stamps each record with the time it was
// written: the tracking group judges the ping's time by it.
func (e *KafkaEmitter) EmitLocations(ctx context.Context, pings []*codecs.LocationPing) error {
	done := make(chan error, len(pings))
	for _, p := range pings {
		promise, err := e.locations.Emit(p.TenantID+"/"+p.TradespersonID, &codecs.TrackingInput{Ping: p})
		if err != nil {
			return fmt.Errorf("state: emitting location of %s: %w", p.TradespersonID, err)
		}
		promise.Then(func(err error) { done <- err })
	}
	for range pings {
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("state: emitting locations: %w", err)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
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

// Close flushes pending records and closes the producers.
func (e *KafkaEmitter) Close() error {
	return errors.Join(e.emitter.Finish(), e.locations.Finish())
}
