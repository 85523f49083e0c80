package topology

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"
)

// ApplyResult says what Apply did to one topic.
type ApplyResult struct {
	Topic string
	// Action is "created" or "ok" or "drift".
	Action string
	// Drift lists the differences between the spec and the broker.
	Drift []string
}

// Apply creates every missing topic of specs with its partitions and configs
// and verifies the existing ones. It is idempotent. Existing topics are never
// changed: differences are reported as drift.
func Apply(ctx context.Context, cfg Config, specs []Spec) ([]ApplyResult, error) {
	admin, existing, err := listTopics(cfg)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	var out []ApplyResult
	for _, s := range specs {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if d, ok := existing[s.Name]; ok {
			out = append(out, ApplyResult{Topic: s.Name, Action: "ok", Drift: drift(s, d, cfg.Replication)})
			if len(out[len(out)-1].Drift) > 0 {
				out[len(out)-1].Action = "drift"
			}
			continue
		}
		err := admin.CreateTopic(s.Name, &sarama.TopicDetail{
			NumPartitions: s.Partitions, ReplicationFactor: cfg.Replication, ConfigEntries: s.configs(),
		}, false)
		if errors.Is(err, sarama.ErrTopicAlreadyExists) {
			out = append(out, ApplyResult{Topic: s.Name, Action: "ok"})
			continue
		}
		if err != nil {
			return out, fmt.Errorf("topology: creating %s: %w", s.Name, err)
		}
		out = append(out, ApplyResult{Topic: s.Name, Action: "created"})
	}
	return out, waitForMetadata(ctx, cfg, specs)
}

func (s Spec) configs() map[string]*string {
	str := func(v string) *string { return &v }
	c := map[string]*string{"cleanup.policy": str(s.Cleanup)}
	if s.Retention != 0 {
		ms := int64(-1)
		if s.Retention > 0 {
			ms = s.Retention.Milliseconds()
		}
		c["retention.ms"] = str(strconv.FormatInt(ms, 10))
	}
	if s.Segment > 0 {
		c["segment.ms"] = str(strconv.FormatInt(s.Segment.Milliseconds(), 10))
	}
	return c
}

func drift(s Spec, d sarama.TopicDetail, replication int16) []string {
	var out []string
	if d.NumPartitions != s.Partitions {
		out = append(out, fmt.Sprintf("partitions: want %d, have %d", s.Partitions, d.NumPartitions))
	}
	if d.ReplicationFactor != replication {
		out = append(out, fmt.Sprintf("replication: want %d, have %d", replication, d.ReplicationFactor))
	}
	var configs []string
	for k, want := range s.configs() {
		have, ok := d.ConfigEntries[k]
		switch {
		case ok && have != nil && *have != *want:
			configs = append(configs, fmt.Sprintf("%s: want %s, have %s", k, *want, *have))
		case !ok && kafkaDefaults[k] != *want:
			// The broker lists only the configs that are not its defaults.
			configs = append(configs, fmt.Sprintf("%s: want %s, have the broker's default (%s)", k, *want, kafkaDefaults[k]))
		}
	}
	slices.Sort(configs)
	return append(out, configs...)
}

// kafkaDefaults are Kafka's defaults of the topic configs a Spec sets: a
// topic whose description lacks one has that value.
var kafkaDefaults = map[string]string{
	"cleanup.policy": CleanupDelete,
	"retention.ms":   "604800000",
	"segment.ms":     "604800000",
}

// waitForMetadata waits until every topic has a leader for each partition, so
// that processors started right after Apply find them.
func waitForMetadata(ctx context.Context, cfg Config, specs []Spec) error {
	client, err := sarama.NewClient(cfg.Brokers, cfg.Sarama())
	if err != nil {
		return fmt.Errorf("topology: connecting: %w", cfg.Security.Explain(err))
	}
	defer client.Close()
	deadline := time.Now().Add(30 * time.Second)
	for _, s := range specs {
		for {
			_ = client.RefreshMetadata(s.Name)
			parts, err := client.Partitions(s.Name)
			if err == nil && int32(len(parts)) >= s.Partitions {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("topology: topic %s not ready: %v", s.Name, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

// DeleteWithPrefix deletes every topic whose name starts with prefix and
// returns their names. It is for throw-away topic sets (tests, benchmark
// runs), never for a deployment's own topics: prefix must not be empty.
func DeleteWithPrefix(cfg Config, prefix string) ([]string, error) {
	if prefix == "" {
		return nil, errors.New("topology: refusing to delete topics without a prefix")
	}
	cfg.EnsureDefaults()
	admin, existing, err := listTopics(cfg)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	var deleted []string
	for name := range existing {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		if err := admin.DeleteTopic(name); err != nil && !errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
			return deleted, fmt.Errorf("topology: deleting %s: %w", name, err)
		}
		deleted = append(deleted, name)
	}
	return deleted, nil
}

// listTopics connects an admin client (the caller closes it) and lists the
// cluster's topics.
func listTopics(cfg Config) (sarama.ClusterAdmin, map[string]sarama.TopicDetail, error) {
	admin, err := sarama.NewClusterAdmin(cfg.Brokers, cfg.Sarama())
	if err != nil {
		return nil, nil, fmt.Errorf("topology: connecting to %v: %w", cfg.Brokers, cfg.Security.Explain(err))
	}
	existing, err := admin.ListTopics()
	if err != nil {
		admin.Close()
		return nil, nil, fmt.Errorf("topology: listing topics: %w", err)
	}
	return admin, existing, nil
}
