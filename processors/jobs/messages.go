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
