package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/tradestream/tradestream/topology"
)

// exportLine is one line of tradestream export: a key and its current
// value, decoded into the JSON the API serves.
type exportLine struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// exportCmd dumps a group table as JSON lines, one per live key: the
// table's state as of the command's start, read from its changelog.
func exportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlagSet("export")
	f.common()
	f.cluster()
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	cfg, err := f.parse(args)
	if err != nil {
		return err
	}
	if cfg.Brokers == "" || cfg.Registry == "" {
		return usageErr("export needs --brokers and --registry")
	}
	cat, err := topology.NewCatalog(cfg.kafka(), cfg.registry())
	if err != nil {
		return err
	}
	spec, ok := findTable(cat, cfg.TopicPrefix, name)
	if !ok {
		return usageErr("export TABLE: unknown table %q (have %s)", name, strings.Join(tableNames(cat, cfg.TopicPrefix), ", "))
	}
	client, err := sarama.NewClient(cat.Config().Brokers, cat.Config().Sarama())
	if err != nil {
		return fmt.Errorf("connecting: %w", cat.Config().Security.Explain(err))
	}
	defer client.Close()
	n, bad, err := exportTable(ctx, client, spec, stdout, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exported %d keys of %s\n", n, spec.Name)
	if bad > 0 {
		return fmt.Errorf("%d values of %s did not decode (see above)", bad, spec.Name)
	}
	return nil
}

// exportTable writes the live keys of spec's topic, partition by partition
// in key order; a key whose last record is a tombstone is left out.
func exportTable(ctx context.Context, client sarama.Client, spec topology.Spec, w, errw io.Writer) (n, bad int, err error) {
	ranges, err := topicRanges(client, spec.Name, time.Time{})
	if err != nil {
		return 0, 0, err
	}
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return 0, 0, err
	}
	defer consumer.Close()
	enc := json.NewEncoder(w)
	for _, r := range ranges {
		latest := map[string][]byte{}
		err := readRange(ctx, consumer, spec.Name, r, func(m *sarama.ConsumerMessage) error {
			if m.Value == nil {
				delete(latest, string(m.Key))
			} else {
				latest[string(m.Key)] = m.Value
			}
			return nil
		})
		if err != nil {
			return n, bad, err
		}
		keys := make([]string, 0, len(latest))
		for k := range latest {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v, err := spec.Codec.Decode(latest[k])
			var js []byte
			if err == nil {
				js, err = json.Marshal(v)
			}
			if err != nil {
				bad++
				fmt.Fprintf(errw, "%s/%d key %q: %v\n", spec.Name, r.partition, k, err)
				continue
			}
			if err := enc.Encode(exportLine{Key: k, Value: js}); err != nil {
				return n, bad, err
			}
			n++
		}
	}
	return n, bad, nil
}

// findTable finds a compacted topic of the catalog by its short name
// ("jobs"), its name without prefix ("tradestream.jobs-table") or its full name.
func findTable(cat *topology.Catalog, prefix, name string) (topology.Spec, bool) {
	for _, s := range cat.Specs() {
		if s.Cleanup != topology.CleanupCompact || name == "" {
			continue
		}
		if name == s.Name || prefix+name == s.Name || name == shortTableName(s.Name, prefix) {
			return s, true
		}
	}
	return topology.Spec{}, false
}

// tableNames lists the short names of the catalog's tables.
func tableNames(cat *topology.Catalog, prefix string) []string {
	var out []string
	for _, s := range cat.Specs() {
		if s.Cleanup == topology.CleanupCompact {
			out = append(out, shortTableName(s.Name, prefix))
		}
	}
	sort.Strings(out)
	return out
}

// shortTableName turns "<prefix>tradestream.jobs-table" into "jobs".
func shortTableName(topic, prefix string) string {
	s := strings.TrimPrefix(topic, prefix)
	s = strings.TrimPrefix(s, "tradestream.")
	return strings.TrimSuffix(s, "-table")
}
