package cdc

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// Debezium's headers on the two halves of a primary-key change.
const (
	HeaderNewKey = "__debezium.newkey"
	HeaderOldKey = "__debezium.oldkey"
)

// Mapper is a compiled mapping. Apply is a pure function of the mapping, the
// group's state for the record key and the change; it is safe for
// concurrent use.
type Mapper struct {
	tables []*table
	byName map[string]*table
}

type table struct {
	Table
	columns map[string]Column
	names   []string // sorted
	entity  func(*codecs.Command, string)
	rules   []*rule
}

type rule struct {
	Rule
	payload *payloadType
	fields  []fieldSet
	consts  []func(reflect.Value)
}

type fieldSet struct {
	column string
	set    setFn
}

// Change is one record of a CDC topic as the group sees it.
type Change struct {
	Topic string
	// Key is the record key exactly as it arrived (the group table's key).
	Key string
	// Event is the decoded value; nil for a tombstone.
	Event   *Event
	Headers map[string][]byte
	// KeyRow is the decoded key, when it decodes: the id of a deleted row
	// whose before image is empty (REPLICA IDENTITY NOTHING).
	KeyRow Row
	// Timestamp is the record's Kafka timestamp: the accepted_at of the
	// commands a tombstone completes (it has no source block).
	Timestamp time.Time
}

// Outcome says what Apply decided.
type Outcome int

// Outcomes of Apply.
const (
	// Applied: the commands (possibly none) go out, the state and an audit
	// record are written.
	Applied Outcome = iota
	// Duplicate: the event is at or before the row's last applied
	// position (a replay, a connector restart): no effect but Resend.
	Duplicate
	// Ignored: a tombstone after an applied delete, or of a row never seen.
	Ignored
)

// Result is the outcome of Apply.
type Result struct {
	Outcome  Outcome
	Commands []*codecs.Command
	// Audit is set when Applied; the caller fills Partition and Offset.
	Audit *codecs.CDCAudit
	// State is the new state of the record key when Applied; Remember
	// adds the commands to its outbox.
	State *codecs.CDCState
	// Resend are the commands a redelivered change was mapped to, from the
	// row's outbox (see outbox.go), to write again as they are.
	Resend []codecs.CDCSent

	topic, idPos string // for Remember
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Apply maps one change given the record key's state (nil when none). An
// error means the change cannot be mapped: the caller dead-letters it and
// the state is unchanged.
func (m *Mapper) Apply(st *codecs.CDCState, ch Change) (Result, error) {
	if ch.Event == nil {
		return m.tombstone(st, ch)
	}
	ev := ch.Event
	switch ev.Op {
	case OpCreate, OpRead, OpUpdate, OpDelete:
	case OpTruncate:
		return Result{}, fmt.Errorf("%w: %s was truncated; deletes of its rows are not derived (see the cdc package doc)",
			ErrTruncate, ev.Source.QualifiedTable())
	default:
		return Result{}, fmt.Errorf("%w: op %q", ErrUnsupportedOp, ev.Op)
	}
	t := m.match(ev.Source)
	if t == nil {
		return Result{}, fmt.Errorf("%w: %s (%s connector)", ErrUnknownTable, ev.Source.QualifiedTable(), ev.Source.Connector)
	}
	pos, err := Position(ev.Source)
	if err != nil {
		return Result{}, err
	}
	prev := find(st, ch.Topic)
	if prev != nil && pos <= prev.Position {
		return Result{Outcome: Duplicate, Resend: resend(prev.Outbox, pos)}, nil
	}
	p := plan{t: t, ch: ch, pos: pos, prev: prev, at: commitTime(ev)}
	if ev.Op == OpDelete {
		err = p.delete()
	} else {
		err = p.upsert()
	}
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", t.Name, err)
	}
	return p.result(st, ev.Op), nil
}

