package cdc

import (
	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/topology"
)

// Define returns the cdc group graph with the embedded default mapping.
func Define(cat *topology.Catalog) *goka.GroupGraph {
	return DefineWith(cat, DefaultMapping())
}

// DefineWith returns the cdc group graph with mapping m: every Debezium
// topic of the catalog in, commands and audit records out.
func DefineWith(cat *topology.Catalog, m *Mapper) *goka.GroupGraph {
	p := &processor{cat: cat, mapper: m, dec: NewDecoder(cat.Registry())}
	edges := []goka.Edge{cat.Commands.Output(), cat.CDCAudit.Output()}
	for _, s := range cat.CDC {
		edges = append(edges, s.Input(p.handle))
	}
	return topology.DefineGroup(cat, cat.CDCState, edges...)
}

// ProcessorOptions are the goka options the cdc group needs besides the
// common ones: Debezium's delete tombstones (nil values) reach the handler.
func ProcessorOptions() []goka.ProcessorOption {
	return []goka.ProcessorOption{goka.WithNilHandling(goka.NilProcess)}
}

type processor struct {
	cat    *topology.Catalog
	mapper *Mapper
	dec    *Decoder
}

func (p *processor) handle(ctx goka.Context, value []byte) {
	ch := Change{Topic: string(ctx.Topic()), Key: ctx.Key(), Headers: ctx.Headers(), Timestamp: ctx.Timestamp()}
	if value != nil {
		ev, err := p.dec.Event(value)
		if err != nil {
			p.cat.DeadLetter(ctx, value, err)
			return
		}
		ch.Event = ev
		if ev.Op == OpDelete && ctx.Key() != "" {
			ch.KeyRow, _ = p.dec.Key([]byte(ctx.Key())) // best effort: only a fallback for the id
		}
	}
	res, err := p.mapper.Apply(p.cat.CDCState.Get(ctx), ch)
	if err != nil {
		p.cat.DeadLetter(ctx, value, err)
		return
	}
	for _, s := range res.Resend { // a redelivery: see outbox.go
		p.cat.Commands.EmitEncoded(ctx, s.TenantID, s.Command)
	}
	if res.Outcome != Applied {
		return
	}
	encoded, err := res.Remember(p.cat.Commands.Avro.Marshal)
	if err != nil {
		p.cat.DeadLetter(ctx, value, err)
		return
	}
	for i, c := range res.Commands {
		p.cat.Commands.EmitEncoded(ctx, c.TenantID, encoded[i])
	}
	res.Audit.Partition, res.Audit.Offset = ctx.Partition(), ctx.Offset()
	p.cat.CDCAudit.Emit(ctx, res.Audit.Key, res.Audit)
	p.cat.CDCState.Set(ctx, res.State)
}
