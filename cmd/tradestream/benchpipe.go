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
	fs := flag.NewFlagSet("bench pipe", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	brokers := fs.String("brokers", "", "Kafka bootstrap servers")
	in := fs.String("input", "", "topic to read")
	out := fs.String("output", "", "topic to write")
	group := fs.String("group", "", "consumer group")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *brokers == "" || *in == "" || *out == "" || *group == "" {
		return usageErr("bench pipe needs --brokers, --input, --output and --group")
	}
	tc := topology.Config{Brokers: splitList(*brokers), ClientID: "tradestream-pipe"}
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
	cg, err := sarama.NewConsumerGroup(tc.Brokers, *group, cfg)
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
	h := pipeHandler{out: *out, p: p}
	for ctx.Err() == nil {
		if err := cg.Consume(ctx, []string{*in}, h); err != nil && !errors.Is(err, sarama.ErrClosedConsumerGroup) {
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
