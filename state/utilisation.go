package state

import (
	"fmt"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// workStats is a tradesperson's work on the tradesperson view: jobs
// completed in all, and the current ISO week (UTC, Monday to Sunday):
// booked hours (appointments in the calendar and completed jobs, clipped
// to the week) over working hours.
type workStats struct {
	JobsCompleted int64   `json:"jobs_completed"`
	Week          string  `json:"week"`
	BookedHours   float64 `json:"booked_hours"`
	WorkingHours  float64 `json:"working_hours"`
	// Utilisation is booked / working hours, rounded to 2 decimals; null
	// in a week without working hours.
	Utilisation *float64 `json:"utilisation"`
}

// WorkStatsOf computes a tradesperson's work figures for the ISO week of now
// from its profile and its calendar's appointments. A job in both (a
// completion the calendar has not released yet) counts once.
func WorkStatsOf(now time.Time, tp *codecs.Tradesperson, booked []codecs.CalendarAppointment) workStats {
	now = now.UTC()
	year, week := now.ISOWeek()
	day := now.Truncate(24 * time.Hour)
	start := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7)) // Monday
	end := start.AddDate(0, 0, 7)
	slots := map[string][2]time.Time{}
	for _, a := range booked {
		slots[a.JobID] = [2]time.Time{a.Start, a.End}
	}
	for _, c := range tp.CompletedJobs {
		slots[c.JobID] = [2]time.Time{c.Start, c.End}
	}
	var bookedD time.Duration
	for _, s := range slots {
		bookedD += overlap(s[0], s[1], start, end)
	}
	var working time.Duration
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		for _, h := range tp.WorkingHours {
			if h.Weekday != int32(d.Weekday()) {
				continue
			}
			from, errF := time.Parse("15:04", h.Start)
			to, errT := time.Parse("15:04", h.End)
			if errF == nil && errT == nil && to.After(from) {
				working += to.Sub(from)
			}
		}
	}
	st := workStats{JobsCompleted: int64(len(tp.CompletedJobs)), Week: fmt.Sprintf("%04d-W%02d", year, week),
		BookedHours: round2(bookedD.Hours()), WorkingHours: round2(working.Hours())}
	if working > 0 {
		st.Utilisation = ptr(round2(float64(bookedD) / float64(working)))
	}
	return st
}

// overlap is the length of [s, e) ∩ [from, to).
func overlap(s, e, from, to time.Time) time.Duration {
	if s.Before(from) {
		s = from
	}
	if e.After(to) {
		e = to
	}
	if !e.After(s) {
		return 0
	}
	return e.Sub(s)
}
