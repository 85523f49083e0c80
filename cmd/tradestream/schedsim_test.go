package main

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/calendar"
	"github.com/tradestream/tradestream/processors/dependencies"
	"github.com/tradestream/tradestream/processors/jobs"
	"github.com/tradestream/tradestream/processors/matching"
	"github.com/tradestream/tradestream/processors/tradespeople"
)

// memBus runs the scheduling groups' pure functions (jobs.Apply,
// calendar.Apply, dependencies.Apply, tradespeople.Apply, matching.Rank)
// over in-memory partitioned logs with Kafka's delivery semantics:
// per-partition order, at-least-once. Faults are injected on purpose:
//   - a redelivery rewinds a partition a few records (they are processed again);
//   - a duplicate appends a copy of a record to the end of its partition
//     (a producer retry, or the kfake test's duplicator);
//   - a crash processes a record, keeps its state change, loses the records
//     it sent and rewinds every partition to its last commit;
//   - Restart rewinds every partition to its last commit.
//
// Commits happen every commitEvery records. It is the many-seed tier of the
// scheduling scenario; the kfake test runs the real groups.
type memBus struct {
	rng   *rand.Rand
	parts int
	logs  map[string][][]memMsg // topic → partition → records
	next  map[string][]int      // consumed position
	done  map[string][]int      // committed position

	jobs   map[string]*codecs.Job
	cals   map[string]*codecs.Calendar
	graphs map[string]*codecs.DependencyGraph
	tps    map[string]*codecs.Tradesperson
	seq    map[string]int64

	pRedeliver, pCrash, pDuplicate float64
	commitEvery                    int
	processed, faults              int
	notified                       map[string]bool
	trace                          func(topic string, m memMsg, crash bool)
}

type memMsg struct {
	key   string
	cmd   *codecs.Command
	cal   *codecs.CalendarRequest
	match *codecs.MatchRequest
}

// Topics of the bus.
const (
	busJobs  = "job-commands"
	busTPs   = "tradesperson-commands"
	busCal   = "calendar-commands"
	busDeps  = "dependency-commands"
	busMatch = "match-events"
)

var busTopics = []string{busJobs, busTPs, busCal, busDeps, busMatch}

func newMemBus(seed uint64, pRedeliver, pCrash float64) *memBus {
	return newMemBusDup(seed, pRedeliver, pCrash, 0)
}

// newMemBusDup is newMemBus with duplicates at the rate pDuplicate.
func newMemBusDup(seed uint64, pRedeliver, pCrash, pDuplicate float64) *memBus {
	b := &memBus{rng: rand.New(rand.NewPCG(seed, 0xb05)), parts: 6, logs: map[string][][]memMsg{},
		next: map[string][]int{}, done: map[string][]int{}, jobs: map[string]*codecs.Job{},
		cals: map[string]*codecs.Calendar{}, graphs: map[string]*codecs.DependencyGraph{},
		tps: map[string]*codecs.Tradesperson{}, seq: map[string]int64{}, pRedeliver: pRedeliver, pCrash: pCrash, pDuplicate: pDuplicate,
		commitEvery: 50, notified: map[string]bool{}}
	for _, t := range busTopics {
		b.logs[t] = make([][]memMsg, b.parts)
		b.next[t] = make([]int, b.parts)
		b.done[t] = make([]int, b.parts)
	}
	return b
}

func (b *memBus) send(topic string, m memMsg) {
	h := fnv.New32a()
	h.Write([]byte(m.key))
	p := int(h.Sum32() % uint32(b.parts))
	b.logs[topic][p] = append(b.logs[topic][p], m)
}

// submit is the HTTP API and ingest: stamp the tenant's sequence number and
// route the command to its owner.
func (b *memBus) submit(c *codecs.Command) {
	c = ptrCopy(c)
	b.seq[c.TenantID]++
	c.Seq = b.seq[c.TenantID]
	if c.Kind == codecs.KindUpsertTradesperson {
		b.send(busTPs, memMsg{key: c.TenantID + "/" + c.TradespersonID, cmd: c})
		return
	}
	b.send(busJobs, memMsg{key: c.TenantID + "/" + c.JobID, cmd: c})
}

