// Package cdcmark orders the commands the cdc group maps from Debezium
// change events, so that the groups owning their entities (jobs,
// tradespeople) apply each at most once.
//
// The cdc group may write a command again: its state and its commands are
// written independently, so after a crash a redelivered change event sends
// the commands of its last mapping again (its outbox). Such a repeat is a
// new record on the commands topic with a new sequence number, so the
// owner cannot recognise it by Seq. It recognises it by its mark instead:
//
//	"<topic> <position>/<index>"
//
// where position is the change's source position (fixed width per
// connector, sorting like the source log; "<position>/tombstone" for a
// tombstone that completed a delete) and index numbers the change's
// commands (four digits). Marks of one topic sort like the changes they
// come from, so an owner that remembers the last mark it applied per topic
// ignores every command at or before it: a repeat, or a replay of the cdc
// group from scratch.
package cdcmark

import (
	"fmt"
	"slices"
	"strings"
)

// Of is the mark of the index-th command of the change at position on topic.
func Of(topic, position string, index int) string {
	return fmt.Sprintf("%s %s/%04d", topic, position, index)
}

// topic is the topic part of a mark ("" for a malformed one).
func topic(mark string) string {
	t, _, ok := strings.Cut(mark, " ")
	if !ok {
		return ""
	}
	return t
}

// Seen reports whether marks (an entity's, one per topic) hold a mark of
// mark's topic at or after it: the command was already applied, or a later
// one of the same source was. An empty or malformed mark is never seen.
func Seen(marks []string, mark string) bool {
	t := topic(mark)
	if t == "" {
		return false
	}
	for _, m := range marks {
		if topic(m) == t {
			return mark <= m
		}
	}
	return false
}

// Note returns marks with mark as its topic's last applied one. marks is
// not modified; an empty or malformed mark leaves them as they are. The
// result is never nil.
func Note(marks []string, mark string) []string {
	out := slices.Clone(marks)
	if out == nil {
		out = []string{}
	}
	t := topic(mark)
	if t == "" {
		return out
	}
	for i, m := range out {
		if topic(m) == t {
			if mark > m {
				out[i] = mark
			}
			return out
		}
	}
	return append(out, mark)
}
