package state

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/calendar"
)

var boardNow = time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)

func boardJob(id, status string, updated time.Duration) *codecs.Job {
	return &codecs.Job{ID: id, Title: "t " + id, Trade: "plumber", Status: status, UpdatedAt: boardNow.Add(updated),
		Location: codecs.GeoPoint{Lat: 51.5, Lon: -0.1}}
}

func TestBuildBoardCountsJobsByStatusAndShowsTheNewestOfEach(t *testing.T) {
	tp := "ana"
	enRoute := boardJob("j4", codecs.StatusEnRoute, 0)
	enRoute.AssignedTradespersonID = &tp
	enRoute.ETA = &codecs.ETA{Minutes: 12, DistanceKm: 4.2, UpdatedAt: boardNow}
	jobs := []*codecs.Job{boardJob("j1", codecs.StatusPosted, -3*time.Minute), boardJob("j2", codecs.StatusPosted, -time.Minute),
		boardJob("j3", codecs.StatusPosted, -2*time.Minute), enRoute, boardJob("j5", "some_new_status", 0)}
	people := []*codecs.Tradesperson{{ID: "ana", Name: "Ana", Base: codecs.GeoPoint{Lat: 51.4, Lon: -0.2}}}
	b := buildBoard(jobs, people, nil, boardNow, boardLimits{perColumn: 2, schedules: 10, horizon: time.Hour})

	assert.Equal(t, 5, b.Counters.Jobs)
	assert.Equal(t, map[string]int{"posted": 3, "en_route": 1, "some_new_status": 1}, b.Counters.JobsByStatus)
	assert.Equal(t, 1, b.Counters.Tradespeople)
	require.Len(t, b.Columns, len(BoardStatuses))
	posted := b.Columns[0]
	assert.Equal(t, "posted", posted.Status)
	assert.Equal(t, 3, posted.Count)
	require.Len(t, posted.Jobs, 2, "the column limit")
	assert.Equal(t, []string{"j2", "j3"}, []string{posted.Jobs[0].ID, posted.Jobs[1].ID}, "newest first")
	assert.Empty(t, b.Columns[2].Jobs)
	assert.NotNil(t, b.Columns[2].Jobs, "an empty column is [], not null")

	require.Len(t, b.EnRoute, 1)
	e := b.EnRoute[0]
	assert.Equal(t, "j4", e.JobID)
	assert.Equal(t, "Ana", e.Name)
	assert.Equal(t, &codecs.GeoPoint{Lat: 51.4, Lon: -0.2}, e.Base)
	assert.Equal(t, int32(12), e.ETA.Minutes)
	assert.Equal(t, "ana", b.Columns[5].Jobs[0].TradespersonID)
}

func TestSchedulesShowComingAppointmentsWithTheTravelBetweenThem(t *testing.T) {
	here, there := codecs.GeoPoint{Lat: 51.5, Lon: -0.1}, codecs.GeoPoint{Lat: 51.6, Lon: -0.1}
	appt := func(job string, startH, endH float64, at codecs.GeoPoint) codecs.CalendarAppointment {
		return codecs.CalendarAppointment{JobID: job, Start: boardNow.Add(time.Duration(startH * float64(time.Hour))),
			End: boardNow.Add(time.Duration(endH * float64(time.Hour))), Location: at}
	}
	cals := []*codecs.Calendar{
		// Out of order on purpose; a1 has ended, a4 is past the horizon.
		{TradespersonID: "ana", Appointments: []codecs.CalendarAppointment{appt("a3", 3, 4, here), appt("a1", -2, -1, here),
			appt("a2", 1, 2, there), appt("a4", 30, 31, here)}},
		{TradespersonID: "ben", Appointments: []codecs.CalendarAppointment{appt("b1", 2, 3, here), appt("b2", 4, 5, here)}},
		{TradespersonID: "cy", Appointments: []codecs.CalendarAppointment{appt("c1", -5, -4, here)}},
	}
	people := []*codecs.Tradesperson{{ID: "ana", Name: "Ana"}}
	rows := schedules(cals, map[string]*codecs.Tradesperson{"ana": people[0]}, boardNow,
		boardLimits{schedules: 10, horizon: 24 * time.Hour})

	require.Len(t, rows, 2, "cy has nothing coming")
	ana := rows[0]
	assert.Equal(t, "Ana", ana.Name)
	travel := calendar.Travel(there, here)
	require.Positive(t, travel)
	assert.Equal(t, []BoardSlot{
		{Kind: SlotAppointment, JobID: "a2", Start: boardNow.Add(time.Hour), End: boardNow.Add(2 * time.Hour)},
		{Kind: SlotTravel, JobID: "a3", Start: boardNow.Add(2 * time.Hour), End: boardNow.Add(2*time.Hour + travel)},
		{Kind: SlotAppointment, JobID: "a3", Start: boardNow.Add(3 * time.Hour), End: boardNow.Add(4 * time.Hour)},
	}, ana.Items, "no travel between jobs at one place, nothing past the horizon")
	ben := rows[1]
	assert.Equal(t, "ben", ben.Name, "the id stands in for an unknown profile")
	assert.Equal(t, []string{SlotAppointment, SlotAppointment}, []string{ben.Items[0].Kind, ben.Items[1].Kind})

	limited := schedules(cals, nil, boardNow, boardLimits{schedules: 1, horizon: 24 * time.Hour})
	require.Len(t, limited, 1)
	assert.Equal(t, "ana", limited[0].TradespersonID, "the busiest row first")
}

