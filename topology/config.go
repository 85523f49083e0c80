package topology

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"hash"
	"slices"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/rcrowley/go-metrics"
)

// Config is how Tradestream talks to Kafka.
type Config struct {
	// Brokers are the bootstrap addresses. Required.
	Brokers []string
	// Prefix is prepended to every topic and group name, to run several
	// environments (or test runs) on one cluster. Default: "".
	Prefix string
	// ClientID names this instance to the brokers. Default: "tradestream".
	ClientID string
	// Partitions is the partition count of every topic. Default: 12.
	Partitions int32
	// Replication is the replication factor of every topic. Default: 1.
	Replication int16
	// Linger is how long a producer waits for more records before it sends
	// a batch smaller than FlushBytes (Kafka's linger.ms). Default:
	// DefaultLinger; NoLinger (any negative value): none, a batch goes as
	// soon as the previous request returned.
	Linger time.Duration
	// FetchWait is how long the broker may hold a fetch that finds no new
	// record before it answers empty (Kafka's fetch.max.wait.ms). A fetch
	// is answered as soon as a record arrives, so it bounds how often an
	// idle consumer asks, not how late a record is seen. Default:
	// DefaultFetchWait; at least a millisecond.
	FetchWait time.Duration
	// Retention is the retention of streams. Default: 7 days.
	Retention time.Duration
	// CommitInterval is how often consumed offsets are committed. Default: 1s.
	CommitInterval time.Duration
	// CDCTopics are the Debezium topics of the legacy databases, taken as
	// named: Prefix does not apply to them. Default: DefaultCDCTopics().
	CDCTopics []string
	// Security is SASL/SCRAM and TLS to the brokers. Default: plaintext.
	Security Security

	tls *tls.Config // built from Security by Validate
	// sideKeyTopics are the group tables whose keys may be side keys
	// (goka.SideKeys), set by the catalog: see partitioner.
	sideKeyTopics map[string]bool
}

// DefaultCDCTopics returns the topics of the legacy PostgreSQL connector's
// tradespeople table and the SQL Server connector's jobs table.
func DefaultCDCTopics() []string {
	return []string{"legacy.public.tradespeople", "legacy.marketplace.dbo.jobs"}
}

// DefaultLinger is the producers' linger (Config.Linger). Without one, a
// record that arrives while no request is in flight is sent alone: a
// tenant writing a thousand records a second then costs the broker a
// thousand produce requests a second at each hop of the pipeline, and the
// other tenants' records queue behind them (BENCHMARKS.md, "Noisy
// neighbour"). Kafka 4's Java producer lingers 5 ms by default (KIP-1030);
// 2 ms keeps the hops' added latency small against the latency goals.
const DefaultLinger = 2 * time.Millisecond

// NoLinger as Config.Linger sends every batch as soon as it can.
const NoLinger time.Duration = -1

// FlushBytes is the size at which a producer's batch to a broker (one
// produce request, every partition's records) is sent without waiting for
// the linger. Under load a batch this size fills before the linger ends and
// goes at once. At 64 KiB (the earlier setting) the tracking group's
// eta_updates, about 190 bytes each, filled one in about 340 records: under
// a backlog it sent a request every 2 ms where a larger batch would have
// waited no longer, and the broker's CPU went to the requests
// (BENCHMARKS.md, "Results (2026-11-30, session 9)").
const FlushBytes = 256 << 10

// DefaultFetchWait is the consumers' fetch wait (Config.FetchWait), Kafka's
// default. An instance runs a consumer per view and per group, most of them
// idle at any time; each asks the broker again whenever its fetch comes
// back empty. At 20 ms (the earlier setting) an idle instance cost the broker
// about 0.1 of a core and itself as much, and under load a tenth of a
// machine's two cores went to asking (BENCHMARKS.md, "Results (2026-11-30, session 9)").
const DefaultFetchWait = 500 * time.Millisecond

// ErrConfig wraps every configuration error.
var ErrConfig = errors.New("topology: bad config")

