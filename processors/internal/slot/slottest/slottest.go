// Package slottest holds the fixtures of the slot, calendar and matching
// tests: a week in 2030, working hours and locations whose travel times
// are round numbers.
package slottest

import (
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// Monday is the Monday of the fixtures' week (UTC).
var Monday = time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC)

// At is "15:04" on the day-th day after Monday.
func At(day int, clock string) time.Time {
	c, err := time.Parse("15:04", clock)
	if err != nil {
		panic(err)
	}
	return Monday.AddDate(0, 0, day).Add(time.Duration(c.Hour())*time.Hour + time.Duration(c.Minute())*time.Minute)
}

// Weekdays are working hours from start to end, Monday to Friday.
func Weekdays(start, end string) []codecs.WorkingHours {
	var out []codecs.WorkingHours
	for d := int32(1); d <= 5; d++ {
		out = append(out, codecs.WorkingHours{Weekday: d, Start: start, End: end})
	}
	return out
}

// Locations: Here, TenKm 10 km north of it (13 road km, 19.5 min → 20 min
// of travel) and FarKm 111 km north (144.6 road km, 216.8 min → 220 min).
var (
	Here  = codecs.GeoPoint{Lat: 51.5, Lon: -0.12}
	TenKm = codecs.GeoPoint{Lat: 51.5 + 10/111.195, Lon: -0.12}
	FarKm = codecs.GeoPoint{Lat: 52.5, Lon: -0.12}
)

// Window is the window from–to.
func Window(from, to time.Time) codecs.Window {
	return codecs.Window{EarliestStart: from, LatestEnd: to}
}

// Appt is an appointment of job from start to end at loc.
func Appt(job string, start, end time.Time, loc codecs.GeoPoint) codecs.CalendarAppointment {
	return codecs.CalendarAppointment{JobID: job, Start: start, End: end, Location: loc}
}
