package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/IBM/sarama"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// deadLetterRecord is one record of the dead-letter topic as dlq inspect
// prints it: where it sits, the dead letter itself, and the record headers.
type deadLetterRecord struct {
	DLQPartition int32             `json:"dlq_partition"`
	DLQOffset    int64             `json:"dlq_offset"`
	Timestamp    time.Time         `json:"timestamp"`
	Headers      map[string]string `json:"headers"`
	codecs.DeadLetter
	// DecodeError is set when the dead letter's value did not decode; the
	// other fields then come from the headers.
	DecodeError string `json:"decode_error,omitempty"`
}

// dlqFilter selects dead letters.
type dlqFilter struct {
	topic, group string
	since, until time.Time
	limit        int
}

// match reports whether d passes the filter (limit aside).
func (f dlqFilter) match(d *deadLetterRecord, prefix string) bool {
	switch {
	case f.topic != "" && d.Topic != f.topic && d.Topic != prefix+f.topic:
		return false
	case f.group != "" && d.Group != f.group && d.Group != prefix+f.group && d.Group != prefix+"tradestream."+f.group:
		return false
	case !f.since.IsZero() && d.Timestamp.Before(f.since):
		return false
	case !f.until.IsZero() && !d.Timestamp.Before(f.until):
		return false
	}
	return true
}

// dlqCmd is tradestream dlq inspect|replay.
func dlqCmd(ctx context.Context, sub string, args []string, stdout, stderr io.Writer) error {
	if sub != "inspect" && sub != "replay" {
		return usageErr("unknown dlq subcommand %q (have inspect, replay)", sub)
	}
	f := newFlagSet("dlq " + sub)
	f.common()
	f.cluster()
	var flt dlqFilter
	f.StringVar(&flt.topic, "topic", "", "only dead letters from this source topic (with or without --topic-prefix)")
	f.StringVar(&flt.group, "group", "", `only dead letters of this processor group ("jobs" or its full name)`)
	since := f.String("since", "", "only dead letters written at or after this time: RFC 3339, or a duration ago (e.g. 2h)")
	until := f.String("until", "", "only dead letters written before this time: RFC 3339, or a duration ago")
	f.IntVar(&flt.limit, "limit", 0, "at most this many dead letters (0: all)")
	format := "json"
	dryRun := false
	if sub == "inspect" {
		f.StringVar(&format, "format", "json", "json (JSON lines) or table")
	} else {
		f.BoolVar(&dryRun, "dry-run", false, "print what would be re-sent and send nothing")
	}
	cfg, err := f.parse(args)
	if err != nil {
		return err
	}
	if cfg.Brokers == "" || cfg.Registry == "" {
		return usageErr("dlq %s needs --brokers and --registry", sub)
	}
	now := time.Now()
	if flt.since, err = parseWhen(*since, now); err != nil {
		return usageErr("--since: %v", err)
	}
	if flt.until, err = parseWhen(*until, now); err != nil {
		return usageErr("--until: %v", err)
	}
	if flt.limit < 0 {
		return usageErr("--limit must not be negative")
	}
	if format != "json" && format != "table" {
		return usageErr("--format must be json or table")
	}
	cat, err := topology.NewCatalog(cfg.kafka(), cfg.registry())
	if err != nil {
		return err
	}
	client, err := sarama.NewClient(cat.Config().Brokers, cat.Config().Sarama())
	if err != nil {
		return fmt.Errorf("connecting: %w", cat.Config().Security.Explain(err))
	}
	defer client.Close()
	letters, err := readDeadLetters(ctx, client, cat, flt)
	if err != nil {
		return err
	}
	if sub == "inspect" {
		return printDeadLetters(stdout, letters, format)
	}
	return replayDeadLetters(cat.Config(), letters, dryRun, stdout)
}

// parseWhen parses an RFC 3339 time or a duration before now; "" is zero.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Parse(time.RFC3339, s)
}