// EnsureDefaults fills unset fields with their defaults.
func (c *Config) EnsureDefaults() {
	if c.ClientID == "" {
		c.ClientID = "tradestream"
	}
	if c.Partitions == 0 {
		c.Partitions = 12
	}
	if c.Replication == 0 {
		c.Replication = 1
	}
	if c.Retention == 0 {
		c.Retention = 7 * 24 * time.Hour
	}
	if c.CommitInterval == 0 {
		c.CommitInterval = time.Second
	}
	if len(c.CDCTopics) == 0 {
		c.CDCTopics = DefaultCDCTopics()
	}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	switch {
	case len(c.Brokers) == 0:
		return fmt.Errorf("%w: no brokers", ErrConfig)
	case c.Partitions < 1:
		return fmt.Errorf("%w: partitions %d < 1", ErrConfig, c.Partitions)
	case c.Replication < 1:
		return fmt.Errorf("%w: replication %d < 1", ErrConfig, c.Replication)
	case slices.Contains(c.CDCTopics, ""):
		return fmt.Errorf("%w: empty CDC topic name", ErrConfig)
	case c.FetchWait != 0 && c.FetchWait < time.Millisecond:
		return fmt.Errorf("%w: fetch wait %s < 1ms", ErrConfig, c.FetchWait)
	}
	return c.Security.validate()
}

// Secure checks Security and loads its TLS files once, before the first
// client is built. NewCatalog calls it.
func (c *Config) Secure() error {
	if err := c.Security.validate(); err != nil {
		return err
	}
	if c.Security.TLS && c.tls == nil {
		tc, err := c.Security.tlsConfig()
		if err != nil {
			return err
		}
		c.tls = tc
	}
	return nil
}

// Sarama's clients record go-metrics meters and histograms of every request
// (sizes, latencies, records per request) in their config's MetricRegistry,
// and nothing in tradestream reads them: the instances export their own
// metrics (Metrics). Off, as sarama's documentation suggests, they cost
// nothing; on, their histograms' updates alone were about 1.5 % of the
// tracking worker's CPU (BENCHMARKS.md, "Results (2026-11-30, session 9)").
func init() { metrics.UseNilMetrics = true }

// Sarama returns a fresh sarama config: acks=all idempotent producer, streams
// read from the oldest offset by new groups, and Goka's co-partitioning
// rebalance strategy.
func (c Config) Sarama() *sarama.Config {
	cfg := goka.DefaultConfig()
	cfg.ClientID = c.ClientID
	cfg.Version = sarama.V2_1_0_0
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Interval = c.CommitInterval
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Idempotent = true
	cfg.Net.MaxOpenRequests = 1
	cfg.Producer.Compression = sarama.CompressionNone
	cfg.Producer.Flush.Frequency, cfg.Producer.Flush.Bytes = 0, 0
	if linger := c.linger(); linger > 0 {
		cfg.Producer.Flush.Frequency, cfg.Producer.Flush.Bytes = linger, FlushBytes
	}
	cfg.Producer.Retry.Max = 10
	cfg.Producer.Retry.Backoff = 50 * time.Millisecond
	cfg.Metadata.RefreshFrequency = time.Minute
	// The broker answers a fetch as soon as a record arrives: the wait only
	// spaces out an idle consumer's fetches (DefaultFetchWait).
	cfg.Consumer.MaxWaitTime = c.fetchWait()
	// Members notice a rebalance within a heartbeat; a joining or leaving
	// instance should not wait seconds for the others.
	cfg.Consumer.Group.Heartbeat.Interval = time.Second
	cfg.Consumer.Group.Session.Timeout = 10 * time.Second
	cfg.Consumer.Group.Rebalance.Timeout = 20 * time.Second
	tc := c.tls
	if c.Security.TLS && tc == nil { // a config not built by NewCatalog: Secure reports errors
		tc, _ = c.Security.tlsConfig()
	}
	c.Security.apply(cfg, tc)
	return cfg
}

// linger is Linger with its default: zero is DefaultLinger, negative none.
func (c Config) linger() time.Duration {
	switch {
	case c.Linger == 0:
		return DefaultLinger
	case c.Linger < 0:
		return 0
	}
	return c.Linger
}

// fetchWait is FetchWait with its default: zero is DefaultFetchWait.
func (c Config) fetchWait() time.Duration {
	if c.FetchWait == 0 {
		return DefaultFetchWait
	}
	return c.FetchWait
}

