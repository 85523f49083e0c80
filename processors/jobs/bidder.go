package jobs

import (
	"slices"

	"github.com/tradestream/tradestream/codecs"
)

// A bid is checked against its bidder's profile as of its place in the log,
// not by a lookup of the tradespeople table: the job sends the bid through
// the tradespeople group (keyed by the bidder), which passes it back stamped
// with the profile (codecs.Command.BidderChecked). Meanwhile the job's other
// client commands wait, in order, in Job.Parked (the bid out is its head,
// Job.BidderCheck its sequence number), and are applied after the bid: the
// job sees its client commands in the tenant's order, as without the detour.
// A replay of the jobs group reads the same stamps.

// Admission is what the jobs group does with a command before Apply.
type Admission int

// Admissions.
const (
	// Admit applies the command now.
	Admit Admission = iota
	// Park keeps the command in Job.Parked until the bid out is back.
	Park
	// CheckBidder sends the bid to its bidder's tradespeople partition.
	CheckBidder
	// Resend sends the bid out again (a redelivery: the first send may
	// have been lost), and then applies the command.
	Resend
	// Ignore drops a repeat of a parked command.
	Ignore
)

// AdmissionOf decides cmd arriving at job, whose parked commands (decoded, in
// order) are parked.
func AdmissionOf(job *codecs.Job, parked []*codecs.Command, cmd *codecs.Command) Admission {
	switch {
	case job == nil || cmd.Source == codecs.SourceInternal || cmd.Kind == codecs.KindPostMessage ||
		cmd.Kind == codecs.KindPaymentEvent:
		return Admit
	case cmd.Seq <= job.Seq:
		if job.BidderCheck != 0 {
			return Resend
		}
		return Admit // a redelivery: Apply re-sends its effects
	case job.BidderCheck == 0:
		if cmd.Kind == codecs.KindSubmitBid && cmd.SubmitBid != nil && !cmd.BidderChecked {
			return CheckBidder
		}
		return Admit
	case cmd.Seq == job.BidderCheck && cmd.BidderChecked:
		return Admit // the bid is back
	case cmd.Seq == job.BidderCheck:
		return CheckBidder // sent again: the first send may have been lost
	case len(parked) > 0 && cmd.Seq <= parked[len(parked)-1].Seq:
		return Ignore
	}
	return Park
}

// BidderOf is the bidder of a checked bid as Apply reads it: nil when the
// tradesperson did not exist.
func BidderOf(cmd *codecs.Command) *codecs.Tradesperson {
	if cmd.Bidder == nil || cmd.SubmitBid == nil {
		return nil
	}
	return &codecs.Tradesperson{ID: cmd.SubmitBid.TradespersonID, TenantID: cmd.TenantID, Active: cmd.Bidder.Active,
		Trades: slices.Clone(cmd.Bidder.Trades)}
}

// BidderKey is the tradespeople key a bid is checked under.
func BidderKey(cmd *codecs.Command) string {
	return cmd.TenantID + "/" + cmd.SubmitBid.TradespersonID
}
