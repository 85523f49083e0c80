package cdc

import (
	"fmt"
	"slices"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/cdcmark"
)

// plan is the mapping of one change under way.
type plan struct {
	t  *table
	ch Change
	// pos is the event's position (for a tombstone, the state's); ids
	// derive from idPos when set.
	pos, idPos string
	prev       *codecs.CDCSource
	at         time.Time

	effective string
	next      codecs.CDCSource
	cmds      []*codecs.Command
}

// cell is a converted column value and its canonical text.
type cell struct {
	v    any
	text string
	null bool
}

type cells map[string]cell

// upsert maps c, r and u: a row Tradestream does not know (or knows as
// deleted) is created, a known row is updated.
func (p *plan) upsert() error {
	after := p.ch.Event.After
	if after == nil {
		return fmt.Errorf("%w: op %s without an after image", ErrBadEnvelope, p.ch.Event.Op)
	}
	vals, err := p.t.convert(after, true)
	if err != nil {
		return err
	}
	if err := p.unavailable(vals); err != nil {
		return err
	}
	tenant, id, err := p.identity(vals, nil)
	if err != nil {
		return err
	}
	if c := vals[p.t.Time]; p.t.Time != "" && !c.null {
		p.at = c.v.(time.Time).Truncate(time.Millisecond)
	}
	alive := p.prev != nil && !p.prev.Deleted
	if alive && (p.prev.TenantID != tenant || p.prev.EntityID != id) {
		// The row now maps to another entity: the old one goes first.
		if err := p.emit(OpDelete, p.prev.TenantID, p.prev.EntityID, imageCells(p.prev.Image), nil, true); err != nil {
			return err
		}
		alive = false
	}
	eff, before := OpCreate, cells(nil)
	if alive {
		eff, before = OpUpdate, imageCells(p.prev.Image)
	}
	if err := p.emit(eff, tenant, id, vals, before, p.ch.Headers[HeaderOldKey] != nil); err != nil {
		return err
	}
	p.next = codecs.CDCSource{Topic: p.ch.Topic, Mapping: p.t.Name, Position: p.pos, TenantID: tenant, EntityID: id,
		Image: image(p.t.names, vals)}
	return nil
}

// UnavailablePlaceholder is what Debezium's PostgreSQL connector writes for
// an unchanged TOASTed column of an update (unavailable.value.placeholder's
// default): the row's previous value is not in the WAL.
const UnavailablePlaceholder = "__debezium_unavailable_value"

// unavailable puts the last applied value back in columns the connector
// could not read; a row never seen has none to put back.
func (p *plan) unavailable(vals cells) error {
	for name, c := range vals {
		if c.null || c.text != UnavailablePlaceholder {
			continue
		}
		if p.prev == nil || p.prev.Deleted {
			return fmt.Errorf("%w: %s is unavailable (TOAST) in the first event of the row", ErrBadValue, name)
		}
		old := imageCells(p.prev.Image)[name]
		v, err := p.t.columns[name].convert(Value{V: old.text})
		if old.null {
			v = nil
		}
		if err != nil {
			return fmt.Errorf("column %s: %w", name, err)
		}
		vals[name] = cell{v: v, text: old.text, null: old.null}
	}
	return nil
}

// delete maps d (and tombstones). The tenant and id come from the before
// image when it has them, else from the state: PostgreSQL's before holds
// only the key unless the table has REPLICA IDENTITY FULL.
func (p *plan) delete() error {
	known := cells{}
	if p.prev != nil && !p.prev.Deleted {
		known = imageCells(p.prev.Image)
	}
	if ev := p.ch.Event; ev != nil && ev.Before != nil {
		before, err := p.t.convert(ev.Before, false)
		if err != nil {
			return err
		}
		for k, c := range before {
			known[k] = c
		}
	}
	tenant, id, err := p.identity(known, p.ch.KeyRow)
	if err != nil {
		return err
	}
	if err := p.emit(OpDelete, tenant, id, known, nil, p.ch.Headers[HeaderNewKey] != nil); err != nil {
		return err
	}
	p.next = codecs.CDCSource{Topic: p.ch.Topic, Mapping: p.t.Name, Position: p.pos, TenantID: tenant, EntityID: id,
		Deleted: true, Image: []codecs.CDCColumn{}}
	return nil
}

