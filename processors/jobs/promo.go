package jobs

import "github.com/tradestream/tradestream/codecs"

// A job with a promo code takes the promo state it prices with from the log,
// not from a lookup of the promos table: its post is sent through the promos
// group once it is applied (an Effect of kind post_job to ToPromo), and
// every later client command of the job goes through it too (Bounces), in
// order, before it is applied. The promos group passes each on stamped with
// the code's state (codecs.Command.PromoChecked); the job keeps the newest
// (Job.PromoState). A replay of the jobs group reads the same stamps.

// Bounces reports whether cmd, arriving at job, goes through the promos
// group first: a new client command (not a chat message or a payment, which
// need no promo) of a job with a promo code, not yet stamped.
func Bounces(job *codecs.Job, cmd *codecs.Command) bool {
	switch {
	case job == nil || job.PromoCode == nil || cmd.PromoChecked || cmd.Source == codecs.SourceInternal:
		return false
	case cmd.Kind == codecs.KindPostMessage || cmd.Kind == codecs.KindPaymentEvent:
		return false
	}
	return cmd.Seq > job.Seq
}

// carriedPromo returns the promo state cmd carries for job's code, if any:
// the stamp of the promos group, or the new state on a reprice.
func carriedPromo(job *codecs.Job, cmd *codecs.Command) (*codecs.Promo, bool) {
	switch {
	case cmd.PromoChecked:
		return cmd.Promo, true
	case cmd.Kind == codecs.KindReprice && cmd.Promo != nil && job != nil && job.PromoCode != nil &&
		cmd.Promo.Code == *job.PromoCode:
		return cmd.Promo, true
	}
	return nil, false
}

// promoEnv sets env.Promo to the promo state cmd applies to job with: the
// one it carries, else the one the job kept, else env's (no stamp yet). It
// reports whether the job must keep the carried state.
func promoEnv(job *codecs.Job, cmd *codecs.Command, env *Env) bool {
	if p, ok := carriedPromo(job, cmd); ok {
		env.Promo = p
		return true
	}
	if job != nil && job.PromoChecked {
		env.Promo = job.PromoState
	}
	return false
}

// postChecked applies the post of job coming back through the promos
// group: the job keeps the code's state and, when the code does not apply,
// says why in last_rejection, as the post would have (same command, kind
// and time). The check completes the post: the version does not move.
func postChecked(job *codecs.Job, cmd *codecs.Command) Result {
	if job.PromoChecked || cmd.Seq != job.PostedSeq {
		return Result{Job: job} // a repeat
	}
	next := clone(job)
	next.PromoChecked, next.PromoState = true, cmd.Promo
	if next.LastRejection == nil {
		notePromo(next, cmd, Env{Promo: cmd.Promo})
	}
	return Result{Job: next}
}