func ptrCopy[T any](v *T) *T { c := *v; return &c }

// pending reports whether any record waits to be processed.
func (b *memBus) pending() bool {
	for _, t := range busTopics {
		for p := range b.parts {
			if b.next[t][p] < len(b.logs[t][p]) {
				return true
			}
		}
	}
	return false
}

// step processes one record of a random non-empty partition, with faults.
func (b *memBus) step() {
	type tp struct {
		topic string
		p     int
	}
	var ready []tp
	for _, t := range busTopics {
		for p := range b.parts {
			if b.next[t][p] < len(b.logs[t][p]) {
				ready = append(ready, tp{t, p})
			}
		}
	}
	if len(ready) == 0 {
		return
	}
	c := ready[b.rng.IntN(len(ready))]
	m := b.logs[c.topic][c.p][b.next[c.topic][c.p]]
	b.next[c.topic][c.p]++
	out := b.handle(c.topic, m)
	b.processed++
	r := b.rng.Float64()
	if b.trace != nil {
		b.trace(c.topic, m, r < b.pCrash)
	}
	switch {
	case r < b.pCrash:
		b.faults++
		b.Restart() // the records it sent are lost
		return
	case r < b.pCrash+b.pRedeliver:
		b.faults++
		b.next[c.topic][c.p] = max(b.done[c.topic][c.p], b.next[c.topic][c.p]-1-b.rng.IntN(3))
	case r < b.pCrash+b.pRedeliver+b.pDuplicate:
		b.faults++
		b.logs[c.topic][c.p] = append(b.logs[c.topic][c.p], m)
	}
	for _, o := range out {
		b.send(o.topic, o.msg)
	}
	if b.processed%b.commitEvery == 0 {
		for _, t := range busTopics {
			copy(b.done[t], b.next[t])
		}
	}
}

// Restart rewinds every partition to its last commit, as a restarted
// instance does.
func (b *memBus) Restart() {
	for _, t := range busTopics {
		copy(b.next[t], b.done[t])
	}
}

// drain processes until no record is left.
func (b *memBus) drain(limit int) error {
	for i := 0; b.pending(); i++ {
		if i > limit {
			return fmt.Errorf("still busy after %d records", limit)
		}
		b.step()
	}
	return nil
}

type busOut struct {
	topic string
	msg   memMsg
}

func (b *memBus) handle(topic string, m memMsg) []busOut {
	switch topic {
	case busJobs:
		return b.handleJob(m)
	case busTPs:
		return b.handleTradesperson(m)
	case busCal:
		next, answers := calendar.Apply(b.cals[m.key], m.cal)
		if next != nil {
			b.cals[m.key] = next
		}
		return commandsTo(busJobs, answers)
	case busDeps:
		next, out := dependencies.Apply(b.graphs[m.key], m.cmd)
		if next != nil {
			b.graphs[m.key] = next
		}
		return commandsTo(busJobs, out)
	case busMatch:
		return b.handleMatch(m)
	}
	return nil
}

func commandsTo(topic string, cmds []*codecs.Command) []busOut {
	out := make([]busOut, len(cmds))
	for i, c := range cmds {
		out[i] = busOut{topic, memMsg{key: c.TenantID + "/" + c.JobID, cmd: c}}
	}
	return out
}

