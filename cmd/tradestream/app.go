package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"

	"github.com/tradestream/tradestream/processors/calendar"
	"github.com/tradestream/tradestream/processors/cdc"
	"github.com/tradestream/tradestream/processors/conversations"
	"github.com/tradestream/tradestream/processors/dependencies"
	"github.com/tradestream/tradestream/processors/ingest"
	"github.com/tradestream/tradestream/processors/insights"
	"github.com/tradestream/tradestream/processors/jobs"
	"github.com/tradestream/tradestream/processors/matching"
	"github.com/tradestream/tradestream/processors/notifications"
	"github.com/tradestream/tradestream/processors/payments"
	"github.com/tradestream/tradestream/processors/pricing"
	"github.com/tradestream/tradestream/processors/promos"
	"github.com/tradestream/tradestream/processors/tracking"
	"github.com/tradestream/tradestream/processors/tradespeople"
	"github.com/tradestream/tradestream/state"
	"github.com/tradestream/tradestream/topology"
)

// groups are the processor groups by their --processors name.
var groups = map[string]func(*topology.Catalog) *goka.GroupGraph{
	"ingest":        ingest.Define,
	"jobs":          jobs.Define,
	"tradespeople":  tradespeople.Define,
	"pricing":       pricing.Define,
	"promos":        promos.Define,
	"payments":      payments.Define,
	"matching":      matching.Define,
	"notifications": notifications.Define,
	"cdc":           cdc.Define,
	"calendar":      calendar.Define,
	"dependencies":  dependencies.Define,
	"tracking":      tracking.Define,
	"insights":      insights.Define,
	"insight-days":  insights.DefineDays,
	"conversations": conversations.Define,
}

// groupSetups give a group what it takes from the instance config: its
// graph (replacing groups[name]) and processor options of its own.
var groupSetups = map[string]func(*Config, *topology.Catalog) (*goka.GroupGraph, []goka.ProcessorOption, error){
	"cdc":          cdcGroup,
	"tracking":     withOptions(tracking.Define, tracking.ProcessorOptions()),
	"insights":     withOptions(insights.Define, insights.ProcessorOptions()),
	"insight-days": withOptions(insights.DefineDays, insights.ProcessorOptions()),
}

// withOptions is the setup of a group that only adds processor options of
// its own (the coalesced table writes of tracking and insights).
func withOptions(define func(*topology.Catalog) *goka.GroupGraph, opts []goka.ProcessorOption) func(*Config, *topology.Catalog) (*goka.GroupGraph, []goka.ProcessorOption, error) {
	return func(_ *Config, cat *topology.Catalog) (*goka.GroupGraph, []goka.ProcessorOption, error) {
		return define(cat), opts, nil
	}
}

// groupNames lists the processor groups in a stable order.
func groupNames() []string {
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// selectGroups parses --processors.
func selectGroups(spec string) ([]string, error) {
	if spec == "" || spec == "all" {
		return groupNames(), nil
	}
	var out []string
	for _, n := range strings.Split(spec, ",") {
		n = strings.TrimSpace(n)
		if _, ok := groups[n]; !ok {
			return nil, usageErr("unknown processor %q (have %s)", n, strings.Join(groupNames(), ", "))
		}
		out = append(out, n)
	}
	return out, nil
}

// app is one Tradestream instance: processors, views, emitter and HTTP API.
type app struct {
	cfg       *Config
	cat       *topology.Catalog
	log       *slog.Logger
	procs     []*goka.Processor
	procNames []string
	storage   string // the processor groups' storage plan, as --storage gives it
	views     []viewRunner
	emitter   *state.KafkaEmitter
	server    *state.Server
	httpLn    net.Listener
}

// newApp wires an instance. Topics must exist (see topology.Apply).
func newApp(cfg *Config, cat *topology.Catalog, log *slog.Logger) (*app, error) {
	names, err := selectGroups(cfg.Processors)
	if err != nil {
		return nil, err
	}
	keys, err := loadKeys(cfg.APIKeys)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cfg.StateDir, cfg.InstanceID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	if err := repairLocalState(cat.Config(), dir, log); err != nil {
		return nil, err
	}
	plan, err := parseStorage(cfg.Storage)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, cat: cat, log: log, storage: plan.String()}
	glog := gokaLogger{log.With("component", "goka")}
	for _, n := range names {
		opts := append(cat.Config().ProcessorOptions(),
			goka.WithStorageBuilder(plan.builder(n, dir)),
			goka.WithLogger(glog))
		graph := groups[n](cat)
		if setup, ok := groupSetups[n]; ok {
			var own []goka.ProcessorOption
			if graph, own, err = setup(cfg, cat); err != nil {
				return nil, err
			}
			opts = append(opts, own...)
		}
		p, err := goka.NewProcessor(cat.Config().Brokers, graph, opts...)
		if err != nil {
			return nil, fmt.Errorf("processor %s: %w", n, err)
		}
		a.procs = append(a.procs, p)
		a.procNames = append(a.procNames, "processor "+n)
	}
	viewOpts := []goka.ViewOption{goka.WithViewStorageBuilder(storage.DefaultBuilder(filepath.Join(dir, "views"))),
		goka.WithViewLogger(glog), goka.WithViewAutoReconnect()}
	var views state.Views
	// The job event streams follow the jobs and conversations views: each
	// record they store is published to the job's subscribers.
	feed := state.NewFeed(cat.Metrics.Registry)
	jobsView, err := addView(a, cat.Jobs, withCallback(viewOpts, feed.JobUpdates(cat.Jobs.GokaCodec())))
	if err != nil {
		return nil, err
	}
	peopleView, err := addView(a, cat.Tradespeople, viewOpts)
	if err != nil {
		return nil, err
	}
	views.Jobs, views.Tradespeople = jobsView, peopleView
	if views.Payments, err = addView(a, cat.Payments, viewOpts); err != nil {
		return nil, err
	}
	if views.Promos, err = addView(a, cat.Promos, viewOpts); err != nil {
		return nil, err
	}
	if views.Notifications, err = addView(a, cat.NotificationLists, viewOpts); err != nil {
		return nil, err
	}
	calendarsView, err := addView(a, cat.Calendars, viewOpts)
	if err != nil {
		return nil, err
	}
	views.Calendars = calendarsView
	if views.Insights, err = addView(a, cat.Insights, viewOpts); err != nil {
		return nil, err
	}
	if views.InsightDays, err = addView(a, cat.InsightDays, viewOpts); err != nil {
		return nil, err
	}
	if views.Conversations, err = addView(a, cat.Conversations,
		withCallback(viewOpts, feed.ConversationUpdates(cat.Conversations.GokaCodec()))); err != nil {
		return nil, err
	}
	a.emitter, err = state.NewKafkaEmitter(cat, goka.WithEmitterLogger(glog))
	if err != nil {
		return nil, err
	}
	a.server = state.NewServer(a.emitter, views, state.Options{Keys: keys, Ready: a.recovered, Logger: log, Now: cfg.now,
		Metrics: cat.Metrics.Registry, Feed: feed, Dashboard: a.dashboardSources(jobsView, peopleView, calendarsView),
		Locations: a.emitter, RateLimit: state.RateLimit{Rate: cfg.RateLimit, Burst: cfg.RateBurst}})
	registerMetrics(a)
	a.httpLn, err = net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	return a, nil
}

