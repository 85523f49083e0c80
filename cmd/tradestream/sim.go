package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/state"
)

// simulator is a load generator: it plays customers and tradespeople of a
// few tenants, writing commands as the HTTP API would.
type simulator struct {
	emit    state.Emitter
	seed    int64
	rng     *rand.Rand
	tenants []string
	rate    float64
	log     *slog.Logger
	jobs    map[string][]string // open jobs per tenant
	closed  map[string][]string // recently cancelled jobs per tenant
	next    int
	// Sent counts commands Kafka acknowledged.
	Sent int
	// Failed counts commands Kafka did not acknowledge.
	Failed int
	// Record, when set, gets every acknowledged command, in order.
	Record *commandRecorder

	mix     string
	market  *market
	lastBid map[string]string // job → the last bid sent on it

	// fleet drives trucks to accepted jobs (marketplace mix, when the
	// emitter also writes locations).
	fleet *fleet
	locs  state.LocationEmitter
	// Pings counts the pings Kafka acknowledged.
	Pings int
}

var trades = []string{"electrician", "plumber", "hvac", "painter", "bricklayer", "carpenter"}

func newSimulator(emit state.Emitter, seed int64, tenants int, rate float64, log *slog.Logger) *simulator {
	if tenants < 1 {
		tenants = 1
	}
	s := &simulator{emit: emit, seed: seed, rng: rand.New(rand.NewPCG(uint64(seed), 0x7ade)), rate: rate, log: log, jobs: map[string][]string{},
		closed: map[string][]string{}, mix: mixJobs, lastBid: map[string]string{}}
	for i := range tenants {
		s.tenants = append(s.tenants, fmt.Sprintf("tenant-%d", i+1))
	}
	return s
}

// emitTimeout bounds the wait for one acknowledgement.
const emitTimeout = 30 * time.Second

// run emits at the configured rate until ctx is done. A command in flight
// when ctx is done is still waited for, so that every command Kafka wrote is
// counted and recorded. run fails only when the record cannot be written.
func (s *simulator) run(ctx context.Context) error {
	interval := time.Duration(float64(time.Second) / s.rate)
	tick := time.NewTicker(max(interval, time.Millisecond))
	defer tick.Stop()
	s.log.Info("simulator started", "rate", s.rate, "tenants", len(s.tenants))
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		var (
			tenant string
			cmd    *codecs.Command
		)
		if s.mix == mixMarketplace {
			tenant, cmd = s.marketCommand(time.Now().UTC())
		} else {
			tenant, cmd = s.command(time.Now().UTC())
		}
		emitCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), emitTimeout)
		err := s.emit.Emit(emitCtx, tenant, cmd)
		cancel()
		if err != nil {
			s.Failed++
			if ctx.Err() == nil {
				s.log.Warn("simulator could not emit", "err", err)
			}
			continue
		}
		if err := s.sent(tenant, cmd); err != nil {
			return err
		}
		if s.fleet != nil {
			if err := s.driveFleet(ctx, time.Now().UTC()); err != nil {
				return err
			}
		}
	}
}

// sent counts and records a command Kafka acknowledged.
func (s *simulator) sent(tenant string, cmd *codecs.Command) error {
	s.Sent++
	if s.Record != nil {
		return s.Record.add(tenant, cmd)
	}
	return nil
}

// driveFleet moves the trucks to now: their status commands, then one
// batch of pings.
func (s *simulator) driveFleet(ctx context.Context, now time.Time) error {
	cmds, pings := s.fleet.step(now)
	emitCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), emitTimeout)
	defer cancel()
	for _, cmd := range cmds {
		if err := s.emit.Emit(emitCtx, cmd.TenantID, cmd); err != nil {
			s.Failed++
			continue
		}
		if err := s.sent(cmd.TenantID, cmd); err != nil {
			return err
		}
	}
	if len(pings) == 0 {
		return nil
	}
	if err := s.locs.EmitLocations(emitCtx, pings); err != nil {
		s.Failed += len(pings)
		if ctx.Err() == nil {
			s.log.Warn("simulator could not emit pings", "err", err)
		}
		return nil
	}
	s.Pings += len(pings)
	return nil
}

