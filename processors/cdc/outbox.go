package cdc

import (
	"fmt"
	"slices"

	"github.com/tradestream/tradestream/codecs"
)

// The outbox (CDCSource.Outbox) keeps the encoded commands of a row's last
// OutboxKeep changes that had any. Goka writes the group table and the
// commands independently: a crash may store the state of a change but lose
// its commands, and the change is then redelivered as a duplicate. A
// duplicate sends the commands of its position again (Result.Resend); the
// owning groups ignore a command whose mark (Command.CDCMark, see
// processors/internal/cdcmark) they have applied, so a repeat has no
// second effect.
//
// More than one change is kept because a crash may lose the commands of
// several changes of one row: they are redelivered in order and each sends
// its own again.

// OutboxKeep is how many changes' commands a row's outbox keeps.
const OutboxKeep = 4

// Remember encodes the commands of an applied change with encode, adds them
// to the row's outbox in r.State and returns them encoded, in order, for
// the caller to write. It does nothing when r is not Applied.
func (r *Result) Remember(encode func(*codecs.Command) ([]byte, error)) ([][]byte, error) {
	if r.Outcome != Applied || len(r.Commands) == 0 {
		return nil, nil
	}
	out := make([][]byte, len(r.Commands))
	sent := make([]codecs.CDCSent, len(r.Commands))
	for i, c := range r.Commands {
		b, err := encode(c)
		if err != nil {
			return nil, fmt.Errorf("cdc: encode command %s: %w", c.CommandID, err)
		}
		out[i] = b
		sent[i] = codecs.CDCSent{Position: r.idPos, TenantID: c.TenantID, EntityID: entityOf(c), Kind: c.Kind, Command: b}
	}
	for i := range r.State.Sources {
		if s := &r.State.Sources[i]; s.Topic == r.topic {
			s.Outbox = keep(append(slices.Clone(s.Outbox), sent...), OutboxKeep)
		}
	}
	return out, nil
}

// keep drops the entries of all but the last n positions.
func keep(outbox []codecs.CDCSent, n int) []codecs.CDCSent {
	seen := 0
	for i := len(outbox) - 1; i >= 0; i-- {
		if i == len(outbox)-1 || outbox[i].Position != outbox[i+1].Position {
			seen++
		}
		if seen > n {
			return slices.Clone(outbox[i+1:])
		}
	}
	return outbox
}

// resend returns the entries of the change at position. An upsert of a
// whole entity (a tradesperson's profile, or its removal) is left out when
// a later change of the row upserts the same entity again: that one is
// sent again when it is redelivered, right after, and re-sending the older
// one could bring back, for a moment, a tradesperson already removed.
func resend(outbox []codecs.CDCSent, position string) []codecs.CDCSent {
	var out []codecs.CDCSent
	for i, e := range outbox {
		if e.Position != position {
			continue
		}
		if e.Kind == codecs.KindUpsertTradesperson && slices.ContainsFunc(outbox[i+1:], func(l codecs.CDCSent) bool {
			return l.Position != position && l.Kind == e.Kind && l.TenantID == e.TenantID && l.EntityID == e.EntityID
		}) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// entityOf is the id of the entity a mapped command is about.
func entityOf(c *codecs.Command) string {
	switch {
	case c.JobID != "":
		return c.JobID
	case c.TradespersonID != "":
		return c.TradespersonID
	case c.PromoCode != "":
		return c.PromoCode
	}
	return c.PaymentID
}