// viewRunner is a view the instance runs and waits for.
type viewRunner struct {
	name  string
	Run   func(context.Context) error
	ok    func() bool
	stats func(context.Context) *goka.ViewStats
}

// addView opens a view of table and registers it with the instance.
func addView[T any](a *app, table *topology.Table[T], opts []goka.ViewOption) (*state.View[T], error) {
	v, err := state.NewView(a.cat.Config(), table, opts...)
	if err != nil {
		return nil, err
	}
	a.views = append(a.views, viewRunner{name: string(table.Topic), Run: v.Run, ok: v.Recovered, stats: v.Stats})
	return v, nil
}

// withCallback is opts with the view's update callback set to cb.
func withCallback(opts []goka.ViewOption, cb goka.UpdateCallback) []goka.ViewOption {
	return append(slices.Clip(opts), goka.WithViewCallback(cb))
}

// recovered reports whether every view caught up with its table.
func (a *app) recovered() bool {
	for _, v := range a.views {
		if !v.ok() {
			return false
		}
	}
	return true
}

// addr is the HTTP API's address.
func (a *app) addr() string { return a.httpLn.Addr().String() }

// run serves until ctx is done, then shuts down: refuse new writes, finish
// in-flight requests (whose commands Kafka then acknowledged), flush the
// producer, stop processors (committing offsets) and views. It returns the
// first failure of a component.
func (a *app) run(ctx context.Context) error {
	compCtx, stopComponents := context.WithCancel(context.Background())
	defer stopComponents()
	errs := make(chan error, len(a.procs)+2)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		running = map[string]bool{}
	)
	start := func(name string, f func(context.Context) error) {
		wg.Add(1)
		mu.Lock()
		running[name] = true
		mu.Unlock()
		go func() {
			defer wg.Done()
			defer func() { mu.Lock(); delete(running, name); mu.Unlock() }()
			if err := f(compCtx); err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	for i, p := range a.procs {
		start(a.procNames[i], p.Run)
	}
	for _, v := range a.views {
		start(v.name, v.Run)
	}
	srv := &http.Server{Handler: a.server, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(a.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("http: %w", err)
		}
	}()
	a.log.Info("tradestream is up", "http", "http://"+a.addr(), "instance", a.cfg.InstanceID, "storage", a.storage,
		"brokers", strings.Join(a.cat.Config().Brokers, ","))

	var failure error
	select {
	case <-ctx.Done():
	case failure = <-errs:
		a.log.Error("component failed, shutting down", "err", failure)
	}
	a.log.Info("shutting down")
	a.server.Drain()
	// The budget: 10 s from the signal to exit (CONTRACT.md §1).
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	if err := a.emitter.Close(); err != nil && failure == nil {
		failure = fmt.Errorf("flushing emitter: %w", err)
	}
	stopComponents()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(6 * time.Second):
		// A processor waiting in a group join (goka sleeps 5 s before it
		// rejoins after a rebalance) holds no partitions and nothing to
		// commit: leaving it behind loses nothing.
		mu.Lock()
		a.log.Warn("components did not stop in time", "running", fmt.Sprint(running))
		mu.Unlock()
	}
	return failure
}

func loadKeys(path string) (*state.KeyRing, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr("--api-keys: %v", err)
	}
	var keys []state.APIKey
	if err := json.Unmarshal(b, &keys); err != nil {
		return nil, usageErr("--api-keys %s: %v", path, err)
	}
	kr, err := state.NewKeyRing(keys)
	if err != nil {
		return nil, usageErr("--api-keys %s: %v", path, err)
	}
	return kr, nil
}

// gokaLogger sends goka's chatter to slog at debug level.
type gokaLogger struct{ log *slog.Logger }

func (g gokaLogger) Print(v ...any)   { g.log.Debug(strings.TrimSpace(fmt.Sprint(v...))) }
func (g gokaLogger) Println(v ...any) { g.log.Debug(strings.TrimSpace(fmt.Sprintln(v...))) }
func (g gokaLogger) Printf(format string, v ...any) {
	g.log.Debug(strings.TrimSpace(fmt.Sprintf(format, v...)))
}
