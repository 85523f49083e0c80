package insights

import (
	"fmt"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

var day = time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC)

// record is one input of the insights group: a job event or a ledger entry.
type record struct {
	job    *codecs.JobEvent
	ledger *codecs.LedgerEntry
}

func posted(job string, at time.Duration) record {
	return record{job: ev(job, codecs.JobEventPosted, day.Add(at))}
}

func captured(cmd string, amount int64, at time.Duration) record {
	return record{ledger: &codecs.LedgerEntry{TenantID: "acme", CommandID: cmd, Event: codecs.PaymentCaptured,
		AmountMinor: amount, At: day.Add(at)}}
}

// input: the 7th and the 8th, out of order, with a repeat, one record
// within grace (23:30 on the 7th after 00:20 on the 8th) and one beyond it
// (22:00 on the 7th after 01:10 on the 8th closed the 7th).
var input = []record{
	posted("a", 9*time.Hour),
	captured("c1", 5000, 10*time.Hour),
	posted("b", 24*time.Hour+20*time.Minute), // the 8th
	posted("c", 23*time.Hour+30*time.Minute), // the 7th, in grace
	posted("a", 9*time.Hour),                 // a re-send: counted once
	captured("c2", 700, 25*time.Hour+10*time.Minute),
	posted("d", 22*time.Hour), // late: the 7th closed at 01:00 on the 8th
	posted("e", 50*time.Hour), // the 9th: closes the 8th
}

func run(t *testing.T, rs []record) (finals []*codecs.InsightsDay, late []*codecs.LateRecord, tt *tester.Tester, cat *topology.Catalog) {
	t.Helper()
	cat = topologytest.Catalog(t)
	tt = topologytest.Run(t, Define(cat), DefineDays(cat))
	upd, lt := tt.NewQueueTracker(string(cat.InsightUpdates.Topic)), tt.NewQueueTracker(string(cat.InsightsLate.Topic))
	for _, r := range rs {
		if r.job != nil {
			tt.Consume(string(cat.JobEvents.Topic), "acme", r.job)
		} else {
			tt.Consume(string(cat.PaymentsLedger.Topic), "acme", r.ledger)
		}
	}
	for {
		_, v, ok := upd.Next()
		if !ok {
			break
		}
		if d := v.(*codecs.InsightsDay); d.Final {
			finals = append(finals, d)
		}
	}
	for {
		_, v, ok := lt.Next()
		if !ok {
			break
		}
		late = append(late, v.(*codecs.LateRecord))
	}
	return finals, late, tt, cat
}

func TestInsightsCloseDaysOnStreamTimeAndSendLateRecordsAside(t *testing.T) {
	finals, late, tt, cat := run(t, input)
	assert.Equal(t, []*codecs.InsightsDay{
		// a and c (c out of order, in grace); 5000 captured.
		{TenantID: "acme", Date: "2030-01-07", Counts: codecs.InsightCounts{JobsPosted: 2, RevenueMinor: 5000}, Final: true},
		{TenantID: "acme", Date: "2030-01-08", Counts: codecs.InsightCounts{JobsPosted: 1, RevenueMinor: 700}, Final: true},
	}, finals)
	require.Len(t, late, 1)
	assert.Equal(t, &codecs.LateRecord{TenantID: "acme", Source: string(cat.JobEvents.Topic), ID: "d/posted",
		EventTime: day.Add(22 * time.Hour), StreamTime: day.Add(25*time.Hour + 10*time.Minute)}, late[0])

	st := tt.TableValue(cat.Insights.Topic, "acme").(*codecs.InsightsState)
	require.Len(t, st.Panes, 1, "closed days expired: the 9th is open")
	assert.Equal(t, "2030-01-09", Date(st.Panes[0].Start))
	d := tt.TableValue(cat.InsightDays.Topic, "acme/2030-01-07").(*codecs.InsightsDay)
	assert.True(t, d.Final, "the days table keeps the final")
}

func TestInsightsOfTheSameInputTwiceAreTheSame(t *testing.T) {
	once, _, _, _ := run(t, input)
	doubled := make([]record, 0, 2*len(input))
	for _, r := range input {
		doubled = append(doubled, r, r) // every record delivered twice in a row
	}
	twice, _, _, _ := run(t, doubled)
	assert.Equal(t, once, twice)
}

func TestCountedEventsAreMarkedBesideTheTenantUntilTheirDayCloses(t *testing.T) {
	_, _, tt, cat := run(t, input)
	marker := func(suffix string) any { return tt.TableValue(cat.Insights.Topic, goka.SideKey("acme", suffix)) }
	st := tt.TableValue(cat.Insights.Topic, "acme").(*codecs.InsightsState)
	assert.Empty(t, st.Panes[0].Seen, "the tenant's value holds no ids")
	assert.Equal(t, int64(len(input)), st.NextOffset, "folded to the end of the loop (each input looped once)")
	// The 9th is open: its event, the last record, is marked with the loop
	// offset after it.
	e, _ := marker("2030-01-09/e/posted").(*codecs.InsightsState)
	require.NotNil(t, e)
	assert.Equal(t, int64(len(input)), e.NextOffset)
	// The 7th and the 8th closed: their markers are gone.
	for _, gone := range []string{"2030-01-07/a/posted", "2030-01-07/pay:c1", "2030-01-08/b/posted", "2030-01-08/pay:c2"} {
		assert.Nil(t, marker(gone), gone)
	}
}

