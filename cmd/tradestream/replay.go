package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// replayPlan is what replay does to one group.
type replayPlan struct {
	group goka.Group
	// offsets are the committed offsets to set, per input topic and partition.
	offsets map[string]map[int32]int64
	// table is the group table recreated empty (from earliest only).
	table *topology.Spec
}

// replayCmd resets processor groups so that they reprocess their inputs:
// from earliest (the group table is recreated empty, so state is rebuilt
// from scratch) or from a time (inputs after it are delivered again to the
// current table; idempotent handlers ignore what they applied already).
// The groups must be stopped; instances restarted afterwards wipe local
// state that is ahead of a recreated table.
func replayCmd(ctx context.Context, args []string, stdout io.Writer) error {
	f := newFlagSet("replay")
	f.common()
	f.cluster()
	groupsFlag := f.String("group", "", `processor groups to replay: "all" or a comma-separated list (required)`)
	from := f.String("from", "earliest", `"earliest" or an RFC 3339 time`)
	dryRun := f.Bool("dry-run", false, "print the plan and change nothing")
	watch := f.Bool("watch", false, "after the reset, show progress until the groups caught up (start the instances meanwhile)")
	cfg, err := f.parse(args)
	if err != nil {
		return err
	}
	if cfg.Brokers == "" || *groupsFlag == "" {
		return usageErr("replay needs --brokers and --group")
	}
	names, err := selectGroups(*groupsFlag)
	if err != nil {
		return err
	}
	var at time.Time
	if *from != "earliest" {
		if at, err = time.Parse(time.RFC3339, *from); err != nil {
			return usageErr("--from must be earliest or an RFC 3339 time: %v", err)
		}
	}
	cat, err := topology.NewCatalog(cfg.kafka(), codecs.NewMemoryRegistry())
	if err != nil {
		return err
	}
	client, err := sarama.NewClient(cat.Config().Brokers, cat.Config().Sarama())
	if err != nil {
		return fmt.Errorf("connecting: %w", cat.Config().Security.Explain(err))
	}
	defer client.Close()
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		return err
	}
	var plans []replayPlan
	for _, n := range names {
		p, err := planReplay(client, admin, cat, groups[n](cat), at)
		if err != nil {
			return err
		}
		plans = append(plans, p)
	}
	for _, p := range plans {
		printPlan(stdout, p, *from)
	}
	if *dryRun {
		fmt.Fprintln(stdout, "dry run: nothing changed")
		return nil
	}
	for _, p := range plans {
		if err := executeReplay(ctx, client, admin, cat, p); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "reset %s\n", p.group)
	}
	fmt.Fprintln(stdout, "start the instances: they reprocess from the new offsets (local state ahead of a recreated table is wiped)")
	if *watch {
		return watchReplay(ctx, stdout, client, plans)
	}
	return nil
}

// planReplay refuses a group with active members and computes its offsets.
func planReplay(client sarama.Client, admin sarama.ClusterAdmin, cat *topology.Catalog, g *goka.GroupGraph, at time.Time) (replayPlan, error) {
	desc, err := admin.DescribeConsumerGroups([]string{string(g.Group())})
	if err != nil {
		return replayPlan{}, fmt.Errorf("describing %s: %w", g.Group(), err)
	}
	for _, d := range desc {
		if len(d.Members) > 0 {
			return replayPlan{}, fmt.Errorf("group %s has %d active members: stop every instance running it first", g.Group(), len(d.Members))
		}
	}
	p := replayPlan{group: g.Group(), offsets: map[string]map[int32]int64{}}
	inputs := append(goka.Edges{}, g.InputStreams()...)
	if loop := g.LoopStream(); loop != nil {
		inputs = append(inputs, loop) // a loopback is an input too: its log replays with the rest
	}
	for _, e := range inputs {
		parts, err := client.Partitions(e.Topic())
		if err != nil {
			return p, fmt.Errorf("partitions of %s: %w", e.Topic(), err)
		}
		p.offsets[e.Topic()] = map[int32]int64{}
		for _, part := range parts {
			when := sarama.OffsetOldest
			if !at.IsZero() {
				when = at.UnixMilli()
			}
			off, err := client.GetOffset(e.Topic(), part, when)
			if err != nil {
				return p, fmt.Errorf("offset of %s/%d: %w", e.Topic(), part, err)
			}
			if off < 0 { // no record at or after the time: the end
				if off, err = client.GetOffset(e.Topic(), part, sarama.OffsetNewest); err != nil {
					return p, err
				}
			}
			p.offsets[e.Topic()][part] = off
		}
	}
	if at.IsZero() && g.GroupTable() != nil {
		for _, s := range cat.Specs() {
			if s.Name == g.GroupTable().Topic() {
				spec := s
				p.table = &spec
			}
		}
	}
	return p, nil
}