// command makes the next command: mostly new jobs, some cancels and
// reschedules of open ones, and a few stale reschedules of cancelled jobs
// (a client acting on an old page), which the jobs group rejects.
func (s *simulator) command(now time.Time) (string, *codecs.Command) {
	tenant := s.tenants[s.rng.IntN(len(s.tenants))]
	s.next++
	cmd := &codecs.Command{CommandID: fmt.Sprintf("sim-%d-%d", now.UnixNano(), s.next), TenantID: tenant,
		AcceptedAt: now.Truncate(time.Millisecond), Source: "simulator"}
	open := s.jobs[tenant]
	roll := s.rng.IntN(10)
	if len(open) == 0 || roll < 6 {
		id := fmt.Sprintf("job-%d", s.next)
		start := now.Add(time.Duration(1+s.rng.IntN(72)) * time.Hour).Truncate(time.Hour)
		cmd.Kind, cmd.JobID = codecs.KindPostJob, id
		cmd.PostJob = &codecs.PostJob{CustomerID: fmt.Sprintf("cust-%d", s.rng.IntN(500)),
			Trade: trades[s.rng.IntN(len(trades))], Title: "Simulated job",
			Location:        codecs.GeoPoint{Lat: 51.3 + s.rng.Float64()*0.4, Lon: -0.5 + s.rng.Float64()*0.7},
			Window:          codecs.Window{EarliestStart: start, LatestEnd: start.Add(8 * time.Hour)},
			DurationMinutes: int32(30 + 15*s.rng.IntN(12)), Mode: "bid", Currency: "GBP"}
		s.jobs[tenant] = append(open, id)
		if len(s.jobs[tenant]) > 1000 {
			s.jobs[tenant] = s.jobs[tenant][1:]
		}
		return tenant, cmd
	}
	i := s.rng.IntN(len(open))
	cmd.JobID = open[i]
	if closed := s.closed[tenant]; roll == 9 && len(closed) > 0 && s.rng.IntN(3) == 0 {
		cmd.JobID = closed[s.rng.IntN(len(closed))]
		roll = 8 // a reschedule
	}
	switch {
	case roll < 8:
		cmd.Kind, cmd.CancelJob = codecs.KindCancelJob, &codecs.CancelJob{Reason: "simulated"}
		s.jobs[tenant] = append(open[:i:i], open[i+1:]...)
		s.closed[tenant] = append(s.closed[tenant], cmd.JobID)
		if len(s.closed[tenant]) > 100 {
			s.closed[tenant] = s.closed[tenant][1:]
		}
	default:
		start := now.Add(time.Duration(24+s.rng.IntN(72)) * time.Hour).Truncate(time.Hour)
		cmd.Kind = codecs.KindRescheduleJob
		cmd.RescheduleJob = &codecs.RescheduleJob{Window: codecs.Window{EarliestStart: start, LatestEnd: start.Add(8 * time.Hour)}}
	}
	return tenant, cmd
}

func simulateCmd(ctx context.Context, args []string, stderr io.Writer) error {
	f := newFlagSet("simulate")
	f.common()
	f.cluster()
	f.simulator()
	f.Float64Var(&f.cfg.Simulate, "rate", 50, "events per second")
	f.DurationVar(&f.cfg.Duration, "duration", 0, "stop after this long (0 = until interrupted)")
	record := f.String("record", "", "append every command Kafka acknowledged to this file, one JSON line each")
	cfg, err := f.parse(args)
	if err != nil {
		return err
	}
	if cfg.Brokers == "" || cfg.Registry == "" {
		return usageErr("simulate needs --brokers and --registry")
	}
	if cfg.Simulate <= 0 {
		return usageErr("--rate must be positive")
	}
	log := newLogger(stderr, cfg.LogLevel)
	cat, err := catalog(cfg)
	if err != nil {
		return err
	}
	em, err := state.NewKafkaEmitter(cat)
	if err != nil {
		return err
	}
	defer em.Close()
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	sim := newSimulator(em, cfg.Seed, cfg.Tenants, cfg.Simulate, log)
	if err := sim.setMix(cfg.Mix, cfg.Tradespeople); err != nil {
		return err
	}
	if *record != "" {
		if sim.Record, err = openRecorder(*record); err != nil {
			return err
		}
	}
	err = sim.run(ctx)
	if sim.Record != nil {
		err = errors.Join(err, sim.Record.close())
	}
	log.Info("simulator done", "sent", sim.Sent, "failed", sim.Failed, "pings", sim.Pings, "tenants", strings.Join(sim.tenants, ","))
	return err
}

// setMix chooses the kind of traffic: mixJobs or mixMarketplace (with
// tradespeople simulated tradespeople per tenant).
func (s *simulator) setMix(mix string, tradespeople int) error {
	switch mix {
	case mixJobs:
	case mixMarketplace:
		s.market = newMarket(tradespeople)
		if locs, ok := s.emit.(state.LocationEmitter); ok {
			// Its own random source: the market's sequence does not
			// depend on the trucks.
			s.fleet, s.locs = newFleet(rand.New(rand.NewPCG(uint64(s.seed), 0xf1ee7))), locs
		}
	default:
		return usageErr("--mix must be %s or %s", mixJobs, mixMarketplace)
	}
	s.mix = mix
	return nil
}
