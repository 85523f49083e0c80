package insights

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tradestream/tradestream/codecs"
)

var start = time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)

func ev(job, kind string, at time.Time) *codecs.JobEvent {
	return &codecs.JobEvent{TenantID: "acme", JobID: job, Kind: kind, At: at}
}

func arrived(job string, lateBy time.Duration) *codecs.JobEvent {
	e := ev(job, codecs.JobEventArrived, start.Add(lateBy))
	e.AppointmentStart = start
	return e
}

func TestFoldJobEventCountsEachKind(t *testing.T) {
	var a Agg
	done := ev("j1", codecs.JobEventCompleted, start.Add(90*time.Minute))
	done.OnSiteAt = start.Add(15 * time.Minute)
	rated := ev("j1", codecs.JobEventRated, start.Add(2*time.Hour))
	rated.Rating = 4
	for _, e := range []*codecs.JobEvent{
		ev("j1", codecs.JobEventPosted, start), ev("j2", codecs.JobEventPosted, start),
		arrived("j1", -5*time.Minute), // early: delay 0, on time
		arrived("j2", 10*time.Minute), // 10 min: on time
		arrived("j3", 25*time.Minute), // 25 min: late
		done, rated,
		ev("j4", codecs.JobEventCancelled, start),
		{TenantID: "acme", JobID: "j5", Kind: codecs.JobEventArrived, At: start}, // no appointment: not an arrival
	} {
		FoldJobEvent(&a, e)
	}
	assert.Equal(t, codecs.InsightCounts{JobsPosted: 2, JobsCompleted: 1, JobsCancelled: 1,
		Arrivals: 3, DelaySeconds: (0 + 10 + 25) * 60, OnTime: 2, Ratings: 1, RatingSum: 4,
		WorkedSeconds: 75 * 60}, a.Counts)
}

func TestFoldLedgerAddsCapturesAndTakesRefunds(t *testing.T) {
	var a Agg
	entry := func(cmd, event string, amount int64) *codecs.LedgerEntry {
		return &codecs.LedgerEntry{TenantID: "acme", CommandID: cmd, Event: event, AmountMinor: amount, At: start}
	}
	for _, e := range []*codecs.LedgerEntry{
		entry("c1", codecs.PaymentAuthorized, 9000), // not revenue
		entry("c2", codecs.PaymentCaptured, 9000),
		entry("c3", codecs.PaymentRefunded, 2500),
		entry("c4", codecs.PaymentSettled, 6500), // not revenue
	} {
		FoldLedger(&a, e)
	}
	assert.Equal(t, int64(9000-2500), a.Counts.RevenueMinor)
}

func TestDecideCountsAnEventOnceWhicheverWriteLanded(t *testing.T) {
	marker := func(next int64) *codecs.InsightsState { return &codecs.InsightsState{NextOffset: next} }
	for _, c := range []struct {
		name       string
		o, next    int64
		marker     *codecs.InsightsState
		seenBefore bool
		want       Decision
	}{
		{"a new event", 7, 7, nil, false, Decision{Count: true, Mark: true}},
		{"the first record of the loop", 0, 0, nil, false, Decision{Count: true, Mark: true}},
		{"a re-sent event: another record's marker", 9, 9, marker(8), false, Decision{}},
		{"delivered again, both writes landed", 7, 9, marker(8), false, Decision{}},
		{"delivered again, the state lost: counts again", 7, 7, marker(8), false, Decision{Count: true}},
		{"delivered again, the marker lost: marks only", 7, 8, nil, false, Decision{Mark: true}},
		{"counted before markers existed", 7, 0, nil, true, Decision{}},
		{"a later record marked it: this one did not count", 7, 7, marker(12), false, Decision{}},
	} {
		assert.Equal(t, c.want, Decide(c.o, c.next, c.marker, c.seenBefore), c.name)
	}
}