// tombstone completes a delete the group did not see (compaction may have
// removed it); after an applied delete it has no effect, except that a
// redelivered tombstone that completed the delete sends its commands again.
func (m *Mapper) tombstone(st *codecs.CDCState, ch Change) (Result, error) {
	prev := find(st, ch.Topic)
	if prev == nil {
		return Result{Outcome: Ignored}, nil
	}
	if prev.Deleted {
		return Result{Outcome: Ignored, Resend: resend(prev.Outbox, tombstonePosition(prev.Position))}, nil
	}
	t := m.byName[prev.Mapping]
	if t == nil {
		return Result{}, fmt.Errorf("%w: tombstone of a row mapped by %q, which the mapping no longer has", ErrUnknownTable, prev.Mapping)
	}
	p := plan{t: t, ch: ch, pos: prev.Position, prev: prev, idPos: tombstonePosition(prev.Position),
		at: ch.Timestamp.UTC().Truncate(time.Millisecond)}
	if err := p.delete(); err != nil {
		return Result{}, err
	}
	return p.result(st, OpTombstone), nil
}

// tombstonePosition is the position a tombstone's commands derive from:
// after the row's last applied event, before the row's next one.
func tombstonePosition(last string) string { return last + "/tombstone" }

func (m *Mapper) match(s Source) *table {
	for _, t := range m.tables {
		w := t.Source
		if w.Table == s.Table && (w.Schema == "" || w.Schema == s.Schema) && (w.DB == "" || w.DB == s.DB) &&
			(w.Connector == "" || w.Connector == s.Connector) {
			return t
		}
	}
	return nil
}

func find(st *codecs.CDCState, topic string) *codecs.CDCSource {
	if st == nil {
		return nil
	}
	for i := range st.Sources {
		if st.Sources[i].Topic == topic {
			s := st.Sources[i]
			return &s
		}
	}
	return nil
}

// commitTime is when the change was committed in the source database
// (source.ts_ms), else when the connector saw it.
func commitTime(ev *Event) time.Time {
	ms := ev.Source.TsMs
	if ms == 0 {
		ms = ev.TsMs
	}
	return time.UnixMilli(ms).UTC()
}

// result assembles the new state and the audit record.
func (p *plan) result(st *codecs.CDCState, op string) Result {
	next := &codecs.CDCState{}
	if st != nil {
		next.Sources = slices.DeleteFunc(slices.Clone(st.Sources), func(s codecs.CDCSource) bool { return s.Topic == p.ch.Topic })
	}
	p.next.Outbox = []codecs.CDCSent{}
	if p.prev != nil && p.prev.Outbox != nil {
		p.next.Outbox = p.prev.Outbox
	}
	next.Sources = append(next.Sources, p.next)
	a := &codecs.CDCAudit{Topic: p.ch.Topic, Mapping: p.t.Name, Op: op, Effective: p.effective,
		Key: p.next.TenantID + "/" + p.next.EntityID, Position: p.pos,
		RenamedFrom: string(p.ch.Headers[HeaderOldKey]), RenamedTo: string(p.ch.Headers[HeaderNewKey]),
		CommandIDs: []string{}, Kinds: []string{}, SourceAt: p.at}
	if ev := p.ch.Event; ev != nil {
		s := ev.Source
		a.Table = s.QualifiedTable()
		a.LSN, a.TxID, a.Sequence = s.LSN, s.TxID, s.Sequence
		a.CommitLSN, a.ChangeLSN, a.EventSerialNo = s.CommitLSN, s.ChangeLSN, s.EventSerialNo
		a.SourceAt = commitTime(ev)
	} else {
		a.Table = p.t.Source.DB + "." + p.t.Source.Schema + "." + p.t.Source.Table
	}
	for _, c := range p.cmds {
		a.CommandIDs = append(a.CommandIDs, c.CommandID)
		a.Kinds = append(a.Kinds, c.Kind)
	}
	return Result{Outcome: Applied, Commands: p.cmds, Audit: a, State: next, topic: p.ch.Topic, idPos: p.idPosition()}
}
