package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/cdc"
	"github.com/tradestream/tradestream/topology"
)

// errUsage marks a bad command line or configuration: exit code 2.
var errUsage = errors.New("usage")

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// Config is everything a tradestream command can be told. Each command
// registers the flags it uses; every flag also reads TRADESTREAM_<FLAG>.
type Config struct {
	// HTTPAddr is where the API listens. Default: 127.0.0.1:8080.
	HTTPAddr string
	// Brokers are the Kafka bootstrap servers (run, topics, simulate).
	Brokers string
	// Registry is the Schema Registry URL (run, schemas, simulate).
	Registry string
	// RegistryUser and RegistryPassword are the registry's HTTP basic auth
	// (e.g. a Confluent Cloud API key and secret); empty means none.
	RegistryUser     string
	RegistryPassword topology.Secret
	// Processors lists the groups to run: "all" or names. Default: all.
	Processors string
	// Storage is where processor groups keep their tables: "leveldb" or
	// "memory", then exceptions as group=kind. Default: leveldb.
	Storage string
	// StateDir holds local table state, one sub-directory per instance.
	// Default: a temporary directory (demo), ./tradestream-state (run).
	StateDir string
	// InstanceID names this instance. Default: the host name.
	InstanceID string
	// APIKeys is a JSON file of {key, tenant, role}; empty means open.
	APIKeys string
	// Insecure lets run start without API keys.
	Insecure bool
	// RateLimit is each tenant's sustained HTTP request rate (requests/s);
	// 0 is unlimited. Default: 100.
	RateLimit float64
	// RateBurst is each tenant's burst of requests. Default: 0 (twice the rate).
	RateBurst int
	// TopicPrefix is prepended to every topic and group name. Default: "".
	TopicPrefix string
	// Partitions is the partition count of new topics. Default: 12.
	Partitions int
	// Linger is how long the producers wait to batch records
	// (topology.Config.Linger). Default: topology.DefaultLinger;
	// topology.NoLinger (--linger 0): none.
	Linger time.Duration
	// FetchWait is how long the broker may hold an idle consumer's fetch
	// (topology.Config.FetchWait). Default: topology.DefaultFetchWait.
	FetchWait time.Duration
	// LogLevel is debug, info, warn or error. Default: info.
	LogLevel string
	// CDCTopics lists the Debezium topics of the legacy databases, comma
	// separated, taken as named (no prefix). Default: the PostgreSQL
	// tradespeople and SQL Server jobs topics.
	CDCTopics string
	// CDCMapping is a YAML mapping file replacing the embedded one.
	CDCMapping string
	// Kafka is SASL/SCRAM and TLS to the brokers (every command that talks
	// to Kafka).
	Kafka topology.Security

	// BrokerAddr is where demo's embedded broker listens. Default: 127.0.0.1:9092.
	BrokerAddr string
	// RegistryAddr is where demo's embedded registry listens. Default: 127.0.0.1:8081.
	RegistryAddr string
	// Simulate is the simulator's rate in events/s; 0 is off.
	Simulate float64
	// Seed seeds the simulator. Default: 1.
	Seed int64
	// Tenants and Tradespeople size the simulated marketplace.
	Tenants, Tradespeople int
	// Mix is the simulator's traffic: "marketplace" (default) or "jobs".
	Mix string
	// Duration bounds simulate; 0 runs until interrupted.
	Duration time.Duration

	// now is the API's clock (the accepted time of commands); nil is
	// time.Now. Tests set it to replay a known timeline; no flag sets it.
	now func() time.Time
}

type flagSet struct {
	*flag.FlagSet
	cfg *Config
}

func newFlagSet(name string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder)) // errors are reported once, by main
	return &flagSet{FlagSet: fs, cfg: &Config{}}
}

// helpError is a command's -h: its usage and flags, printed on stdout with
// exit code 0.
type helpError struct{ text string }

func (e *helpError) Error() string { return "help requested" }

// parseFlags parses args into fs and refuses positional arguments; -h or
// --help gives the command's flags (a *helpError).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return commandHelp(fs)
		}
		return usageErr("%v", err)
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// commandHelp is the usage of the command fs parses, with its flags.
func commandHelp(fs *flag.FlagSet) error {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: tradestream %s [flags]\n\nflags:\n", fs.Name())
	out := fs.Output()
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(out)
	return &helpError{text: b.String()}
}

