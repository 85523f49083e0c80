package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// describe writes the processor topology generated from the catalog and the
// group graphs: like Kafka Streams' Topology.describe() and ksqlDB's EXPLAIN.
// format is "text" or "mermaid".
func describe(w io.Writer, cat *topology.Catalog, format string) error {
	graphs := make([]*goka.GroupGraph, 0, len(groups))
	for _, n := range groupNames() {
		graphs = append(graphs, groups[n](cat))
	}
	switch format {
	case "text":
		describeText(w, cat, graphs)
	case "mermaid":
		describeMermaid(w, graphs)
	default:
		return usageErr("unknown format %q (have text, mermaid)", format)
	}
	return nil
}

func describeText(w io.Writer, cat *topology.Catalog, graphs []*goka.GroupGraph) {
	fmt.Fprintln(w, "| topic | key | value | partitions | cleanup | retention | written by |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, s := range cat.Specs() {
		retention := "forever"
		if s.Retention > 0 {
			retention = s.Retention.String()
			if s.Retention%(24*time.Hour) == 0 {
				retention = fmt.Sprintf("%dd", s.Retention/(24*time.Hour))
			}
		}
		owner := string(s.Owner)
		if owner == "" {
			owner = writers(s.Name, []string{string(cat.Commands.Topic), string(cat.TrackingInputs.Topic)}, graphs)
		}
		cleanup := s.Cleanup
		if s.Segment > 0 {
			cleanup += ", segments of " + strings.TrimSuffix(s.Segment.String(), "0s") // 10m0s: 10m
		}
		fmt.Fprintf(w, "| `%s` | %s | `%s` | %d | %s | %s | %s |\n", s.Name, s.Key, s.Value, s.Partitions, cleanup, retention, owner)
	}
	fmt.Fprintln(w)
	for _, g := range graphs {
		fmt.Fprintf(w, "group %s\n", g.Group())
		for _, e := range g.InputStreams() {
			fmt.Fprintf(w, "  input   %s\n", e.Topic())
		}
		for _, e := range g.LookupTables() {
			fmt.Fprintf(w, "  lookup  %s\n", e.Topic())
		}
		for _, e := range g.JointTables() {
			fmt.Fprintf(w, "  join    %s\n", e.Topic())
		}
		if e := g.LoopStream(); e != nil {
			fmt.Fprintf(w, "  loop    %s\n", e.Topic())
		}
		if e := g.GroupTable(); e != nil {
			fmt.Fprintf(w, "  table   %s\n", e.Topic())
		}
		for _, e := range g.OutputStreams() {
			fmt.Fprintf(w, "  output  %s\n", e.Topic())
		}
	}
}

// writers names who writes a topic with no owning group: the groups that
// output it, and the API for the topics it writes (the commands, the
// pings).
func writers(topic string, api []string, graphs []*goka.GroupGraph) string {
	var out []string
	if slices.Contains(api, topic) {
		out = append(out, "HTTP API", "simulator")
	}
	for _, g := range graphs {
		for _, e := range g.OutputStreams() {
			if e.Topic() == topic {
				out = append(out, string(g.Group()))
			}
		}
	}
	if len(out) == 0 {
		return "HTTP API, simulator"
	}
	return strings.Join(out, ", ")
}

func describeMermaid(w io.Writer, graphs []*goka.GroupGraph) {
	id := func(s string) string { return strings.NewReplacer(".", "_", "-", "_").Replace(s) }
	fmt.Fprintln(w, "flowchart LR")
	for _, g := range graphs {
		gid := "g_" + id(string(g.Group())) // a group and a topic may share a name
		fmt.Fprintf(w, "  %s[[%s]]\n", gid, g.Group())
		for _, e := range g.InputStreams() {
			fmt.Fprintf(w, "  %s([%s]) --> %s\n", id(e.Topic()), e.Topic(), gid)
		}
		for _, e := range append(g.LookupTables(), g.JointTables()...) {
			fmt.Fprintf(w, "  %s[(%s)] -.-> %s\n", id(e.Topic()), e.Topic(), gid)
		}
		if e := g.GroupTable(); e != nil {
			fmt.Fprintf(w, "  %s --> %s[(%s)]\n", gid, id(e.Topic()), e.Topic())
		}
		for _, e := range g.OutputStreams() {
			fmt.Fprintf(w, "  %s --> %s([%s])\n", gid, id(e.Topic()), e.Topic())
		}
	}
}

func topologyCmd(_ context.Context, args []string, stdout io.Writer) error {
	f := newFlagSet("topology")
	f.common()
	format := f.String("format", "text", "text or mermaid")
	cfg, err := f.parse(args)
	if err != nil {
		return err
	}
	cat, err := topology.NewCatalog(topology.Config{Brokers: []string{"unused"}, Partitions: int32(cfg.Partitions),
		Prefix: cfg.TopicPrefix, CDCTopics: cfg.cdcTopicList()}, codecs.NewMemoryRegistry())
	if err != nil {
		return err
	}
	return describe(stdout, cat, *format)
}
