package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/ingest"
	"github.com/tradestream/tradestream/topology"
)

// benchWorkloads are the workloads by id, in table order.
func benchWorkloads() []workload {
	return []workload{
		{ID: "a", Title: "GPS ping → ETA (tracking)", setup: gokaGPSWorkload},
		{ID: "b", Title: "job command → job view (ingest, jobs)", setup: jobsWorkload},
		{ID: "c", Title: "CDC change event → command (cdc)", setup: cdcWorkload},
		{ID: "d", Title: "raw consume → produce pipe (sarama)", setup: pipeWorkload},
		{ID: "e", Title: "GPS ping → ETA in Kafka Streams 4.1", setup: streamsGPSWorkload},
		{ID: "f", Title: "raw consume → produce pipe (goka)", setup: gokaPipeWorkload},
	}
}

// benchTenants is how many tenants the job commands spread over (the
// commands topic is keyed by tenant).
const benchTenants = 64

// benchCatalog creates every topic of the catalog under prefix.
func benchCatalog(ctx context.Context, b *benchConfig, prefix string) (*topology.Catalog, *Config, error) {
	cfg := &Config{Brokers: b.Brokers, Registry: b.Registry, TopicPrefix: prefix, Partitions: 12,
		InstanceID: "bench"}
	var cdcTopics []string
	for _, t := range topology.DefaultCDCTopics() {
		cdcTopics = append(cdcTopics, prefix+t) // the Debezium topics are not prefixed by the catalog
	}
	cfg.CDCTopics = strings.Join(cdcTopics, ",")
	cat, err := catalog(cfg)
	if err != nil {
		return nil, nil, err
	}
	// Apply waits 30 s for the new topics' metadata; a loaded broker may
	// take longer. Apply is idempotent.
	for try := 1; ; try++ {
		_, err := topology.Apply(ctx, cat.Config(), cat.Specs())
		if err == nil {
			return cat, cfg, nil
		}
		if try == 3 {
			return nil, nil, err
		}
	}
}

// runWorker is `tradestream run` with the given processor groups alone.
func runWorker(b *benchConfig, cfg *Config, processors string) *exec.Cmd {
	c := exec.Command(b.Exe, "run", "--insecure", "--brokers", cfg.Brokers, "--registry", cfg.Registry,
		"--topic-prefix", cfg.TopicPrefix, "--cdc-topics", cfg.CDCTopics, "--processors", processors,
		"--state-dir", filepath.Join(b.WorkDir, strings.TrimSuffix(cfg.TopicPrefix, ".")),
		"--instance-id", "bench", "--http", "127.0.0.1:0", "--log-level", "warn")
	if b.Storage != "" {
		c.Args = append(c.Args, "--storage", b.Storage)
	}
	profileWorker(b, c, strings.TrimSuffix(cfg.TopicPrefix, "."))
	return c
}

// profileWorker makes worker c write its CPU and allocation profiles to
// b.Profile/<name>.cpu and .alloc when b.Profile is set.
func profileWorker(b *benchConfig, c *exec.Cmd, name string) {
	if b.Profile != "" {
		name = filepath.Join(b.Profile, name)
		c.Env = append(os.Environ(), "TRADESTREAM_CPUPROFILE="+name+".cpu", "TRADESTREAM_MEMPROFILE="+name+".alloc")
	}
}

// jobsWorkload: post_job commands, keyed by tenant, through the ingest and
// jobs groups; the output is the job's record on the jobs table (what the
// job view reads).
func jobsWorkload(ctx context.Context, b *benchConfig, prefix string) (*workloadRun, error) {
	cat, cfg, err := benchCatalog(ctx, b, prefix)
	if err != nil {
		return nil, err
	}
	return &workloadRun{
		input: string(cat.Commands.Topic), output: string(cat.Jobs.Topic),
		record: func(i int, now time.Time) ([]byte, []byte, string) {
			tenant, job := fmt.Sprintf("tenant-%d", i%benchTenants), fmt.Sprintf("job-%d", i)
			k, v := jobCommand(cat, tenant, job, now)
			return k, v, ingest.JobKey(tenant, job)
		},
		outputID: func(key, _ []byte) (string, bool) { return string(key), true },
		worker:   runWorker(b, cfg, "ingest,jobs"),
	}, nil
}

// jobCommand is a post_job command of tenant, as the API writes it.
func jobCommand(cat *topology.Catalog, tenant, job string, now time.Time) (key, value []byte) {
	t0 := time.Date(2030, 1, 7, 8, 0, 0, 0, time.UTC)
	cmd := &codecs.Command{CommandID: "bench-" + job, TenantID: tenant, Kind: codecs.KindPostJob,
		JobID: job, AcceptedAt: now.UTC().Truncate(time.Millisecond), Source: "bench",
		PostJob: &codecs.PostJob{CustomerID: "cust-" + job, Trade: "plumber",
			Title: "Leaky tap in the upstairs bathroom", Location: codecs.GeoPoint{Lat: 51.5, Lon: -0.12},
			Window:          codecs.Window{EarliestStart: t0, LatestEnd: t0.Add(9 * time.Hour)},
			DurationMinutes: 60, Mode: "bid", Currency: "GBP"}}
	v, err := cat.Commands.Avro.Encode(cmd)
	if err != nil {
		panic(fmt.Sprintf("bench: encoding a command: %v", err)) // the registry is gone: nothing to measure
	}
	return []byte(tenant), v
}

