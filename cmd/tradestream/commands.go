package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlagSet("demo")
	f.common()
	f.server("")
	f.simulator()
	f.StringVar(&f.cfg.BrokerAddr, "broker-addr", "127.0.0.1:9092", "embedded Kafka broker address")
	f.StringVar(&f.cfg.RegistryAddr, "registry-addr", "127.0.0.1:8081", "embedded Schema Registry address")
	f.Float64Var(&f.cfg.Simulate, "simulate", 0, "simulated events per second (0 = off)")
	cfg, err := f.parse(args)
	if err != nil {
		return err
	}
	if cfg.APIKeys == "" && !isLoopback(cfg.HTTPAddr) {
		return usageErr("demo without --api-keys binds to loopback only; --http %s is not loopback", cfg.HTTPAddr)
	}
	if cfg.StateDir == "" {
		dir, err := os.MkdirTemp("", "tradestream-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.StateDir = dir
	}
	log := newLogger(stderr, cfg.LogLevel)
	emb, err := startEmbedded(cfg.BrokerAddr, cfg.RegistryAddr, "", cfg.Partitions)
	if err != nil {
		return err
	}
	defer emb.close()
	cfg.Brokers, cfg.Registry = strings.Join(emb.brokers(), ","), emb.registryURL()
	return serve(ctx, cfg, log, func(a *app) {
		fmt.Fprintf(stdout, "Tradestream demo is ready.\n  HTTP API:        http://%s\n  Kafka broker:    %s\n  Schema Registry: %s\n  State:           %s\n"+
			"  Dashboard:       http://%[1]s/ (the simulator's tenant is tenant-1)\n"+
			"Try:\n  curl -s -XPOST http://%[1]s/v1/tenants/acme/jobs -H 'Content-Type: application/json' -d @- <<'JSON'\n%[5]s\nJSON\n"+
			"  curl -s http://%[1]s/v1/tenants/acme/jobs/job-1\nCtrl-C stops.\n",
			a.addr(), cfg.Brokers, cfg.Registry, cfg.StateDir, exampleJob)
	})
}

const exampleJob = `  {"id": "job-1", "customer_id": "cust-1", "trade": "plumber", "title": "Leaky tap",
   "location": {"lat": 51.5072, "lon": -0.1276}, "duration_minutes": 60, "currency": "GBP",
   "window": {"earliest_start": "2030-01-07T08:00:00Z", "latest_end": "2030-01-07T17:00:00Z"}}`

func runCmd(ctx context.Context, args []string, stderr io.Writer) error {
	f := newFlagSet("run")
	f.common()
	f.server("tradestream-state")
	f.cluster()
	f.BoolVar(&f.cfg.Insecure, "insecure", false, "allow running without --api-keys")
	cfg, err := f.parse(args)
	if err != nil {
		return err
	}
	switch {
	case cfg.Brokers == "":
		return usageErr("run needs --brokers (or TRADESTREAM_BROKERS)")
	case cfg.Registry == "":
		return usageErr("run needs --registry (or TRADESTREAM_REGISTRY)")
	case cfg.APIKeys == "" && !cfg.Insecure:
		return usageErr("run refuses to start without --api-keys unless --insecure is given")
	case cfg.InstanceID == "":
		return usageErr("run needs --instance-id")
	}
	return serve(ctx, cfg, newLogger(stderr, cfg.LogLevel), nil)
}

// serve builds the catalog, applies topics, and runs an instance until ctx
// is done. ready is called once the instance listens.
func serve(ctx context.Context, cfg *Config, sl *slog.Logger, ready func(*app)) error {
	cat, err := catalog(cfg)
	if err != nil {
		return err
	}
	applyCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	results, err := topology.Apply(applyCtx, cat.Config(), cat.Specs())
	if err != nil {
		return err
	}
	if err := cat.RegisterSchemas(applyCtx); err != nil {
		return err
	}
	for _, r := range results {
		if r.Action == "drift" {
			sl.Warn("topic drift", "topic", r.Topic, "drift", strings.Join(r.Drift, "; "))
		}
	}
	a, err := newApp(cfg, cat, sl)
	if err != nil {
		return err
	}
	var sim *simulator
	if cfg.Simulate > 0 {
		sim = newSimulator(a.emitter, cfg.Seed, cfg.Tenants, cfg.Simulate, sl)
		if err := sim.setMix(cfg.Mix, cfg.Tradespeople); err != nil {
			return err
		}
		go sim.run(ctx)
	}
	if ready != nil {
		ready(a)
	}
	return a.run(ctx)
}

