package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/IBM/sarama"

	"github.com/tradestream/tradestream/topology"
)

// benchPipeCmd is `tradestream bench pipe`: workload (d), a consumer group
// copying every record of --input to --output unchanged, with the client
// config of the instances (acks=all idempotent producer, fetch settings,
// commit interval). An offset is marked only once its copy is acknowledged.
func benchPipeCmd(ctx context.Context, args []string) error {
	c, err := parseCopyFlags("bench pipe", "consumer group", args)
	if err != nil {
		return err
	}
	tc := topology.Config{Brokers: splitList(c.brokers), ClientID: "tradestream-pipe"}
	tc.EnsureDefaults()
	cfg := tc.Sarama()
	cfg.Producer.Partitioner = sarama.NewCustomHashPartitioner(topology.Murmur2)
	cfg.Producer.Return.Successes = true
	cfg.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategyRange()}
	p, err := sarama.NewAsyncProducer(tc.Brokers, cfg)
	if err != nil {
		return fmt.Errorf("pipe producer: %w", err)
	}
	defer p.Close()
	cg, err := sarama.NewConsumerGroup(tc.Brokers, c.group, cfg)
	if err != nil {
		return fmt.Errorf("pipe consumer group: %w", err)
	}
	defer cg.Close()
	failed := make(chan error, 1)
	go func() {
		for {
			select {
			case m, ok := <-p.Successes():
				if !ok {
					return
				}
				src := m.Metadata.(pipeSource)
				src.session.MarkMessage(src.msg, "")
			case err, ok := <-p.Errors():
				if !ok {
					return
				}
				select {
				case failed <- err:
				default:
				}
			}
		}
	}()
	h := pipeHandler{out: c.output, p: p}
	for ctx.Err() == nil {
		if err := cg.Consume(ctx, []string{c.input}, h); err != nil && !errors.Is(err, sarama.ErrClosedConsumerGroup) {
			return fmt.Errorf("pipe: %w", err)
		}
		select {
		case err := <-failed:
			return fmt.Errorf("pipe: produce: %w", err)
		default:
		}
	}
	return nil
}

// copyFlags are the flags of the copying workers (bench pipe, bench
// gokapipe).
type copyFlags struct{ brokers, input, output, group string }

// parseCopyFlags parses a copying worker's flags; group names what its
// --group is.
func parseCopyFlags(name, group string, args []string) (copyFlags, error) {
	var c copyFlags
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	fs.StringVar(&c.brokers, "brokers", "", "Kafka bootstrap servers")
	fs.StringVar(&c.input, "input", "", "topic to read")
	fs.StringVar(&c.output, "output", "", "topic to write")
	fs.StringVar(&c.group, "group", "", group)
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	if c.brokers == "" || c.input == "" || c.output == "" || c.group == "" {
		return c, usageErr("%s needs --brokers, --input, --output and --group", name)
	}
	if c.input == c.output {
		return c, usageErr("%s: --input and --output must differ", name)
	}
	return c, nil
}

// pipeSource is the consumed record a copy stands for.
type pipeSource struct {
	session sarama.ConsumerGroupSession
	msg     *sarama.ConsumerMessage
}

type pipeHandler struct {
	out string
	p   sarama.AsyncProducer
}

func (pipeHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (pipeHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h pipeHandler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		h.p.Input() <- &sarama.ProducerMessage{Topic: h.out, Key: sarama.ByteEncoder(m.Key),
			Value: sarama.ByteEncoder(m.Value), Metadata: pipeSource{session: s, msg: m}}
	}
	return nil
}