func (b *memBus) handleJob(m memMsg) []busOut {
	cur := b.jobs[m.key]
	var env jobs.Env
	if m.cmd.SubmitBid != nil {
		env.Tradesperson = b.tps[m.cmd.TenantID+"/"+m.cmd.SubmitBid.TradespersonID]
	}
	res := jobs.Apply(cur, m.cmd, env)
	if res.Job != nil {
		b.jobs[m.key] = res.Job
	}
	var out []busOut
	for _, e := range res.Effects {
		if e.To == jobs.ToMatching {
			if e.Kind != codecs.MatchJob {
				continue // no waiting in this bus: its matching has every tradesperson at once
			}
			j := res.Job
			out = append(out, busOut{busMatch, memMsg{key: m.key, match: &codecs.MatchRequest{JobID: j.ID,
				CustomerID: j.CustomerID, Title: j.Title, Location: j.Location, Window: j.Window,
				DurationMinutes: j.DurationMinutes, Mode: j.Mode, PostedAt: j.CreatedAt}}})
			continue
		}
		for _, msg := range jobs.ScheduleMessages(m.cmd, res.Job, e) {
			switch msg.To {
			case jobs.ToCalendar:
				out = append(out, busOut{busCal, memMsg{key: msg.Key, cal: msg.Calendar}})
			case jobs.ToJob:
				out = append(out, busOut{busJobs, memMsg{key: msg.Key, cmd: msg.Command}})
			case jobs.ToDependencies:
				out = append(out, busOut{busDeps, memMsg{key: msg.Key, cmd: msg.Command}})
			case jobs.ToNotify:
				b.notified[msg.Notification.ID+"@"+msg.Key] = true
			}
		}
	}
	return out
}

// handleTradesperson is the tradespeople group: the profile, then its
// calendar feed (again on a redelivery of the last change).
func (b *memBus) handleTradesperson(m memMsg) []busOut {
	cur := b.tps[m.key]
	if cur != nil && m.cmd.Seq == cur.Seq {
		return []busOut{{busCal, memMsg{key: m.key, cal: tradespeople.CalendarProfile(m.cmd, cur)}}}
	}
	next, del := tradespeople.Apply(cur, m.cmd)
	switch {
	case del:
		delete(b.tps, m.key)
	case next != nil:
		b.tps[m.key] = next
	default:
		return nil
	}
	return []busOut{{busCal, memMsg{key: m.key, cal: tradespeople.CalendarProfile(m.cmd, next)}}}
}

// handleMatch is the matching group, without the spatial index: every
// tradesperson of the tenant with the trade is a member of the job's cell.
func (b *memBus) handleMatch(m memMsg) []busOut {
	tenant, _, _ := strings.Cut(m.key, "/")
	j := b.jobs[m.key]
	var members []codecs.CellMember
	keys := make([]string, 0, len(b.tps))
	for k := range b.tps {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		tp := b.tps[k]
		if tp.TenantID == tenant && j != nil && slices.Contains(tp.Trades, j.Trade) {
			members = append(members, codecs.CellMember{TradespersonID: tp.ID, Base: tp.Base, RadiusKm: tp.RadiusKm,
				Active: tp.Active, WorkingHours: tp.WorkingHours, RatingCount: tp.Rating.Count, RatingAverage: tp.Rating.Average})
		}
	}
	ranked := matching.Ranked(matching.Rank(members, m.match, matching.MaxRanked))
	return []busOut{{busJobs, memMsg{key: m.key, cmd: &codecs.Command{CommandID: "match-" + m.match.JobID, TenantID: tenant,
		JobID: m.match.JobID, Kind: codecs.KindCandidates, AcceptedAt: m.match.PostedAt, Source: codecs.SourceInternal,
		Ranked: ranked}}}}
}

// tables returns the calendars and jobs, as the checker reads them.
func (b *memBus) tables() ([]codecs.Calendar, []codecs.Job) {
	var cals []codecs.Calendar
	for _, c := range b.cals {
		cals = append(cals, *c)
	}
	var js []codecs.Job
	for _, j := range b.jobs {
		js = append(js, *j)
	}
	return cals, js
}

// statuses counts jobs by status.
func statuses(js []codecs.Job) map[string]int {
	out := map[string]int{}
	for _, j := range js {
		out[j.Status]++
	}
	return out
}

// runScenario feeds cmds into the bus, a few steps per command (so that
// commands race the exchanges they cause), restarts it halfway, and
// drains it.
func runScenario(b *memBus, cmds []*codecs.Command) error {
	for i, c := range cmds {
		b.submit(c)
		for range b.rng.IntN(12) {
			b.step()
		}
		if i == len(cmds)/2 {
			b.Restart()
		}
	}
	return b.drain(100 * len(cmds))
}
