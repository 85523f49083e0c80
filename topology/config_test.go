package topology

import (
	"testing"
	"time"

	"github.com/rcrowley/go-metrics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProducersLingerUnlessToldNotTo(t *testing.T) {
	for _, c := range []struct {
		name          string
		linger        time.Duration
		wantFrequency time.Duration
		wantBytes     int
	}{
		{"unset: the default", 0, DefaultLinger, FlushBytes},
		{"set", 20 * time.Millisecond, 20 * time.Millisecond, FlushBytes},
		{"NoLinger: a batch goes as soon as it can", NoLinger, 0, 0},
		{"any negative value is NoLinger", -time.Second, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config{Brokers: []string{"b:9092"}, Linger: c.linger}
			cfg.EnsureDefaults()
			require.NoError(t, cfg.Validate())
			s := cfg.Sarama()
			assert.Equal(t, c.wantFrequency, s.Producer.Flush.Frequency)
			assert.Equal(t, c.wantBytes, s.Producer.Flush.Bytes)
			require.NoError(t, s.Validate(), "sarama accepts the producer settings")
		})
	}
}

func TestConsumersWaitForRecordsAsKafkaDoes(t *testing.T) {
	for _, c := range []struct {
		name string
		wait time.Duration
		want time.Duration
	}{
		{"unset: Kafka's fetch.max.wait.ms", 0, DefaultFetchWait},
		{"set", 50 * time.Millisecond, 50 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config{Brokers: []string{"b:9092"}, FetchWait: c.wait}
			assert.Equal(t, c.want, cfg.Sarama().Consumer.MaxWaitTime, "before EnsureDefaults")
			cfg.EnsureDefaults()
			require.NoError(t, cfg.Validate())
			s := cfg.Sarama()
			assert.Equal(t, c.want, s.Consumer.MaxWaitTime)
			require.NoError(t, s.Validate(), "sarama accepts the consumer settings")
		})
	}
	cfg := Config{Brokers: []string{"b:9092"}, FetchWait: time.Microsecond}
	assert.ErrorIs(t, cfg.Validate(), ErrConfig, "sarama takes no wait under a millisecond")
}

func TestSaramaKeepsNoRequestMetrics(t *testing.T) {
	s := Config{Brokers: []string{"b:9092"}}.Sarama()
	// As sarama registers them for each request it sends or answer it reads.
	h := metrics.GetOrRegisterHistogram("request-size", s.MetricRegistry, metrics.NewExpDecaySample(1028, 0.015))
	m := metrics.GetOrRegisterMeter("request-rate", s.MetricRegistry)
	h.Update(512)
	m.Mark(1)
	assert.Zero(t, h.Count(), "no histogram kept")
	assert.Zero(t, m.Count(), "no meter kept")
}