func catalog(cfg *Config) (*topology.Catalog, error) {
	tc := cfg.kafka()
	tc.ClientID = "tradestream-" + cfg.InstanceID
	tc.EnsureDefaults()
	if err := tc.Validate(); err != nil {
		return nil, usageErr("%v", err)
	}
	return topology.NewCatalog(tc, cfg.registry())
}

func topicsApplyCmd(ctx context.Context, args []string, stdout io.Writer) error {
	f := newFlagSet("topics apply")
	f.common()
	f.cluster()
	cfg, err := f.parse(args)
	if err != nil {
		return err
	}
	if cfg.Brokers == "" {
		return usageErr("topics apply needs --brokers")
	}
	cat, err := topology.NewCatalog(cfg.kafka(), codecs.NewMemoryRegistry())
	if err != nil {
		return err
	}
	results, err := topology.Apply(ctx, cat.Config(), cat.Specs())
	drifted := 0
	for _, r := range results {
		line := fmt.Sprintf("%-8s %s", r.Action, r.Topic)
		if len(r.Drift) > 0 {
			drifted++
			line += "  (" + strings.Join(r.Drift, "; ") + ")"
		}
		fmt.Fprintln(stdout, line)
	}
	if err != nil {
		return err
	}
	if drifted > 0 {
		return fmt.Errorf("%d topics drifted from the catalog", drifted)
	}
	return nil
}

func schemasCmd(ctx context.Context, sub string, args []string, stdout io.Writer) error {
	if sub != "check" && sub != "register" {
		return usageErr("unknown schemas subcommand %q (have check, register)", sub)
	}
	f := newFlagSet("schemas " + sub)
	f.common()
	f.cluster()
	compat := "BACKWARD"
	if sub == "register" {
		f.StringVar(&compat, "compatibility", "BACKWARD", "compatibility level set on every subject before registering (BACKWARD, FULL, ... or \"\" to leave it)")
	}
	cfg, err := f.parse(args)
	if err != nil {
		return err
	}
	if cfg.Registry == "" {
		return usageErr("schemas %s needs --registry", sub)
	}
	if compat != "" && !codecs.ValidCompatibility(compat) {
		return usageErr("--compatibility %q: have NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE", compat)
	}
	reg := cfg.registry()
	cat, err := topology.NewCatalog(topology.Config{Brokers: []string{"unused"}, Prefix: cfg.TopicPrefix,
		CDCTopics: cfg.cdcTopicList()}, reg)
	if err != nil {
		return err
	}
	bad := 0
	for _, s := range cat.Specs() {
		if s.Schema == "" {
			continue // a foreign topic (Debezium): its writer registers its schemas
		}
		if sub == "register" {
			if compat != "" {
				if err := reg.SetCompatibility(ctx, s.Subject, compat); err != nil {
					return err
				}
			}
			id, err := reg.Register(ctx, s.Subject, s.Schema)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "registered %s id=%d compatibility=%s\n", s.Subject, id, compat)
			continue
		}
		ok, err := reg.Compatible(ctx, s.Subject, s.Schema)
		if err != nil {
			return err
		}
		verdict := "compatible"
		if !ok {
			verdict, bad = "INCOMPATIBLE", bad+1
		}
		level, err := reg.CompatibilityOf(ctx, s.Subject)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-12s %s (%s)\n", verdict, s.Subject, level)
	}
	if bad > 0 {
		return fmt.Errorf("%d schemas are incompatible with the registry", bad)
	}
	return nil
}

// isLoopback reports whether addr's host is a loopback address or localhost.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
