package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"

	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/memstore"
)

// benchGokaPipeCmd is `tradestream bench gokapipe`: workload (f), workload
// (d)'s copy of every record of --input to --output, but through one goka
// processor group built as the instances build theirs (see
// gokaPipeProcessor). Against (d) it shows goka's own cost per record;
// against (a) what the tracking group's join and state add to it.
func benchGokaPipeCmd(ctx context.Context, args []string, stderr io.Writer) error {
	c, err := parseCopyFlags("bench gokapipe", "goka processor group (its consumer group)", args)
	if err != nil {
		return err
	}
	tc := topology.Config{Brokers: splitList(c.brokers), ClientID: "tradestream-gokapipe"}
	tc.EnsureDefaults()
	p, err := gokaPipeProcessor(tc, c.group, c.input, c.output, gokaLogger{newLogger(stderr, "warn").With("component", "goka")})
	if err != nil {
		return err
	}
	if err := p.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("gokapipe: %w", err)
	}
	return nil
}

// gokaPipeGraph is the pass-through group: in as a goka.Input with the
// bytes codec, every record emitted unchanged (key and value) to out. It
// has no group table: ctx.Value and ctx.SetValue are never called.
func gokaPipeGraph(group, in, out string) *goka.GroupGraph {
	return goka.DefineGroup(goka.Group(group),
		goka.Input(goka.Stream(in), new(codec.Bytes), func(ctx goka.Context, msg any) {
			ctx.Emit(goka.Stream(out), ctx.Key(), msg)
		}),
		goka.Output(goka.Stream(out), new(codec.Bytes)),
	)
}

// gokaPipeProcessor builds the pass-through group with the options
// `tradestream run` gives every processor group: tc.ProcessorOptions (the
// Murmur2 hasher; consumer group, consumer, producer and topic manager
// built from tc.Sarama, so acks=all, idempotence, fetch settings and the
// commit interval are the instances'; topics checked, never created) and
// a goka logger. Goka marks an input's offset once the callback's emits
// are acknowledged, and sarama commits marked offsets every
// tc.CommitInterval: (d)'s commit rule. The storage builder is memstore's,
// but with no group table goka never calls it.
func gokaPipeProcessor(tc topology.Config, group, in, out string, log goka.Logger) (*goka.Processor, error) {
	opts := append(tc.ProcessorOptions(), goka.WithStorageBuilder(memstore.Builder()), goka.WithLogger(log))
	p, err := goka.NewProcessor(tc.Brokers, gokaPipeGraph(group, in, out), opts...)
	if err != nil {
		return nil, fmt.Errorf("gokapipe processor: %w", err)
	}
	return p, nil
}
