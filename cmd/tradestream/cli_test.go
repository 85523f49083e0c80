package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/topology"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestBadUsageExitsWith2AndOneLineReason(t *testing.T) {
	cases := map[string][]string{
		"no command":          nil,
		"unknown command":     {"fly"},
		"unknown flag":        {"demo", "--nope"},
		"run without brokers": {"run", "--insecure"},
		"run open":            {"run", "--brokers", "x:9092", "--registry", "http://x"},
		"bad http address":    {"demo", "--http", "nonsense"},
		"unknown processor":   {"run", "--insecure", "--brokers", "x:9092", "--registry", "http://x", "--processors", "nope"},
		"topics subcommand":   {"topics", "delete"},
		"negative rate":       {"simulate", "--brokers", "x:1", "--registry", "http://x", "--rate", "-1"},
		"demo open on a LAN":  {"demo", "--http", "0.0.0.0:8080"},
		"negative rate limit": {"demo", "--rate-limit", "-1"},
		"export no table":     {"export", "--brokers", "x:1", "--registry", "http://x"},
		"dlq subcommand":      {"dlq", "purge"},
		"dlq bad since":       {"dlq", "inspect", "--brokers", "x:1", "--registry", "http://x", "--since", "yesterday"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := runCLI(t, args...)
			assert.Equal(t, 2, code)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
			assert.True(t, strings.HasPrefix(stderr, "tradestream: "), stderr)
		})
	}
}

func TestDashHPrintsTheCommandsFlags(t *testing.T) {
	cases := map[string]struct {
		args []string
		flag string // one of the command's own flags
	}{
		"run":            {[]string{"run", "-h"}, "-processors"},
		"demo":           {[]string{"demo", "--help"}, "-simulate"},
		"replay":         {[]string{"replay", "-h"}, "-dry-run"},
		"export":         {[]string{"export", "jobs", "-h"}, "-registry"},
		"dlq inspect":    {[]string{"dlq", "inspect", "-h"}, "-since"},
		"check schedule": {[]string{"check", "schedule", "-h"}, "-strict"},
		"bench":          {[]string{"bench", "-h"}, "-noisy-rate"},
		"bench pipe":     {[]string{"bench", "pipe", "-h"}, "-output"},
		"bench gokapipe": {[]string{"bench", "gokapipe", "-h"}, "-group"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, c.args...)
			assert.Equal(t, 0, code)
			assert.Empty(t, stderr)
			assert.True(t, strings.HasPrefix(stdout, "usage: tradestream "+name+" [flags]\n"), stdout)
			assert.Regexp(t, `\n  `+c.flag+`[ \n]`, stdout)
		})
	}
	code, stdout, _ := runCLI(t, "help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, `Run "tradestream <command> -h" for its flags.`)
}

func TestEnvironmentFillsFlagsNotGiven(t *testing.T) {
	t.Setenv("TRADESTREAM_BROKERS", "a:1,b:2")
	t.Setenv("TRADESTREAM_PARTITIONS", "6")
	f := newFlagSet("x")
	f.common()
	f.cluster()
	cfg, err := f.parse([]string{"--partitions", "3"})
	require.NoError(t, err)
	assert.Equal(t, []string{"a:1", "b:2"}, cfg.brokerList())
	assert.Equal(t, 3, cfg.Partitions, "a flag on the command line wins over the environment")

	t.Setenv("TRADESTREAM_LOG_LEVEL", "loud")
	_, err = newFlagSetWithCommon().parse(nil)
	assert.ErrorIs(t, err, errUsage)
}

func newFlagSetWithCommon() *flagSet {
	f := newFlagSet("x")
	f.common()
	return f
}

func TestAPIKeysFileIsValidated(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`[{"key":"k","tenant":"acme","role":"root"}]`), 0o600))
	_, err := loadKeys(bad)
	assert.ErrorIs(t, err, errUsage)
	good := filepath.Join(dir, "good.json")
	require.NoError(t, os.WriteFile(good, []byte(`[{"key":"k","tenant":"acme","role":"service"}]`), 0o600))
	kr, err := loadKeys(good)
	require.NoError(t, err)
	assert.NotNil(t, kr)
}

func TestTopicsApplyIsIdempotent(t *testing.T) {
	env := newTestEnv(t)
	args := []string{"topics", "apply", "--brokers", env.brokers, "--topic-prefix", env.prefix}
	cat, err := catalog(env.config(t, "x", ""))
	require.NoError(t, err)
	topics := len(cat.Specs())
	code, out, stderr := runCLI(t, args...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, topics, strings.Count(out, "created "), out)
	code, out, stderr = runCLI(t, args...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, 0, strings.Count(out, "created "), out)
	assert.Equal(t, topics, strings.Count(out, "ok "), out)

	code, out, _ = runCLI(t, append(args, "--partitions", "4")...)
	assert.Equal(t, 1, code, "a partition count that differs from the cluster is drift")
	assert.Contains(t, out, "partitions: want 4, have 12")

	// The tracking table rolls a segment every 10 minutes, so that its log
	// cleaner bounds what a start with memory storage reads.
	admin, err := sarama.NewClusterAdmin([]string{env.brokers}, cat.Config().Sarama())
	require.NoError(t, err)
	defer admin.Close()
	entries, err := admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: string(cat.Tracking.Topic)})
	require.NoError(t, err)
	segment := map[string]string{}
	for _, e := range entries {
		segment[e.Name] = e.Value
	}
	assert.Equal(t, "600000", segment["segment.ms"])
	assert.Equal(t, "compact", segment["cleanup.policy"])
}

