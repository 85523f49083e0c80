package jobs

import (
	"fmt"
	"slices"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
)

// admit applies cmd to cur, or parks it behind the bid out, or sends a bid
// to its bidder's partition (bidder.go). When the bid out comes back, it is
// applied and then the parked commands, in order, until another bid goes
// out.
func (p *processor) admit(ctx goka.Context, cur *codecs.Job, cmd *codecs.Command) {
	parked, err := p.parked(cur)
	if err != nil {
		p.cat.DeadLetter(ctx, nil, err)
		return
	}
	switch AdmissionOf(cur, parked, cmd) {
	case Ignore:
		return
	case Park:
		if enc := p.encode(ctx, cmd); enc != nil {
			next := clone(cur)
			next.Parked = append(slices.Clone(cur.Parked), enc)
			p.cat.Jobs.Set(ctx, next)
		}
		return
	case CheckBidder:
		if cur.BidderCheck == cmd.Seq { // sent again
			p.cat.TradespersonCommands.Emit(ctx, BidderKey(cmd), cmd)
			return
		}
		if enc := p.encode(ctx, cmd); enc != nil {
			next := clone(cur)
			next.BidderCheck, next.Parked = cmd.Seq, append([][]byte{enc}, cur.Parked...)
			p.cat.Jobs.Set(ctx, next)
			p.cat.TradespersonCommands.Emit(ctx, BidderKey(cmd), cmd)
		}
		return
	case Resend:
		p.cat.TradespersonCommands.Emit(ctx, BidderKey(parked[0]), parked[0])
	}
	job := cur
	if cur != nil && cur.BidderCheck != 0 && cmd.Seq == cur.BidderCheck && cmd.BidderChecked {
		job = clone(cur) // the bid is back: out of the queue
		job.BidderCheck, job.Parked, parked = 0, slices.Clone(cur.Parked[1:]), parked[1:]
	}
	job = p.apply(ctx, job, cmd)
	for job != nil && job.BidderCheck == 0 && len(parked) > 0 {
		next := parked[0]
		job = clone(job)
		job.Parked, parked = slices.Clone(job.Parked[1:]), parked[1:]
		if AdmissionOf(job, parked, next) == CheckBidder {
			enc := p.encode(ctx, next)
			job.BidderCheck, job.Parked = next.Seq, append([][]byte{enc}, job.Parked...)
			p.cat.TradespersonCommands.Emit(ctx, BidderKey(next), next)
			break
		}
		job = p.apply(ctx, job, next)
	}
	if job != nil && job != cur {
		p.cat.Jobs.Set(ctx, job)
	}
}

// parked decodes the job's parked commands.
func (p *processor) parked(job *codecs.Job) ([]*codecs.Command, error) {
	if job == nil || len(job.Parked) == 0 {
		return nil, nil
	}
	out := make([]*codecs.Command, len(job.Parked))
	for i, b := range job.Parked {
		c, err := p.cat.JobCommands.Avro.Unmarshal(b)
		if err != nil {
			return nil, fmt.Errorf("jobs: parked command %d of job %s: %w", i, job.ID, err)
		}
		out[i] = c
	}
	return out, nil
}

// encode encodes a command to park; nil (dead-lettered) when it cannot be.
func (p *processor) encode(ctx goka.Context, cmd *codecs.Command) []byte {
	b, err := p.cat.JobCommands.Avro.Marshal(cmd)
	if err != nil {
		p.cat.DeadLetter(ctx, nil, fmt.Errorf("jobs: parking command %s: %w", cmd.CommandID, err))
		return nil
	}
	return b
}