func printPlan(w io.Writer, p replayPlan, from string) {
	fmt.Fprintf(w, "group %s from %s\n", p.group, from)
	for topic, parts := range p.offsets {
		var offs []string
		for part := int32(0); part < int32(len(parts)); part++ {
			offs = append(offs, fmt.Sprintf("%d:%d", part, parts[part]))
		}
		fmt.Fprintf(w, "  input %s → offsets %s\n", topic, strings.Join(offs, " "))
	}
	if p.table != nil {
		fmt.Fprintf(w, "  table %s → recreated empty (state is rebuilt from the inputs)\n", p.table.Name)
	}
}

// executeReplay recreates the table, then commits the planned offsets.
func executeReplay(ctx context.Context, client sarama.Client, admin sarama.ClusterAdmin, cat *topology.Catalog, p replayPlan) error {
	if p.table != nil {
		if err := admin.DeleteTopic(p.table.Name); err != nil && !errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
			return fmt.Errorf("deleting %s: %w", p.table.Name, err)
		}
		if err := waitTopicGone(ctx, admin, p.table.Name); err != nil {
			return err
		}
		if _, err := topology.Apply(ctx, cat.Config(), []topology.Spec{*p.table}); err != nil {
			return err
		}
	}
	om, err := sarama.NewOffsetManagerFromClient(string(p.group), client)
	if err != nil {
		return fmt.Errorf("offsets of %s: %w", p.group, err)
	}
	for topic, parts := range p.offsets {
		for part, off := range parts {
			pom, err := om.ManagePartition(topic, part)
			if err != nil {
				return fmt.Errorf("offsets of %s %s/%d: %w", p.group, topic, part, err)
			}
			pom.ResetOffset(off, "tradestream replay")
			if err := pom.Close(); err != nil {
				return err
			}
		}
	}
	om.Commit()
	return om.Close()
}

func waitTopicGone(ctx context.Context, admin sarama.ClusterAdmin, topic string) error {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		topics, err := admin.ListTopics()
		if err != nil {
			return err
		}
		if _, ok := topics[topic]; !ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("topic %s still exists 30 s after its deletion", topic)
}

// watchReplay shows how far the groups got through their inputs until
// they caught up: a bar with rate and ETA on a terminal, plain lines
// otherwise.
func watchReplay(ctx context.Context, w io.Writer, client sarama.Client, plans []replayPlan) error {
	tty := isTerminal(w)
	start := time.Now()
	total := int64(-1)
	for {
		todo, err := replayProgress(client, plans)
		if err != nil {
			return err
		}
		if total < 0 {
			total = todo
		}
		rate := float64(total-todo) / max(time.Since(start).Seconds(), 0.001)
		eta := "?"
		if rate > 0 {
			eta = (time.Duration(float64(todo)/rate) * time.Second).Round(time.Second).String()
		}
		line := fmt.Sprintf("%d records to go, %.0f records/s, ETA %s", todo, rate, eta)
		if tty {
			frac := 1.0
			if total > 0 {
				frac = 1 - float64(todo)/float64(total)
			}
			bar := strings.Repeat("█", int(frac*30)) + strings.Repeat("░", 30-int(frac*30))
			fmt.Fprintf(w, "\r%s %3.0f%% %s ", bar, frac*100, line)
		} else {
			fmt.Fprintln(w, line)
		}
		if todo == 0 {
			if tty {
				fmt.Fprintln(w)
			}
			fmt.Fprintln(w, "replay caught up")
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// replayProgress sums, over every planned input partition, the records
// between each group's committed offset and the end of the partition.
func replayProgress(client sarama.Client, plans []replayPlan) (todo int64, err error) {
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		return 0, err
	}
	for _, p := range plans {
		req := map[string][]int32{}
		for topic, parts := range p.offsets {
			for part := range parts {
				req[topic] = append(req[topic], part)
			}
		}
		resp, err := admin.ListConsumerGroupOffsets(string(p.group), req)
		if err != nil {
			return 0, err
		}
		for topic, parts := range p.offsets {
			for part := range parts {
				end, err := client.GetOffset(topic, part, sarama.OffsetNewest)
				if err != nil {
					return 0, err
				}
				committed := parts[part]
				if b := resp.GetBlock(topic, part); b != nil && b.Offset >= 0 {
					committed = b.Offset
				}
				todo += max(end-committed, 0)
			}
		}
	}
	return todo, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