func TestARevenueLessLedgerEntryIsNotMarked(t *testing.T) {
	authorized := record{ledger: &codecs.LedgerEntry{TenantID: "acme", CommandID: "c9", Event: codecs.PaymentAuthorized,
		AmountMinor: 100, At: day.Add(time.Hour)}}
	_, _, tt, cat := run(t, []record{authorized, posted("a", 2*time.Hour)})
	assert.Nil(t, tt.TableValue(cat.Insights.Topic, goka.SideKey("acme", "2030-01-07/pay:c9")))
	assert.NotNil(t, tt.TableValue(cat.Insights.Topic, goka.SideKey("acme", "2030-01-07/a/posted")))
}

func TestADayOpenAcrossTheUpgradeKeepsCountingItsIdsOnce(t *testing.T) {
	cat := topologytest.Catalog(t)
	tt := topologytest.Run(t, Define(cat), DefineDays(cat))
	// The state as the group wrote it before markers: the ids in the day.
	tt.SetTableValue(cat.Insights.Topic, "acme", &codecs.InsightsState{StreamTime: day.Add(9 * time.Hour),
		Panes: []codecs.InsightPane{{Start: day, End: day.Add(24 * time.Hour),
			Counts: codecs.InsightCounts{JobsPosted: 1}, Seen: []string{"a/posted"}}}})
	upd := tt.NewQueueTracker(string(cat.InsightUpdates.Topic))
	for _, r := range []record{posted("a", 9*time.Hour), posted("b", 10*time.Hour)} {
		tt.Consume(string(cat.JobEvents.Topic), "acme", r.job)
	}
	var last *codecs.InsightsDay
	for {
		_, v, ok := upd.Next()
		if !ok {
			break
		}
		last = v.(*codecs.InsightsDay)
	}
	require.NotNil(t, last)
	assert.Equal(t, int64(2), last.Counts.JobsPosted, "a was counted before the upgrade, b is new")
	assert.Nil(t, tt.TableValue(cat.Insights.Topic, goka.SideKey("acme", "2030-01-07/a/posted")), "a is not marked again")
}

func TestTheClosingRecordDeliveredAgainSendsTheClosedDaysFinalAgain(t *testing.T) {
	_, _, tt, cat := run(t, input)
	st := tt.TableValue(cat.Insights.Topic, "acme").(*codecs.InsightsState)
	require.Len(t, st.Closed, 1, "the 9th's first record closed the 8th")
	assert.Equal(t, "2030-01-08", Date(st.Closed[0].Start))
	assert.Empty(t, st.Closed[0].Seen)
	assert.Equal(t, int64(len(input)), st.ClosedBy, "closed by the last record, loop offset %d", len(input)-1)

	sent := tt.NewQueueTracker(string(cat.InsightUpdates.Topic))
	sent.Seek(sent.Hwm())
	// A new record of the 9th (loop offset 8) closes nothing and sends no
	// final.
	tt.Consume(string(cat.JobEvents.Topic), "acme", posted("f", 51*time.Hour).job)
	assert.Empty(t, drainFinals(sent))

	// The state says the loop is folded up to offset 100: the next record
	// (loop offset 9) is one of them, delivered again. It did not close the
	// 8th: nothing is sent again but its day's update.
	again := func(closedBy int64) {
		st := *tt.TableValue(cat.Insights.Topic, "acme").(*codecs.InsightsState)
		st.NextOffset, st.ClosedBy = 100, closedBy
		tt.SetTableValue(cat.Insights.Topic, "acme", &st)
		tt.Consume(string(cat.JobEvents.Topic), "acme", posted("f", 51*time.Hour).job)
	}
	again(99)
	assert.Empty(t, drainFinals(sent))
	// The next (loop offset 10) is the record that closed it: its final
	// goes again.
	again(11)
	assert.Equal(t, []string{"2030-01-08 1 posted 700 revenue"}, drainFinals(sent))
}

// drainFinals lists the finals q holds after its position.
func drainFinals(q *tester.QueueTracker) (out []string) {
	for {
		_, v, ok := q.Next()
		if !ok {
			return out
		}
		if d := v.(*codecs.InsightsDay); d.Final {
			out = append(out, fmt.Sprintf("%s %d posted %d revenue", d.Date, d.Counts.JobsPosted, d.Counts.RevenueMinor))
		}
	}
}