func (f *flagSet) common() {
	f.StringVar(&f.cfg.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.IntVar(&f.cfg.Partitions, "partitions", 12, "partitions of every topic (when created)")
	f.StringVar(&f.cfg.TopicPrefix, "topic-prefix", "", "prefix of every topic and group name")
	f.Var(lingerValue(&f.cfg.Linger), "linger", "how long producers wait to batch records (Kafka's linger.ms; 0: none, at most 1s)")
	f.Var(fetchWaitValue(&f.cfg.FetchWait), "fetch-wait", "how long the broker may hold a fetch that finds no record (Kafka's fetch.max.wait.ms; 1ms to 10s)")
	f.StringVar(&f.cfg.CDCTopics, "cdc-topics", strings.Join(topology.DefaultCDCTopics(), ","),
		"Debezium topics of the legacy databases, comma-separated (not prefixed)")
}

func (f *flagSet) server(defaultStateDir string) {
	f.StringVar(&f.cfg.HTTPAddr, "http", "127.0.0.1:8080", "HTTP API listen address")
	f.StringVar(&f.cfg.Processors, "processors", "all", `processor groups to run: "all" or a comma-separated list`)
	f.StringVar(&f.cfg.StateDir, "state-dir", defaultStateDir, "directory for local table state")
	f.StringVar(&f.cfg.Storage, "storage", defaultStorage, `processor groups' table storage: "leveldb" or "memory" (rebuilt from the changelog at start), then exceptions as group=kind, e.g. "leveldb,tracking=memory"`)
	host, _ := os.Hostname()
	f.StringVar(&f.cfg.InstanceID, "instance-id", host, "instance name (its state lives in state-dir/instance-id)")
	f.StringVar(&f.cfg.APIKeys, "api-keys", "", "JSON file of API keys [{key, tenant, role}]")
	f.Float64Var(&f.cfg.RateLimit, "rate-limit", 100, "HTTP requests per second per tenant (token bucket; 0 = unlimited)")
	f.IntVar(&f.cfg.RateBurst, "rate-burst", 0, "HTTP requests a tenant may send at once (0 = twice --rate-limit)")
	f.StringVar(&f.cfg.CDCMapping, "cdc-mapping", "", "YAML mapping of CDC tables to commands (default: the embedded one)")
}

func (f *flagSet) cluster() {
	f.StringVar(&f.cfg.Brokers, "brokers", "", "Kafka bootstrap servers, comma-separated")
	f.StringVar(&f.cfg.Registry, "registry", "", "Schema Registry URL")
	f.StringVar(&f.cfg.RegistryUser, "registry-user", "", "Schema Registry basic-auth user (e.g. an API key)")
	f.Var(secretValue{&f.cfg.RegistryPassword}, "registry-password", "Schema Registry basic-auth password (prefer TRADESTREAM_REGISTRY_PASSWORD: command lines are visible to other users)")
	k := &f.cfg.Kafka
	f.StringVar(&k.SASLMechanism, "kafka-sasl-mechanism", "", "SASL mechanism to the brokers: SCRAM-SHA-256 or SCRAM-SHA-512 (default: none)")
	f.StringVar(&k.SASLUser, "kafka-sasl-user", "", "SASL user")
	f.Var(secretValue{&k.SASLPassword}, "kafka-sasl-password", "SASL password (prefer TRADESTREAM_KAFKA_SASL_PASSWORD: command lines are visible to other users)")
	f.BoolVar(&k.TLS, "kafka-tls", false, "TLS to the brokers")
	f.StringVar(&k.TLSCAFile, "kafka-tls-ca", "", "PEM file of the CAs that sign the broker certificates (default: the system's)")
	f.StringVar(&k.TLSCertFile, "kafka-tls-cert", "", "PEM client certificate, for brokers that require one")
	f.StringVar(&k.TLSKeyFile, "kafka-tls-key", "", "PEM key of --kafka-tls-cert")
	f.StringVar(&k.TLSServerName, "kafka-tls-server-name", "", "name expected in the broker certificates (default: the broker host)")
	f.BoolVar(&k.TLSSkipVerify, "kafka-tls-insecure-skip-verify", false, "accept any broker certificate (testing only)")
}

// secretValue is a flag holding a topology.Secret: it never prints it.
type secretValue struct{ p *topology.Secret }

func (v secretValue) String() string {
	if v.p == nil || *v.p == "" {
		return ""
	}
	return v.p.String()
}

func (v secretValue) Set(s string) error { *v.p = topology.Secret(s); return nil }

// durationValue is a duration flag accepted from min to max. Unset (*p is
// zero) it shows def; with min 0, "0" stores none (a negative sentinel such
// as topology.NoLinger), shown as 0s.
type durationValue struct {
	p        *time.Duration
	def      time.Duration
	min, max time.Duration
	none     time.Duration
}

// lingerValue is --linger: 0 (topology.NoLinger) to 1s; unset,
// topology.DefaultLinger.
func lingerValue(p *time.Duration) durationValue {
	return durationValue{p: p, def: topology.DefaultLinger, max: time.Second, none: topology.NoLinger}
}

// fetchWaitValue is --fetch-wait: 1ms to 10s; unset, topology.DefaultFetchWait.
func fetchWaitValue(p *time.Duration) durationValue {
	return durationValue{p: p, def: topology.DefaultFetchWait, min: time.Millisecond, max: 10 * time.Second}
}

func (v durationValue) String() string {
	switch {
	case v.p == nil: // the flag package's zero value: the default is shown
		return ""
	case *v.p == 0:
		return v.def.String()
	case *v.p < 0:
		return "0s"
	}
	return v.p.String()
}

func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return err
	case d < v.min || d > v.max:
		return fmt.Errorf("%s is not between %s and %s", s, v.min, v.max)
	case d == 0:
		d = v.none
	}
	*v.p = d
	return nil
}

