package jobs

import (
	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/geo"
	"github.com/tradestream/tradestream/topology"
)

// Define returns the jobs group graph. It looks up no other group's table:
// the tenant's pricing comes in the log, stamped on the commands
// (codecs.PricingStamp); the commands of a job with a promo code pass
// through the promos group, stamped with the code's state (promo.go); and a
// bid passes through its bidder's tradespeople partition, stamped with the
// profile (bidder.go). Payment events pass through: stamped with the job
// and forwarded to the payments group.
func Define(cat *topology.Catalog) *goka.GroupGraph {
	p := &processor{cat: cat}
	return topology.DefineGroup(cat, cat.Jobs,
		cat.JobCommands.Input(p.handle),
		cat.Rejects.Output(),
		cat.PricingCommands.Output(),
		cat.PromoCommands.Output(),
		cat.MatchEvents.Output(),
		cat.CalendarCommands.Output(),
		cat.DependencyCommands.Output(),
		cat.JobCommands.Output(),
		cat.Notifications.Output(),
		cat.TrackingInputs.Output(),
		cat.TradespersonCommands.Output(),
		cat.JobEvents.Output(),
		cat.ConversationCommands.Output(),
		cat.PaymentCommands.Output(),
	)
}

type processor struct {
	cat *topology.Catalog
}

func (p *processor) handle(ctx goka.Context, cmd *codecs.Command) {
	cur := p.cat.Jobs.Get(ctx)
	if cmd.Kind == codecs.KindPostMessage {
		// Chat does not change the job: relayed, not applied.
		if relay, rej := GateMessage(cur, cmd); relay {
			p.cat.ConversationCommands.Emit(ctx, ctx.Key(), cmd)
		} else {
			p.cat.Rejects.Emit(ctx, cmd.TenantID, rej)
		}
		return
	}
	if cmd.Kind == codecs.KindPaymentEvent {
		// Payments do not change the job: stamped with it and forwarded.
		p.cat.PaymentCommands.Emit(ctx, cmd.TenantID+"/"+cmd.PaymentID, StampPayment(cur, cmd))
		return
	}
	if Bounces(cur, cmd) {
		p.cat.PromoCommands.Emit(ctx, cmd.TenantID+"/"+*cur.PromoCode, cmd)
		return
	}
	p.admit(ctx, cur, cmd) // park.go
}

// apply applies cmd to job, emits its rejection and effects, and returns
// the job after it (job when nothing is stored).
func (p *processor) apply(ctx goka.Context, job *codecs.Job, cmd *codecs.Command) *codecs.Job {
	res := Apply(job, cmd, p.env())
	if res.Rejection != nil {
		p.cat.Rejects.Emit(ctx, cmd.TenantID, res.Rejection)
	}
	for _, e := range res.Effects {
		p.send(ctx, cmd, res.Job, e)
	}
	if res.Job == nil {
		return job
	}
	return res.Job
}

// send delivers one effect of cmd on job.
func (p *processor) send(ctx goka.Context, cmd *codecs.Command, job *codecs.Job, e Effect) {
	if e.To == ToTradespeople {
		if key, out := TradespersonCommand(job, e.Kind); out != nil {
			p.cat.TradespersonCommands.Emit(ctx, key, out)
		}
		return
	}
	if e.To == ToInsights {
		if ev := JobEventOf(job, e.Arg); ev != nil {
			p.cat.JobEvents.Emit(ctx, job.TenantID, ev)
		}
		return
	}
	if e.To >= ToCalendar {
		p.sendSchedule(ctx, ScheduleMessages(cmd, job, e))
		return
	}
	if e.To == ToPromo && e.Kind == codecs.KindPostJob {
		// The post goes through the promos group and comes back stamped.
		p.cat.PromoCommands.Emit(ctx, cmd.TenantID+"/"+deref(job.PromoCode), cmd)
		return
	}
	if e.To == ToMatching {
		if e.Kind == codecs.MatchWait && !Waits(job) {
			return // re-sent from the outbox after the job moved on
		}
		cell := geo.CellOf(job.Location.Lat, job.Location.Lon)
		p.cat.MatchEvents.Emit(ctx, job.TenantID+"/"+job.Trade+"/"+cell.String(), MatchEventOf(job, e.Kind))
		return
	}
	out := &codecs.Command{CommandID: cmd.CommandID + "/" + e.Kind, TenantID: cmd.TenantID, Kind: e.Kind,
		JobID: job.ID, PromoCode: deref(job.PromoCode), AcceptedAt: cmd.AcceptedAt, Source: codecs.SourceInternal}
	if e.To == ToPromo {
		p.cat.PromoCommands.Emit(ctx, cmd.TenantID+"/"+out.PromoCode, out)
	} else {
		p.cat.PricingCommands.Emit(ctx, cmd.TenantID, out)
	}
}

// sendSchedule emits the records of a scheduling effect.
func (p *processor) sendSchedule(ctx goka.Context, msgs []Message) {
	for _, m := range msgs {
		switch m.To {
		case ToCalendar:
			p.cat.CalendarCommands.Emit(ctx, m.Key, m.Calendar)
		case ToJob:
			p.cat.JobCommands.Emit(ctx, m.Key, m.Command)
		case ToDependencies:
			p.cat.DependencyCommands.Emit(ctx, m.Key, m.Command)
		case ToNotify:
			p.cat.Notifications.Emit(ctx, m.Key, m.Notification)
		case ToTracking:
			p.cat.TrackingInputs.Emit(ctx, m.Key, trackingInput(m.Tracking))
		}
	}
}

// env is what Apply reads besides the job and the command: nothing but the
// default pricing. The pricing, promo and bidder come stamped in the log
// (PricingStampOf, promo.go, bidder.go).
func (p *processor) env() Env {
	return Env{Pricing: PricingOf(nil)}
}
