package jobs

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tradestream/tradestream/codecs"
)

// The outbox (Job.Outbox) keeps the effects of the last OutboxKeep commands
// that had any, each entry "<key> <to>/<kind>[/<arg>]" where the key is
// "#<seq>" for a client command and the command id for an internal one
// (internal ids are deterministic: a repeat has the same id). A redelivered
// command is recognised by its key and its effects are sent again instead
// of applying it twice: a crash may have stored the state but lost the
// messages.
//
// One command is not enough: after a crash, commands are redelivered from
// the last commit, and one that changed nothing the first time (a
// subscribe that arrived before its job was posted) may change the job the
// second time, before the command whose messages were lost comes again.
// Entries are rebuilt from the job as it is when sent (ScheduleMessages
// skips what no longer applies), and receivers are idempotent.

// OutboxKeep is how many commands' effects the outbox keeps.
const OutboxKeep = 8

// outboxKey names cmd in the outbox.
func outboxKey(cmd *codecs.Command) string {
	if cmd.Source == codecs.SourceInternal {
		return cmd.CommandID
	}
	return "#" + strconv.FormatInt(cmd.Seq, 10)
}

// record appends the effects of the command named key, keeping the
// entries of the last OutboxKeep commands.
func record(outbox []string, key string, effects []Effect) []string {
	if len(effects) == 0 || key == "" {
		return outbox
	}
	var keys []string
	for _, e := range outbox {
		if k, _, _ := strings.Cut(e, " "); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	var out []string
	if len(keys) >= OutboxKeep {
		drop := keys[:len(keys)-OutboxKeep+1]
		for _, e := range outbox {
			if k, _, _ := strings.Cut(e, " "); !slices.Contains(drop, k) {
				out = append(out, e)
			}
		}
	} else {
		out = slices.Clone(outbox)
	}
	for _, e := range effects {
		s := key + " " + strconv.Itoa(int(e.To)) + "/" + e.Kind
		if e.Arg != "" {
			s += "/" + e.Arg
		}
		out = append(out, s)
	}
	return out
}

// sent reports whether the outbox holds effects of the command named key.
func sent(outbox []string, key string) bool {
	return key != "" && slices.ContainsFunc(outbox, func(e string) bool { return strings.HasPrefix(e, key+" ") })
}

// replay returns the effects the command named key sent.
func replay(outbox []string, key string) []Effect {
	var out []Effect
	for _, s := range outbox {
		k, rest, ok := strings.Cut(s, " ")
		if !ok || k != key {
			continue
		}
		to, kind, ok := strings.Cut(rest, "/")
		kind, arg, _ := strings.Cut(kind, "/")
		if n, err := strconv.Atoi(to); ok && err == nil {
			out = append(out, Effect{Kind: kind, To: Target(n), Arg: arg})
		}
	}
	return out
}
