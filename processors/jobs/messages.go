package jobs

import "github.com/tradestream/tradestream/codecs"

// GateMessage decides a chat message on job (nil when it does not exist):
// relayed to the job's conversation, or rejected because the job did not
// exist at the message's place in the tenant's order. The answer depends
// only on the job's post, so a redelivered message gets the same one; the
// conversation drops the repeat.
func GateMessage(job *codecs.Job, cmd *codecs.Command) (relay bool, rej *codecs.Rejection) {
	switch {
	case cmd.PostMessage == nil:
		return false, reject(cmd, CodeInvalid, "post_message without payload")
	case job == nil || cmd.Seq <= job.PostedSeq:
		return false, reject(cmd, CodeNotFound, "job "+cmd.JobID+" does not exist")
	}
	return true, nil
}

// StampPayment returns the payment event cmd as the jobs group forwards it
// to the payments group: stamped with what payments checks of the job
// (codecs.PaymentJob), or with nothing when the job did not exist at the
// event's place in the tenant's order. Like GateMessage, the answer
// depends only on the job's post, so a redelivery is stamped the same.
func StampPayment(job *codecs.Job, cmd *codecs.Command) *codecs.Command {
	out := *cmd
	out.Pricing, out.PaymentJob = nil, nil
	if job != nil && cmd.Seq > job.PostedSeq {
		out.PaymentJob = &codecs.PaymentJob{Currency: job.Currency}
	}
	return &out
}