// cdcEvent is a SQL Server jobs insert as Debezium's JSON converter writes
// it without schemas (the shape of processors/cdc/testdata mssql_02).
const cdcEvent = `{"before":null,"after":{"id":"%[1]s","tenant_id":"tenant-%[2]d","customer_id":"cust-7","trade":"plumber",` +
	`"title":"Rewire kitchen","lat":51.5101,"lon":-0.134,"earliest_start":1894003200000000000,` +
	`"latest_end":1894035600000000000,"duration_minutes":90,"budget":"AYaf","status":"open"},` +
	`"source":{"version":"2.7.3.Final","connector":"sqlserver","name":"legacy","ts_ms":%[3]d,"snapshot":"false",` +
	`"db":"marketplace","sequence":null,"ts_us":%[3]d000,"ts_ns":%[3]d000000,"schema":"dbo","table":"jobs",` +
	`"change_lsn":"00000027:%08[4]x:0003","commit_lsn":"00000027:%08[4]x:0005","event_serial_no":"1"},` +
	`"transaction":null,"op":"c","ts_ms":%[3]d,"ts_us":%[3]d000,"ts_ns":%[3]d000000}`

// cdcWorkload: Debezium inserts of distinct jobs (JSON, no schemas) through
// the cdc group; the output is the audit record it writes with each mapped
// command.
func cdcWorkload(ctx context.Context, b *benchConfig, prefix string) (*workloadRun, error) {
	cat, cfg, err := benchCatalog(ctx, b, prefix)
	if err != nil {
		return nil, err
	}
	input := prefix + "legacy.marketplace.dbo.jobs"
	if !strings.Contains(cfg.CDCTopics, input) {
		return nil, fmt.Errorf("bench: %s is not a CDC topic (%s)", input, cfg.CDCTopics)
	}
	return &workloadRun{
		input: input, output: string(cat.CDCAudit.Topic),
		record: func(i int, now time.Time) ([]byte, []byte, string) {
			id, tenant := fmt.Sprintf("job-%d", i), i%benchTenants
			key := fmt.Sprintf(`{"id":"%s"}`, id)
			v := fmt.Sprintf(cdcEvent, id, tenant, now.UnixMilli(), i+1)
			return []byte(key), []byte(v), ingest.JobKey(fmt.Sprintf("tenant-%d", tenant), id)
		},
		outputID: func(key, _ []byte) (string, bool) { return string(key), true },
		worker:   runWorker(b, cfg, "cdc"),
	}, nil
}

// rawTopics creates plain 12-partition streams.
func rawTopics(ctx context.Context, b *benchConfig, names ...string) error {
	tc := topology.Config{Brokers: strings.Split(b.Brokers, ",")}
	tc.EnsureDefaults()
	var specs []topology.Spec
	for _, n := range names {
		specs = append(specs, topology.Spec{Name: n, Partitions: tc.Partitions, Cleanup: topology.CleanupDelete,
			Retention: tc.Retention})
	}
	_, err := topology.Apply(ctx, tc, specs)
	return err
}

// pipeWorkload: ping-sized records copied from one topic to another by a
// sarama consumer group and producer with the instances' client config and
// no processing — the ceiling of what the client moves.
func pipeWorkload(ctx context.Context, b *benchConfig, prefix string) (*workloadRun, error) {
	return copyWorkload(ctx, b, prefix, "pipe")
}

// gokaPipeWorkload: (d)'s records and topics, copied by one goka processor
// group built like the instances' (`tradestream bench gokapipe`): goka's
// own cost per record, without decoding or state.
func gokaPipeWorkload(ctx context.Context, b *benchConfig, prefix string) (*workloadRun, error) {
	return copyWorkload(ctx, b, prefix, "gokapipe")
}

// copyWorkload is a copying worker, `tradestream bench <sub>`, from
// <prefix><sub>-in to <prefix><sub>-out: plain 12-partition streams, ping-
// sized records, each output recognised by its key and value.
func copyWorkload(ctx context.Context, b *benchConfig, prefix, sub string) (*workloadRun, error) {
	in, out := prefix+sub+"-in", prefix+sub+"-out"
	if err := rawTopics(ctx, b, in, out); err != nil {
		return nil, err
	}
	worker := exec.Command(b.Exe, "bench", sub, "--brokers", b.Brokers, "--input", in, "--output", out,
		"--group", string(goka.Group(prefix+sub)))
	profileWorker(b, worker, prefix+sub)
	return &workloadRun{
		input: in, output: out,
		record: func(i int, now time.Time) ([]byte, []byte, string) {
			k, v := benchPing(i, now)
			return k, v, string(k) + "|" + string(v)
		},
		outputID: func(key, value []byte) (string, bool) { return string(key) + "|" + string(value), true },
		worker:   worker,
	}, nil
}

// benchPing is ping i: keyed "<tenant>/<tradesperson>", a value of the size
// of a location ping.
func benchPing(i int, now time.Time) (key, value []byte) {
	tenant, tp := i%benchTenants, (i/benchTenants)%1000
	key = fmt.Appendf(nil, "tenant-%d/tp-%d", tenant, tp)
	value = fmt.Appendf(nil, "\x00\x00\x00\x00\x01%08d%016x51.507400-0.127800", i, now.UnixMicro())
	return key, value
}