func (f *flagSet) simulator() {
	f.IntVar(&f.cfg.Tenants, "tenants", 3, "simulated tenants")
	f.IntVar(&f.cfg.Tradespeople, "tradespeople", 50, "simulated tradespeople per tenant")
	f.StringVar(&f.cfg.Mix, "mix", mixMarketplace, `simulated traffic: "marketplace" (tradespeople, jobs, bids, payments...) or "jobs" (jobs only)`)
	f.Int64Var(&f.cfg.Seed, "seed", 1, "simulator random seed")
}

// parse parses args, then fills every flag not given from TRADESTREAM_<FLAG>.
func (f *flagSet) parse(args []string) (*Config, error) {
	if err := parseFlags(f.FlagSet, args); err != nil {
		if h, ok := err.(*helpError); ok {
			h.text += "\nEvery flag also reads TRADESTREAM_<FLAG> from the environment (e.g. --log-level: TRADESTREAM_LOG_LEVEL).\n"
		}
		return nil, err
	}
	given := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	var err error
	f.VisitAll(func(fl *flag.Flag) {
		env := "TRADESTREAM_" + strings.ToUpper(strings.ReplaceAll(fl.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok && !given[fl.Name] && err == nil {
			if e := fl.Value.Set(v); e != nil {
				err = usageErr("%s: %v", env, e)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return f.cfg, f.cfg.validate()
}

func (c *Config) validate() error {
	for name, addr := range map[string]string{"--http": c.HTTPAddr, "--broker-addr": c.BrokerAddr, "--registry-addr": c.RegistryAddr} {
		if addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return usageErr("%s %q: %v", name, addr, err)
		}
	}
	switch {
	case c.Partitions < 1 || c.Partitions > 1000:
		return usageErr("--partitions must be between 1 and 1000")
	case c.Simulate < 0:
		return usageErr("--simulate must not be negative")
	case c.RateLimit < 0 || c.RateBurst < 0:
		return usageErr("--rate-limit and --rate-burst must not be negative")
	case c.Tenants < 0 || c.Tradespeople < 0:
		return usageErr("--tenants and --tradespeople must not be negative")
	}
	if _, err := selectGroups(c.Processors); err != nil {
		return err
	}
	if _, err := parseStorage(c.Storage); err != nil {
		return err
	}
	if err := c.Kafka.Check(); err != nil {
		return usageErr("%v", err)
	}
	if len(c.cdcTopicList()) == 0 {
		return usageErr("--cdc-topics names no topic")
	}
	if c.CDCMapping != "" {
		if _, err := cdc.LoadMapping(c.CDCMapping); err != nil {
			return usageErr("--cdc-mapping: %v", err)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return usageErr("--log-level must be debug, info, warn or error")
	}
	return nil
}

func (c *Config) brokerList() []string { return splitList(c.Brokers) }

// kafka is the topology config of the cluster flags: brokers, prefix,
// partitions, linger and the CDC topics.
func (c *Config) kafka() topology.Config {
	return topology.Config{Brokers: c.brokerList(), Partitions: int32(c.Partitions), Prefix: c.TopicPrefix,
		Linger: c.Linger, FetchWait: c.FetchWait, CDCTopics: c.cdcTopicList(), Security: c.Kafka}
}

// registry is the HTTP client of --registry, with its credentials.
func (c *Config) registry() *codecs.HTTPRegistry {
	r := codecs.NewHTTPRegistry(c.Registry, 10*time.Second)
	if c.RegistryUser != "" {
		r.WithBasicAuth(c.RegistryUser, c.RegistryPassword.Reveal())
	}
	return r
}

// cdcTopicList is --cdc-topics as a list; empty means the default topics.
func (c *Config) cdcTopicList() []string { return splitList(c.CDCTopics) }

func splitList(s string) []string {
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}
