package slot

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/slot/slottest"
)

// The fixtures, under the short names the tests use.
var (
	at       = slottest.At
	weekdays = slottest.Weekdays
	here     = slottest.Here
	tenKm    = slottest.TenKm
	farKm    = slottest.FarKm
	window   = slottest.Window
	appt     = slottest.Appt
)

func TestTravelTimeBetweenTheFixturesIsWhatTheTestsAssume(t *testing.T) {
	assert.Equal(t, time.Duration(0), Travel(here, here))
	assert.Equal(t, 20*time.Minute, Travel(here, tenKm))
	assert.Equal(t, 220*time.Minute, Travel(here, farKm))
}

func TestChooseSlotPicksTheEarliestFeasibleStartOnTheGrid(t *testing.T) {
	hours := weekdays("08:00", "18:00")
	cases := []struct {
		name      string
		hours     []codecs.WorkingHours
		booked    []codecs.CalendarAppointment
		window    codecs.Window
		notBefore time.Time
		minutes   int
		loc       codecs.GeoPoint
		want      time.Time
		err       error
	}{
		{name: "an empty day starts with the working hours",
			window: window(at(0, "08:00"), at(0, "17:00")), minutes: 60, want: at(0, "08:00")},
		{name: "a window starting off the grid rounds up to five minutes",
			window: window(at(0, "08:03"), at(0, "17:00")), minutes: 60, want: at(0, "08:05")},
		{name: "a window opening before work waits for the working hours",
			window: window(at(0, "06:00"), at(0, "10:00")), minutes: 60, want: at(0, "08:00")},
		{name: "dependencies push the start to their end, on the grid",
			window: window(at(0, "08:00"), at(0, "17:00")), notBefore: at(0, "10:12"), minutes: 60, want: at(0, "10:15")},
		{name: "right after an appointment at the same place",
			booked: []codecs.CalendarAppointment{appt("a", at(0, "08:00"), at(0, "09:00"), here)},
			window: window(at(0, "08:00"), at(0, "17:00")), minutes: 60, want: at(0, "09:00")},
		{name: "after an appointment elsewhere, plus the travel from it",
			booked: []codecs.CalendarAppointment{appt("a", at(0, "08:00"), at(0, "09:00"), tenKm)},
			window: window(at(0, "08:00"), at(0, "17:00")), minutes: 60, want: at(0, "09:20")},
		{name: "before an appointment when the travel to it still fits",
			booked: []codecs.CalendarAppointment{appt("a", at(0, "10:00"), at(0, "11:00"), tenKm)},
			window: window(at(0, "08:00"), at(0, "17:00")), minutes: 60, want: at(0, "08:00")},
		{name: "not before an appointment when the travel to it does not fit",
			booked: []codecs.CalendarAppointment{appt("a", at(0, "09:00"), at(0, "10:00"), tenKm)},
			window: window(at(0, "08:00"), at(0, "17:00")), minutes: 60, want: at(0, "10:20")},
		{name: "squeezed between two appointments with travel on both sides",
			booked: []codecs.CalendarAppointment{appt("a", at(0, "08:00"), at(0, "09:00"), tenKm),
				appt("b", at(0, "10:40"), at(0, "12:00"), tenKm)},
			window: window(at(0, "08:00"), at(0, "17:00")), minutes: 60, want: at(0, "09:20")},
		{name: "a gap one travel too short is skipped",
			booked: []codecs.CalendarAppointment{appt("a", at(0, "08:00"), at(0, "09:00"), tenKm),
				appt("b", at(0, "10:35"), at(0, "12:00"), tenKm)},
			window: window(at(0, "08:00"), at(0, "17:00")), minutes: 60, want: at(0, "12:20")},
		{name: "a long drive from the previous appointment",
			booked: []codecs.CalendarAppointment{appt("a", at(0, "08:00"), at(0, "09:00"), farKm)},
			window: window(at(0, "08:00"), at(0, "17:00")), minutes: 60, want: at(0, "12:40")},
		{name: "the last hour of the day fits exactly",
			booked: []codecs.CalendarAppointment{appt("a", at(0, "08:00"), at(0, "17:00"), here)},
			window: window(at(0, "08:00"), at(0, "19:00")), minutes: 60, want: at(0, "17:00")},
		{name: "a full day moves to the next working day",
			booked: []codecs.CalendarAppointment{appt("a", at(0, "08:00"), at(0, "18:00"), here)},
			window: window(at(0, "08:00"), at(1, "18:00")), minutes: 60, want: at(1, "08:00")},
		{name: "a weekend window reaches Monday",
			window: window(at(-2, "08:00"), at(0, "12:00")), minutes: 60, want: at(0, "08:00")},
		{name: "a lunch break splits the day: the job fits in the afternoon",
			hours:  append(weekdays("08:00", "12:00"), weekdays("13:00", "17:00")...),
			booked: []codecs.CalendarAppointment{appt("a", at(0, "08:00"), at(0, "12:00"), here)},
			window: window(at(0, "08:00"), at(0, "17:00")), minutes: 240, want: at(0, "13:00")},
		{name: "touching intervals are one stretch of work",
			hours:  append(weekdays("08:00", "12:00"), weekdays("12:00", "17:00")...),
			window: window(at(0, "08:00"), at(0, "17:00")), minutes: 360, want: at(0, "08:00")},
		{name: "a job longer than any interval never fits",
			hours:  append(weekdays("08:00", "12:00"), weekdays("13:00", "17:00")...),
			window: window(at(0, "08:00"), at(0, "17:00")), minutes: 300, err: ErrNoWorkingHours},
		{name: "no working hours on a Saturday",
			window: window(at(5, "08:00"), at(5, "18:00")), minutes: 60, err: ErrNoWorkingHours},
		{name: "dependencies ending after the window leave no room",
			window: window(at(0, "08:00"), at(0, "12:00")), notBefore: at(0, "11:30"), minutes: 60, err: ErrNoWorkingHours},
		{name: "hours fit but the calendar is full",
			booked: []codecs.CalendarAppointment{appt("a", at(0, "08:00"), at(0, "16:30"), here)},
			window: window(at(0, "08:00"), at(0, "17:00")), minutes: 60, err: ErrCalendarFull},
		{name: "no duration is a bad request",
			window: window(at(0, "08:00"), at(0, "17:00")), minutes: 0, err: ErrBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := c.hours
			if h == nil {
				h = hours
			}
			loc := c.loc
			if loc == (codecs.GeoPoint{}) {
				loc = here
			}
			got, err := ChooseSlot(h, c.booked, Request{Window: c.window, NotBefore: c.notBefore,
				Duration: time.Duration(c.minutes) * time.Minute, Location: loc})
			if c.err != nil {
				assert.ErrorIs(t, err, c.err)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestIntervalsMergeTouchingHoursAndSkipBadOnes(t *testing.T) {
	hours := []codecs.WorkingHours{{Weekday: 1, Start: "13:00", End: "17:00"}, {Weekday: 1, Start: "08:00", End: "13:00"},
		{Weekday: 1, Start: "nine", End: "10:00"}, {Weekday: 2, Start: "10:00", End: "09:00"}}
	assert.Equal(t, []Interval{{at(0, "08:00"), at(0, "17:00")}}, Intervals(hours, at(0, "00:00"), at(2, "00:00")))
	assert.True(t, WithinHours(hours, at(0, "12:00"), at(0, "14:00")))
	assert.False(t, WithinHours(hours, at(0, "16:00"), at(0, "17:05")))
}

func TestCeilGrid(t *testing.T) {
	assert.Equal(t, at(0, "08:05"), CeilGrid(at(0, "08:00").Add(time.Second)))
	assert.Equal(t, at(0, "08:00"), CeilGrid(at(0, "08:00")))
}
