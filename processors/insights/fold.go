package insights

import (
	"slices"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// OnTimeSlack is how late an arrival may be and still count as on time.
const OnTimeSlack = 10 * time.Minute

// Agg is one open day of a tenant: its counters and the ids of the events
// counted, sorted, so that a redelivered or re-sent event counts once.
type Agg struct {
	Counts codecs.InsightCounts
	Seen   []string
}

// mark records id as counted; false when it already was.
func (a *Agg) mark(id string) bool {
	i, found := slices.BinarySearch(a.Seen, id)
	if found {
		return false
	}
	a.Seen = slices.Insert(slices.Clone(a.Seen), i, id)
	return true
}

// EventID names a job event for deduplication: one per job and kind.
func EventID(ev *codecs.JobEvent) string { return ev.JobID + "/" + ev.Kind }

// LedgerID names a ledger entry for deduplication: its command.
func LedgerID(e *codecs.LedgerEntry) string { return "pay:" + e.CommandID }

// FoldJobEvent counts a job event into a day, once per (job, kind):
// arrivals add their delay (early ones 0) and whether they were on time,
// completions the time worked (on_site → completed), ratings their stars.
func FoldJobEvent(a *Agg, ev *codecs.JobEvent) {
	if !a.mark(EventID(ev)) {
		return
	}
	c := &a.Counts
	switch ev.Kind {
	case codecs.JobEventPosted:
		c.JobsPosted++
	case codecs.JobEventCancelled:
		c.JobsCancelled++
	case codecs.JobEventCompleted:
		c.JobsCompleted++
		if !ev.OnSiteAt.IsZero() && ev.At.After(ev.OnSiteAt) {
			c.WorkedSeconds += int64(ev.At.Sub(ev.OnSiteAt) / time.Second)
		}
	case codecs.JobEventArrived:
		if ev.AppointmentStart.IsZero() {
			return
		}
		c.Arrivals++
		if d := ev.At.Sub(ev.AppointmentStart); d > 0 {
			c.DelaySeconds += int64(d / time.Second)
		}
		if !ev.At.After(ev.AppointmentStart.Add(OnTimeSlack)) {
			c.OnTime++
		}
	case codecs.JobEventRated:
		if ev.Rating >= codecs.MinStars && ev.Rating <= codecs.MaxStars {
			c.Ratings++
			c.RatingSum += int64(ev.Rating)
		}
	}
}

// FoldLedger counts a payment event into a day, once per command:
// captures add to the revenue, refunds take from it.
func FoldLedger(a *Agg, e *codecs.LedgerEntry) {
	if e.Event != codecs.PaymentCaptured && e.Event != codecs.PaymentRefunded {
		return
	}
	if !a.mark(LedgerID(e)) {
		return
	}
	if e.Event == codecs.PaymentCaptured {
		a.Counts.RevenueMinor += e.AmountMinor
	} else {
		a.Counts.RevenueMinor -= e.AmountMinor
	}
}