// readDeadLetters reads the dead-letter topic up to its current end and
// returns the dead letters that pass flt, partition by partition in offset
// order.
func readDeadLetters(ctx context.Context, client sarama.Client, cat *topology.Catalog, flt dlqFilter) ([]*deadLetterRecord, error) {
	topic := string(cat.DeadLetters.Topic)
	ranges, err := topicRanges(client, topic, flt.since)
	if err != nil {
		return nil, err
	}
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return nil, err
	}
	defer consumer.Close()
	var out []*deadLetterRecord
	errFull := fmt.Errorf("limit reached")
	for _, r := range ranges {
		err := readRange(ctx, consumer, topic, r, func(m *sarama.ConsumerMessage) error {
			d := decodeDeadLetter(cat.DeadLetters.Avro, m)
			if flt.match(d, cat.Config().Prefix) {
				out = append(out, d)
				if flt.limit > 0 && len(out) >= flt.limit {
					return errFull
				}
			}
			return nil
		})
		if err == errFull {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// decodeDeadLetter decodes a dead-letter record; when its value does not
// decode, the headers say what they can.
func decodeDeadLetter(codec *codecs.Avro[codecs.DeadLetter], m *sarama.ConsumerMessage) *deadLetterRecord {
	d := &deadLetterRecord{DLQPartition: m.Partition, DLQOffset: m.Offset, Timestamp: m.Timestamp.UTC(), Headers: headerMap(m)}
	v, err := codec.Unmarshal(m.Value)
	if err == nil && v != nil {
		d.DeadLetter = *v
		return d
	}
	d.DecodeError = fmt.Sprint(err)
	d.Key, d.Error, d.Topic = string(m.Key), d.Headers["error"], d.Headers["source.topic"]
	if p, err := strconv.ParseInt(d.Headers["source.partition"], 10, 32); err == nil {
		d.Partition = int32(p)
	}
	d.Offset, _ = strconv.ParseInt(d.Headers["source.offset"], 10, 64)
	return d
}

func printDeadLetters(w io.Writer, letters []*deadLetterRecord, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		for _, d := range letters {
			if err := enc.Encode(d); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tGROUP\tSOURCE\tKEY\tERROR")
	for _, d := range letters {
		reason := strings.ReplaceAll(d.Error, "\n", " ")
		if len(reason) > 100 {
			reason = reason[:97] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s/%d@%d\t%s\t%s\n", d.Timestamp.Format(time.RFC3339), d.Group, d.Topic,
			d.Partition, d.Offset, d.Key, reason)
	}
	fmt.Fprintf(tw, "%d dead letters\n", len(letters))
	return tw.Flush()
}

// replayDeadLetters re-sends each dead letter's original bytes and key to
// its source topic and partition, with a header naming the dead letter.
// Replay re-sends: a dead letter replayed twice is delivered twice.
func replayDeadLetters(kc topology.Config, letters []*deadLetterRecord, dryRun bool, w io.Writer) error {
	var producer sarama.SyncProducer
	if !dryRun {
		conf := kc.Sarama()
		conf.Producer.Return.Successes = true
		conf.Producer.Partitioner = sarama.NewManualPartitioner
		p, err := sarama.NewSyncProducer(kc.Brokers, conf)
		if err != nil {
			return fmt.Errorf("producer: %w", err)
		}
		producer = p
		defer producer.Close()
	}
	sent, skipped := 0, 0
	for _, d := range letters {
		if d.Value == nil || d.Topic == "" {
			fmt.Fprintf(w, "skip   dlq %d@%d: no original value to re-send (%s)\n", d.DLQPartition, d.DLQOffset, d.Error)
			skipped++
			continue
		}
		fmt.Fprintf(w, "resend dlq %d@%d → %s/%d key %q (%d bytes; was: %s)\n", d.DLQPartition, d.DLQOffset,
			d.Topic, d.Partition, d.Key, len(d.Value), d.Error)
		if dryRun {
			continue
		}
		msg := &sarama.ProducerMessage{Topic: d.Topic, Partition: d.Partition, Key: sarama.StringEncoder(d.Key),
			Value: sarama.ByteEncoder(d.Value), Headers: []sarama.RecordHeader{{Key: []byte("tradestream.replayed-from"),
				Value: []byte(fmt.Sprintf("dlq/%d/%d", d.DLQPartition, d.DLQOffset))}}}
		if _, _, err := producer.SendMessage(msg); err != nil {
			return fmt.Errorf("re-sending dlq %d@%d to %s: %w", d.DLQPartition, d.DLQOffset, d.Topic, err)
		}
		sent++
	}
	if dryRun {
		fmt.Fprintf(w, "dry run: would re-send %d, skip %d; nothing sent\n", len(letters)-skipped, skipped)
		return nil
	}
	fmt.Fprintf(w, "re-sent %d dead letters, skipped %d\n", sent, skipped)
	return nil
}
