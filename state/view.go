package state

import (
	"context"
	"fmt"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/topology"
)

// View is a typed, read-only view of a group table.
type View[T any] struct {
	view *goka.View
}

// NewView opens a view of table. Run must be called for it to fill.
func NewView[T any](cfg topology.Config, table *topology.Table[T], opts ...goka.ViewOption) (*View[T], error) {
	v, err := goka.NewView(cfg.Brokers, table.Topic, table.GokaCodec(), append(cfg.ViewOptions(), opts...)...)
	if err != nil {
		return nil, fmt.Errorf("state: view of %s: %w", table.Topic, err)
	}
	return &View[T]{view: v}, nil
}

// Run fills and follows the view until ctx is done.
func (v *View[T]) Run(ctx context.Context) error { return v.view.Run(ctx) }

// Recovered reports whether the view caught up with its table once.
func (v *View[T]) Recovered() bool { return v.view.Recovered() }

// Stats reports the view's partitions: status and recovery progress.
func (v *View[T]) Stats(ctx context.Context) *goka.ViewStats { return v.view.Stats(ctx) }

// Get returns key's value, or nil when the table has none.
func (v *View[T]) Get(key string) (*T, error) {
	x, err := v.view.Get(key)
	if err != nil {
		return nil, fmt.Errorf("state: reading %s: %w", key, err)
	}
	t, _ := x.(*T)
	return t, nil
}

// Getter reads one value by key. *View satisfies it; tests use maps.
type Getter[T any] interface {
	Get(key string) (*T, error)
}