// ProcessorOptions are the goka options every processor of this config uses.
func (c Config) ProcessorOptions() []goka.ProcessorOption {
	return []goka.ProcessorOption{
		goka.WithHasher(Murmur2),
		goka.WithConsumerGroupBuilder(func(brokers []string, group, clientID string) (sarama.ConsumerGroup, error) {
			return goka.ConsumerGroupBuilderWithConfig(c.Sarama())(brokers, group, clientID)
		}),
		goka.WithConsumerSaramaBuilder(c.consumerBuilder),
		goka.WithProducerBuilder(c.producerBuilder),
		goka.WithTopicManagerBuilder(c.topicManagerBuilder),
	}
}

// ViewOptions are the goka options every view of this config uses.
func (c Config) ViewOptions() []goka.ViewOption {
	return []goka.ViewOption{
		goka.WithViewHasher(Murmur2),
		goka.WithViewConsumerSaramaBuilder(c.consumerBuilder),
		goka.WithViewTopicManagerBuilder(c.topicManagerBuilder),
	}
}

// EmitterOptions are the goka options every emitter of this config uses.
func (c Config) EmitterOptions() []goka.EmitterOption {
	return []goka.EmitterOption{
		goka.WithEmitterHasher(Murmur2),
		goka.WithEmitterProducerBuilder(c.producerBuilder),
		goka.WithEmitterTopicManagerBuilder(c.topicManagerBuilder),
	}
}

// The builders give every client its own *sarama.Config: goka's
// *BuilderWithConfig set ClientID on the config they were given at every
// call, while the clients built from it before read it (a data race that
// -race reports as soon as a processor rebalances next to a view).

func (c Config) consumerBuilder(brokers []string, clientID string) (sarama.Consumer, error) {
	return goka.SaramaConsumerBuilderWithConfig(c.Sarama())(brokers, clientID)
}

func (c Config) producerBuilder(brokers []string, clientID string, hasher func() hash.Hash32) (goka.Producer, error) {
	cfg := c.Sarama()
	cfg.ClientID = clientID
	cfg.Producer.Partitioner = c.partitioner(hasher)
	return goka.NewProducer(brokers, cfg)
}

// partitioner places keys by hasher (Murmur2: as Kafka's Java client
// does), except in the tables with side keys, where a key is hashed up to
// its first NUL so that goka.SideKey(k, suffix) lands in k's partition.
// Only there: other keys may hold NUL bytes (Avro-encoded Debezium keys
// start with one) and are hashed whole.
func (c Config) partitioner(hasher func() hash.Hash32) sarama.PartitionerConstructor {
	whole := sarama.NewCustomHashPartitioner(hasher)
	primary := sarama.NewCustomHashPartitioner(func() hash.Hash32 { return &primaryKeyHash{Hash32: hasher()} })
	return func(topic string) sarama.Partitioner {
		if c.sideKeyTopics[topic] {
			return primary(topic)
		}
		return whole(topic)
	}
}

// primaryKeyHash hashes what is written to it up to the first NUL byte.
type primaryKeyHash struct {
	hash.Hash32
	cut bool // a NUL was written: the rest is not hashed
}

func (h *primaryKeyHash) Write(p []byte) (int, error) {
	if h.cut {
		return len(p), nil
	}
	if i := bytes.IndexByte(p, 0); i >= 0 {
		h.cut = true
		_, err := h.Hash32.Write(p[:i])
		return len(p), err
	}
	return h.Hash32.Write(p)
}

func (h *primaryKeyHash) Reset() {
	h.cut = false
	h.Hash32.Reset()
}

func (c Config) topicManagerBuilder(brokers []string) (goka.TopicManager, error) {
	return goka.TopicManagerBuilderWithConfig(c.Sarama(), c.topicManagerConfig())(brokers)
}

// topicManagerConfig makes goka check, never create, topics: Apply owns them.
func (c Config) topicManagerConfig() *goka.TopicManagerConfig {
	tm := goka.NewTopicManagerConfig()
	tm.Table.Replication = int(c.Replication)
	tm.Stream.Replication = int(c.Replication)
	tm.Stream.Retention = c.Retention
	tm.NoCreate = true
	tm.MismatchBehavior = goka.TMConfigMismatchBehaviorFail
	return tm
}