// idPosition is the position the change's command ids and marks derive from.
func (p *plan) idPosition() string {
	if p.idPos != "" {
		return p.idPos
	}
	return p.pos
}

// identity returns the row's tenant and entity id, falling back to the
// state and then to the record key.
func (p *plan) identity(vals cells, key Row) (tenant, id string, err error) {
	pick := func(col, remembered string) string {
		if c, ok := vals[col]; ok && !c.null && c.text != "" {
			return c.text // "" is Debezium's stand-in for a NOT NULL column not in the old tuple
		}
		if v, ok := key[col]; ok && text(v.V) != "" {
			return text(v.V)
		}
		return remembered
	}
	var rt, rid string
	if p.prev != nil {
		rt, rid = p.prev.TenantID, p.prev.EntityID
	}
	tenant, id = pick(p.t.Tenant, rt), pick(p.t.ID, rid)
	for col, v := range map[string]string{p.t.Tenant: tenant, p.t.ID: id} {
		switch {
		case v == "":
			return "", "", fmt.Errorf("%w: %s (and no earlier event of the row)", ErrMissingColumn, col)
		case !idPattern.MatchString(v):
			return "", "", fmt.Errorf("%w: %s %q is not an id ([A-Za-z0-9._-]{1,64})", ErrBadValue, col, v)
		}
	}
	return tenant, id, nil
}

// emit appends the commands of the rules that apply.
func (p *plan) emit(eff, tenant, id string, vals, before cells, renamed bool) error {
	p.effective = eff
	pos := p.idPosition()
	for _, r := range p.t.rules {
		if !r.applies(eff, vals, before, renamed) {
			continue
		}
		cmd := &codecs.Command{CommandID: commandID(p.ch.Topic, tenant+"/"+id, pos, len(p.cmds)), TenantID: tenant,
			Kind: r.Kind, AcceptedAt: p.at, Source: codecs.SourceCDC, CDCMark: cdcmark.Of(p.ch.Topic, pos, len(p.cmds))}
		p.t.entity(cmd, id)
		payload := r.payload.alloc(cmd)
		for _, f := range r.fields {
			if c := vals[f.column]; !c.null {
				if err := f.set(payload, c.v); err != nil {
					return fmt.Errorf("column %s: %w", f.column, err)
				}
			}
		}
		for _, c := range r.consts {
			c(payload)
		}
		p.cmds = append(p.cmds, cmd)
	}
	return nil
}

func (r *rule) applies(eff string, vals, before cells, renamed bool) bool {
	w := r.When
	if len(w.Op) > 0 && !slices.Contains(w.Op, eff) {
		return false
	}
	if w.Column != "" {
		if c, ok := vals[w.Column]; !ok || c.null || c.text != *w.Equals {
			return false
		}
	}
	if len(w.Changed) > 0 && (eff != OpUpdate || !slices.ContainsFunc(w.Changed, func(col string) bool {
		b, ok := before[col]
		return !ok || b.null != vals[col].null || b.text != vals[col].text
	})) {
		return false
	}
	return w.Renamed == nil || *w.Renamed == renamed
}

// convert converts the mapped columns of a row. With all, every mapped
// column must be present (NULL is fine); otherwise absent ones are skipped.
func (t *table) convert(row Row, all bool) (cells, error) {
	out := make(cells, len(t.columns))
	for _, name := range t.names {
		v, ok := row[name]
		if !ok {
			if all {
				return nil, fmt.Errorf("%w: %s", ErrMissingColumn, name)
			}
			continue
		}
		x, err := t.columns[name].convert(v)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", name, err)
		}
		if x == nil {
			out[name] = cell{null: true}
			continue
		}
		out[name] = cell{v: x, text: canonical(x)}
	}
	return out, nil
}

func image(names []string, vals cells) []codecs.CDCColumn {
	out := make([]codecs.CDCColumn, 0, len(names))
	for _, n := range names {
		c := vals[n]
		out = append(out, codecs.CDCColumn{Name: n, Value: c.text, Null: c.null})
	}
	return out
}

func imageCells(img []codecs.CDCColumn) cells {
	out := make(cells, len(img))
	for _, c := range img {
		out[c.Name] = cell{text: c.Value, null: c.Null}
	}
	return out
}
