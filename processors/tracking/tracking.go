package tracking

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// Config tunes the tracking rules.
type Config struct {
	// MaxFuture is how far ahead of its record's time on the log (the
	// Kafka timestamp, set when the API wrote it) a ping's time may be; a
	// later ping is rejected. Default: 5 minutes.
	MaxFuture time.Duration
	// ArrivalRadiusKm is the distance from the job at which the
	// tradesperson has arrived. Default: 0.15 (150 m).
	ArrivalRadiusKm float64
	// Refresh is the age (in ping time) after which an unchanged ETA is
	// written to the job again. Default: 60 s.
	Refresh time.Duration
	// DistanceStepKm is the resolution at which a change of distance alone
	// is written to the job. Default: 0.1 km.
	DistanceStepKm float64
}

// EnsureDefaults fills unset fields with their defaults.
func (c *Config) EnsureDefaults() {
	if c.MaxFuture <= 0 {
		c.MaxFuture = 5 * time.Minute
	}
	if c.ArrivalRadiusKm <= 0 {
		c.ArrivalRadiusKm = 0.15
	}
	if c.Refresh <= 0 {
		c.Refresh = time.Minute
	}
	if c.DistanceStepKm <= 0 {
		c.DistanceStepKm = 0.1
	}
}

// Define returns the tracking group graph with the default Config.
func Define(cat *topology.Catalog) *goka.GroupGraph { return DefineWith(cat, Config{}) }

// ErrNotOneInput is the dead-letter reason of a tracking input that
// carries no ping and no command, or both.
var ErrNotOneInput = errors.New("tracking: a tracking input carries exactly one of ping and command")

// DefineWith returns the tracking group graph: pings and tracking commands,
// on one input, joined with the tracking table; ETAs and arrivals go to the
// jobs.
func DefineWith(cat *topology.Catalog, cfg Config) *goka.GroupGraph {
	cfg.EnsureDefaults()
	etas, err := codecs.NewETAUpdates(cat.JobCommands.Avro)
	if err != nil {
		panic(err) // the command schema is embedded, and tested with ETAUpdates
	}
	p := &processor{cat: cat, cfg: cfg, etas: etas}
	return topology.DefineGroup(cat, cat.Tracking,
		cat.TrackingInputs.Input(p.input),
		cat.JobCommands.Output(),
		cat.Rejects.Output(),
	)
}

// WriteDelay and WriteBatch bound how the tracking table's changelog
// writes are coalesced (ProcessorOptions): a partition that falls behind
// sends each tradesperson's last state once per batch instead of one record
// per ping, within WriteDelay (the instances' offset commit interval) or
// WriteBatch pings that wrote.
const (
	WriteDelay = time.Second
	WriteBatch = 1000
)

// ProcessorOptions are the goka options the tracking group uses besides the
// common ones: its table writes are coalesced per key while a partition has
// input waiting (goka.WithCoalescedTableWrites). The ETAs are not delayed,
// and an input offset is committed only once its state is on the changelog.
func ProcessorOptions() []goka.ProcessorOption {
	return []goka.ProcessorOption{goka.WithCoalescedTableWrites(WriteDelay, WriteBatch)}
}

type processor struct {
	cat  *topology.Catalog
	cfg  Config
	etas *codecs.ETAUpdates // the eta_updates' writer: JobCommand's bytes, with no Command built
}

func (p *processor) input(ctx goka.Context, in *codecs.TrackingInput) {
	switch {
	case (in.Ping == nil) == (in.Command == nil):
		p.cat.DeadLetter(ctx, nil, ErrNotOneInput)
	case in.Ping != nil:
		p.ping(ctx, in.Ping)
	default:
		p.command(ctx, in.Command)
	}
}

// ping applies a ping at its record's time on the log, so that a replay
// judges it as the live run did.
func (p *processor) ping(ctx goka.Context, ping *codecs.LocationPing) {
	logged := ctx.Timestamp()
	res := ApplyPing(p.cat.Tracking.Get(ctx), ctx.Key(), ping, p.cfg, logged)
	if res.Reject != "" {
		p.cat.Rejects.Emit(ctx, ping.TenantID, PingRejection(ping, res.Reject, logged))
		return
	}
	if res.State != nil {
		p.cat.Tracking.Set(ctx, res.State)
	}
	for _, e := range res.Effects {
		if e.Kind != codecs.KindETAUpdate {
			p.cat.JobCommands.Emit(ctx, ping.TenantID+"/"+e.JobID, JobCommand(ping.TenantID, e))
			continue
		}
		// The key and the value in one allocation.
		key, data, err := p.etas.MarshalKeyed(ping.TenantID, e.JobID, e.PingAt, e.ETA)
		if err != nil { // as goka's Emit fails on a value it cannot encode
			ctx.Fail(fmt.Errorf("error encoding message for topic %s: %w", p.cat.JobCommands.Topic, err))
		}
		p.cat.JobCommands.EmitEncoded(ctx, key, data)
	}
}

func (p *processor) command(ctx goka.Context, cmd *codecs.TrackingCommand) {
	if next := ApplyCommand(p.cat.Tracking.Get(ctx), cmd); next != nil {
		p.cat.Tracking.Set(ctx, next)
	}
}

// JobCommand is the internal job command of an effect. Its id names the
// job, the kind and the ping's time, so a re-sent effect is recognised.
// The group writes an eta_update's bytes from its parts
// (codecs.ETAUpdates), the very bytes of its JobCommand.
func JobCommand(tenant string, e codecs.TrackingEffect) *codecs.Command {
	blk := new(struct { // the command and its ETA, allocated at once
		cmd codecs.Command
		eta codecs.ETA
	})
	cmd := &blk.cmd
	*cmd = codecs.Command{CommandID: effectID(e),
		TenantID: tenant, Kind: e.Kind, JobID: e.JobID, AcceptedAt: e.PingAt, Source: codecs.SourceInternal}
	switch e.Kind {
	case codecs.KindETAUpdate:
		blk.eta = *e.ETA
		cmd.ETA = &blk.eta
	case codecs.KindArrived:
		cmd.SetJobStatus = &codecs.SetJobStatus{Status: codecs.StatusOnSite, At: e.PingAt}
	}
	return cmd
}

// effectID is the command id of effect e: "<kind>-<job>-<ping's unix ms>".
func effectID(e codecs.TrackingEffect) string {
	var buf [96]byte
	id := append(buf[:0], e.Kind...)
	id = append(id, '-')
	id = append(id, e.JobID...)
	id = append(id, '-')
	return string(strconv.AppendInt(id, e.PingAt.UnixMilli(), 10))
}

// PingRejection is the rejects-topic record of an invalid ping whose
// record was logged at logged: the rejection is dated by the log (by the
// ping's own time when the record has none), so that a replay writes the
// same record.
func PingRejection(p *codecs.LocationPing, reason string, logged time.Time) *codecs.Rejection {
	at := logged
	if !HasLogTime(logged) {
		at = p.At
	}
	return &codecs.Rejection{CommandID: "ping-" + p.TradespersonID + "-" + strconv.FormatInt(p.At.UnixMilli(), 10),
		TenantID: p.TenantID, Kind: "location", Code: "invalid", Reason: reason, At: at.UTC()}
}
