package state

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

func TestWorkStatsOfTheCurrentISOWeek(t *testing.T) {
	mon := time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC) // ISO 2030-W02
	tp := &codecs.Tradesperson{
		// Mon–Fri 08:00–18:00: 50 working hours.
		WorkingHours: []codecs.WorkingHours{{Weekday: 1, Start: "08:00", End: "18:00"}, {Weekday: 2, Start: "08:00", End: "18:00"},
			{Weekday: 3, Start: "08:00", End: "18:00"}, {Weekday: 4, Start: "08:00", End: "18:00"}, {Weekday: 5, Start: "08:00", End: "18:00"}},
		CompletedJobs: []codecs.CompletedJob{
			{JobID: "a", Start: mon.Add(8 * time.Hour), End: mon.Add(10 * time.Hour)},                           // 2 h
			{JobID: "b", Start: mon.Add(-48 * time.Hour), End: mon.Add(-47 * time.Hour)},                        // last week
			{JobID: "c", Start: mon.Add(24*time.Hour + 9*time.Hour), End: mon.Add(24*time.Hour + 12*time.Hour)}, // 3 h, also in the calendar
		}}
	booked := []codecs.CalendarAppointment{
		{JobID: "c", Start: mon.Add(33 * time.Hour), End: mon.Add(36 * time.Hour)},
		{JobID: "d", Start: mon.Add(4*24*time.Hour + 16*time.Hour), End: mon.Add(4*24*time.Hour + 21*time.Hour)}, // Fri 16–21: 5 h
		{JobID: "e", Start: mon.Add(7*24*time.Hour + 8*time.Hour), End: mon.Add(7*24*time.Hour + 9*time.Hour)},   // next week
	}
	st := WorkStatsOf(mon.Add(3*24*time.Hour+12*time.Hour), tp, booked) // Thursday noon
	assert.Equal(t, int64(3), st.JobsCompleted)
	assert.Equal(t, "2030-W02", st.Week)
	assert.Equal(t, 10.0, st.BookedHours, "a 2 + c 3 (once) + d 5")
	assert.Equal(t, 50.0, st.WorkingHours)
	require.NotNil(t, st.Utilisation)
	assert.Equal(t, 0.2, *st.Utilisation, "10 / 50")

	sunday := WorkStatsOf(mon.Add(6*24*time.Hour+23*time.Hour), tp, booked)
	assert.Equal(t, "2030-W02", sunday.Week, "Sunday closes the ISO week")
	none := WorkStatsOf(mon, &codecs.Tradesperson{}, nil)
	assert.Nil(t, none.Utilisation, "no working hours: no utilisation")
}