func TestDeleteWithPrefixDeletesOnlyThatPrefix(t *testing.T) {
	env := newTestEnv(t)
	mine, other := env.prefix+"mine.", env.prefix+"other."
	for _, p := range []string{mine, other} {
		code, _, stderr := runCLI(t, "topics", "apply", "--brokers", env.brokers, "--topic-prefix", p)
		require.Equal(t, 0, code, stderr)
	}
	cfg := topology.Config{Brokers: []string{env.brokers}}
	cfg.EnsureDefaults()
	admin, err := sarama.NewClusterAdmin(cfg.Brokers, cfg.Sarama())
	require.NoError(t, err)
	defer admin.Close()
	count := func() (mineN, otherN int) {
		topics, err := admin.ListTopics()
		require.NoError(t, err)
		for name := range topics {
			switch {
			case strings.HasPrefix(name, mine):
				mineN++
			case strings.HasPrefix(name, other):
				otherN++
			}
		}
		return mineN, otherN
	}
	mineN, otherN := count()
	require.Positive(t, mineN)
	require.Equal(t, mineN, otherN)

	_, err = topology.DeleteWithPrefix(cfg, "")
	require.Error(t, err, "an empty prefix would delete the whole cluster")
	deleted, err := topology.DeleteWithPrefix(cfg, mine)
	require.NoError(t, err)
	assert.Len(t, deleted, mineN)
	for _, d := range deleted {
		assert.True(t, strings.HasPrefix(d, mine), d)
	}
	eventually(t, 30*time.Second, func() bool {
		m, o := count()
		return m == 0 && o == otherN
	}, "only the other prefix's topics left")
}

func TestTopologyPrintsMermaid(t *testing.T) {
	code, out, _ := runCLI(t, "topology", "--format", "mermaid")
	require.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(out, "flowchart LR\n"))
	assert.Contains(t, out, "tradestream_commands([tradestream.commands]) --> g_tradestream_ingest")
}

func TestLingerFlagReachesTheProducers(t *testing.T) {
	producer := func(args ...string) (time.Duration, int, error) {
		cfg, err := newFlagSetWithCommon().parse(args)
		if err != nil {
			return 0, 0, err
		}
		s := cfg.kafka().Sarama()
		return s.Producer.Flush.Frequency, s.Producer.Flush.Bytes, nil
	}
	linger, bytes, err := producer()
	require.NoError(t, err)
	assert.Equal(t, topology.DefaultLinger, linger, "unset: the default linger")
	assert.Equal(t, topology.FlushBytes, bytes, "a full batch does not wait for the linger")

	linger, _, err = producer("--linger", "5ms")
	require.NoError(t, err)
	assert.Equal(t, 5*time.Millisecond, linger)

	linger, bytes, err = producer("--linger", "0")
	require.NoError(t, err)
	assert.Zero(t, linger, "--linger 0: none")
	assert.Zero(t, bytes, "and no size threshold: sarama sends as soon as it can")

	t.Setenv("TRADESTREAM_LINGER", "10ms")
	linger, _, err = producer()
	require.NoError(t, err)
	assert.Equal(t, 10*time.Millisecond, linger, "the environment fills it")

	for _, bad := range []string{"-1ms", "2s", "soon"} {
		_, _, err := producer("--linger", bad)
		assert.ErrorIs(t, err, errUsage, bad)
	}
}

func TestFetchWaitFlagReachesTheConsumers(t *testing.T) {
	wait := func(args ...string) (time.Duration, error) {
		cfg, err := newFlagSetWithCommon().parse(args)
		if err != nil {
			return 0, err
		}
		return cfg.kafka().Sarama().Consumer.MaxWaitTime, nil
	}
	d, err := wait()
	require.NoError(t, err)
	assert.Equal(t, topology.DefaultFetchWait, d, "unset: the default")

	d, err = wait("--fetch-wait", "50ms")
	require.NoError(t, err)
	assert.Equal(t, 50*time.Millisecond, d)

	t.Setenv("TRADESTREAM_FETCH_WAIT", "1s")
	d, err = wait()
	require.NoError(t, err)
	assert.Equal(t, time.Second, d, "the environment fills it")

	for _, bad := range []string{"0", "500us", "11s", "-1s", "later"} {
		_, err := wait("--fetch-wait", bad)
		assert.ErrorIs(t, err, errUsage, bad)
	}
}