func TestPrefixEndIsTheFirstKeyPastThePrefix(t *testing.T) {
	for in, want := range map[string]string{"acme/": "acme0", "a": "b", "": "", "a\xff": "b", "\xff\xff": ""} {
		assert.Equal(t, want, prefixEnd(in), "%q", in)
	}
}

func TestRatesAreTheIncreaseOverTheSampledSpan(t *testing.T) {
	src := []RateSource{{Name: "pings_per_second"}}
	at := func(s float64, v float64) rateSample {
		return rateSample{at: boardNow.Add(time.Duration(s * float64(time.Second))), counts: map[string]float64{"pings_per_second": v}}
	}
	cases := []struct {
		name    string
		samples []rateSample
		want    *float64
	}{
		{"no samples", nil, nil},
		{"one sample", []rateSample{at(0, 10)}, nil},
		{"too short a span", []rateSample{at(0, 10), at(0.4, 20)}, nil},
		{"two seconds", []rateSample{at(0, 10), at(1, 20), at(2, 50)}, ptrF(20)},
		{"a counter that went back counts zero", []rateSample{at(0, 50), at(1, 10)}, ptrF(0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, rates(c.samples, src)["pings_per_second"])
		})
	}
}

func ptrF(f float64) *float64 { return &f }

func TestSamplerReadsCountersAndLagFromTheRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	processed := prometheus.NewCounterVec(prometheus.CounterOpts{Name: processedMetric, Help: "h"}, []string{"group", "topic"})
	lag := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: lagMetric, Help: "h"}, []string{"group", "topic", "partition"})
	reg.MustRegister(processed, lag)
	lag.WithLabelValues("processor jobs", "x", "0").Set(3)
	lag.WithLabelValues("processor jobs", "x", "1").Set(4)
	lag.WithLabelValues("processor ingest", "y", "0").Set(5)
	processed.WithLabelValues("g", "pings").Add(100)
	processed.WithLabelValues("other", "pings").Add(1000)

	s := newRateSampler(reg, []RateSource{{Name: "pings_per_second", Group: "g", Topic: "pings"}})
	r, total, byGroup := s.sample(boardNow)
	assert.Nil(t, r["pings_per_second"], "one sample is no rate")
	require.NotNil(t, total)
	assert.Equal(t, int64(12), *total)
	assert.Equal(t, map[string]int64{"jobs": 7, "ingest": 5}, byGroup)

	processed.WithLabelValues("g", "pings").Add(30)
	r, _, _ = s.sample(boardNow.Add(100 * time.Millisecond))
	assert.Nil(t, r["pings_per_second"], "gathered at most every half second")
	r, _, _ = s.sample(boardNow.Add(2 * time.Second))
	require.NotNil(t, r["pings_per_second"])
	assert.InDelta(t, 15, *r["pings_per_second"], 1e-9)

	none := newRateSampler(nil, nil)
	_, total, _ = none.sample(boardNow)
	assert.Nil(t, total, "no registry, no lag")
}

func TestDeadLetterTailShowsATenantItsOwnNewestDeadLetters(t *testing.T) {
	tail := &DeadLetterTail{keep: 4}
	for i, key := range []string{"acme/j1", "beta/j1", "acme", "acmeco/j1", `{"id":1}`, "acme/j2", "acme/j3"} {
		tail.Add(codecs.DeadLetter{Key: key, Offset: int64(i)})
	}
	offsets := func(dls []codecs.DeadLetter) []int64 {
		var out []int64
		for _, d := range dls {
			out = append(out, d.Offset)
		}
		return out
	}
	// Only the newest four are kept: acmeco/j1, the Debezium key, acme/j2, acme/j3.
	assert.Equal(t, []int64{6, 5}, offsets(tail.Recent("acme", 10)))
	assert.Equal(t, []int64{6}, offsets(tail.Recent("acme", 1)))
	assert.Equal(t, []int64{3}, offsets(tail.Recent("acmeco", 10)))
	assert.Empty(t, tail.Recent("beta", 10))
	for _, d := range tail.Recent("acme", 10) {
		assert.True(t, strings.HasPrefix(d.Key, "acme/"))
	}
}

func TestACachedBoardServesLongerTheMoreItCostToCompute(t *testing.T) {
	c := &cachedBoard{board: &Board{At: boardNow}, cost: 10 * time.Millisecond}
	cases := []struct {
		age  time.Duration
		cost time.Duration
		want bool
	}{
		{0, 10 * time.Millisecond, true},
		{400 * time.Millisecond, 10 * time.Millisecond, true},
		{500 * time.Millisecond, 10 * time.Millisecond, false},
		{time.Second, 300 * time.Millisecond, true},
		{1200 * time.Millisecond, 300 * time.Millisecond, false},
		{-time.Second, 10 * time.Millisecond, false},
	}
	for _, tc := range cases {
		c.cost = tc.cost
		assert.Equal(t, tc.want, c.fresh(boardNow.Add(tc.age), time.Second), "age %s cost %s", tc.age, tc.cost)
	}
}
