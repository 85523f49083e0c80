package insights

import (
	"slices"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// OnTimeSlack is how late an arrival may be and still count as on time.
const OnTimeSlack = 10 * time.Minute

// Agg is one open day of a tenant: its counters. Seen holds the ids of the
// events it counted before the ids moved to side keys of the table (a day
// open across the upgrade); it is read, never extended.
type Agg struct {
	Counts codecs.InsightCounts
	Seen   []string
}

// seenBefore tells whether id was counted before the ids moved to side keys.
func (a *Agg) seenBefore(id string) bool {
	_, found := slices.BinarySearch(a.Seen, id)
	return found
}

// EventID names a job event for deduplication: one per job and kind.
func EventID(ev *codecs.JobEvent) string { return ev.JobID + "/" + ev.Kind }

// LedgerID names a ledger entry for deduplication: its command.
func LedgerID(e *codecs.LedgerEntry) string { return "pay:" + e.CommandID }

// Revenue tells whether a ledger entry counts: captures and refunds.
func Revenue(e *codecs.LedgerEntry) bool {
	return e.Event == codecs.PaymentCaptured || e.Event == codecs.PaymentRefunded
}

// Decision is what the group does with a record's event: count it, and
// mark it counted (its side key "<date>/<id>").
type Decision struct{ Count, Mark bool }

// Decide counts each event once however often the loop delivers it. The
// record at loop offset o carries the event; next is the tenant state's
// NextOffset (the records before it are folded in), marker the event's
// marker (nil: none; else the offset after the record that counted it),
// and seenBefore whether the day counted it before markers existed.
//
// The state and the marker are two table records and either may be lost
// in a crash before the record is committed; the record is then delivered
// again and this decides from what did land:
//   - a marker of another record: a re-sent or re-appended event, counted
//     already;
//   - its own marker: counted already if the state has the record, else
//     the state was lost and it counts again (the marker stays);
//   - no marker, a record the state has: it counted (the day is still
//     open) but the marker was lost: mark it, do not count;
//   - no marker, a new record: count and mark.
func Decide(o, next int64, marker *codecs.InsightsState, seenBefore bool) Decision {
	switch {
	case seenBefore:
		return Decision{}
	case marker != nil:
		return Decision{Count: marker.NextOffset == o+1 && o >= next}
	case o < next:
		return Decision{Mark: true}
	default:
		return Decision{Count: true, Mark: true}
	}
}

// FoldJobEvent counts a job event into a day (Decide counts each (job,
// kind) once): arrivals add their delay (early ones 0) and whether they were on time,
// completions the time worked (on_site → completed), ratings their stars.
func FoldJobEvent(a *Agg, ev *codecs.JobEvent) {
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

// FoldLedger counts a payment event into a day (Decide counts each command
// once): captures add to the revenue, refunds take from it, others nothing.
func FoldLedger(a *Agg, e *codecs.LedgerEntry) {
	if !Revenue(e) {
		return
	}
	if e.Event == codecs.PaymentCaptured {
		a.Counts.RevenueMinor += e.AmountMinor
	} else {
		a.Counts.RevenueMinor -= e.AmountMinor
	}
}
