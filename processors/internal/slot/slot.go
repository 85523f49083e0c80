package slot

import (
	"errors"
	"slices"
	"sort"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/geo"
)

// Grid is the step of appointment starts: every start is a multiple of five
// minutes (UTC).
const Grid = 5 * time.Minute

// Reasons a slot cannot be found. The calendar refuses a reserve with the
// error's text.
var (
	// ErrNoWorkingHours means no working-hours interval inside the window
	// (after the dependencies' end) is long enough for the job.
	ErrNoWorkingHours = errors.New("calendar: no working hours inside the window fit the job")
	// ErrCalendarFull means working hours fit the job but every such slot
	// is taken by other appointments and the travel between them.
	ErrCalendarFull = errors.New("calendar: every slot that fits the job is taken")
	// ErrBadRequest means the request itself cannot be placed (no duration,
	// or a window that ends before it starts).
	ErrBadRequest = errors.New("calendar: the request has no positive duration or window")
)

// Request is what a slot must satisfy.
type Request struct {
	// Window bounds the appointment: start ≥ EarliestStart, end ≤ LatestEnd.
	Window codecs.Window
	// NotBefore is a further lower bound on the start (the latest end of
	// the job's dependencies); zero for none.
	NotBefore time.Time
	// Duration is the appointment's length.
	Duration time.Duration
	// Location is where the job is, for travel to and from its neighbours.
	Location codecs.GeoPoint
}

// ChooseSlot returns the earliest start on the Grid for req: the
// appointment lies inside the window, after NotBefore and inside one
// working-hours interval, and leaves the travel time from the appointment
// before it and to the appointment after it. booked is ordered by start,
// does not overlap, and leaves travel time between its appointments (the
// calendar's invariant); it must not contain the job itself.
//
// Only the two neighbours of a candidate are checked: travel time obeys the
// triangle inequality (great-circle distance does, and rounding up to five
// minutes keeps it), so clearing the neighbours clears every appointment.
func ChooseSlot(hours []codecs.WorkingHours, booked []codecs.CalendarAppointment, req Request) (time.Time, error) {
	lo, hi := req.Window.EarliestStart, req.Window.LatestEnd
	if req.NotBefore.After(lo) {
		lo = req.NotBefore
	}
	if req.Duration <= 0 || !hi.After(req.Window.EarliestStart) {
		return time.Time{}, ErrBadRequest
	}
	var (
		fits  bool
		found time.Time
	)
	weekOf(hours).each(lo, hi, func(iv Interval) bool {
		start, end := maxTime(iv.Start, lo), minTime(iv.End, hi)
		s := CeilGrid(start)
		for !s.Add(req.Duration).After(end) {
			fits = true
			next, ok := conflict(booked, s, req)
			if !ok {
				found = s
				return false
			}
			s = CeilGrid(next)
		}
		return true
	})
	switch {
	case !found.IsZero():
		return found, nil
	case fits:
		return time.Time{}, ErrCalendarFull
	}
	return time.Time{}, ErrNoWorkingHours
}

// conflict reports whether an appointment at s clashes with its neighbours
// in booked and, if so, the earliest start worth trying next.
func conflict(booked []codecs.CalendarAppointment, s time.Time, req Request) (time.Time, bool) {
	i := sort.Search(len(booked), func(i int) bool { return !booked[i].Start.Before(s) })
	if i > 0 {
		prev := &booked[i-1]
		if ready := prev.End.Add(Travel(prev.Location, req.Location)); s.Before(ready) {
			return ready, true
		}
	}
	if i < len(booked) {
		next := &booked[i]
		if s.Add(req.Duration + Travel(req.Location, next.Location)).After(next.Start) {
			return next.End.Add(Travel(next.Location, req.Location)), true
		}
	}
	return time.Time{}, false
}

// Travel is the travel time between two job locations (geo.TravelTime).
func Travel(a, b codecs.GeoPoint) time.Duration {
	if a == b {
		return 0
	}
	return geo.TravelTime(a.Lat, a.Lon, b.Lat, b.Lon)
}

// CeilGrid rounds t up to the Grid.
func CeilGrid(t time.Time) time.Time {
	if r := t.Truncate(Grid); r.Before(t) {
		return r.Add(Grid)
	}
	return t
}

// Interval is one stretch of working time.
type Interval struct{ Start, End time.Time }

// Intervals returns the working intervals that overlap [lo, hi), in time
// order, with touching or overlapping intervals of one day merged. Hours
// that do not parse as "15:04" are ignored.
func Intervals(hours []codecs.WorkingHours, lo, hi time.Time) []Interval {
	var out []Interval
	weekOf(hours).each(lo, hi, func(iv Interval) bool {
		out = append(out, iv)
		return true
	})
	return out
}

// WithinHours reports whether [start, end) lies inside one working interval.
func WithinHours(hours []codecs.WorkingHours, start, end time.Time) bool {
	return weekOf(hours).within(start, end)
}

func (w *week) within(start, end time.Time) bool {
	in := false
	w.each(start, end, func(iv Interval) bool {
		in = !start.Before(iv.Start) && !end.After(iv.End)
		return !in
	})
	return in
}

// week is working hours parsed once: per weekday, the merged intervals as
// offsets from midnight, in order.
type week [7][]span

type span struct{ start, end time.Duration }

func weekOf(hours []codecs.WorkingHours) *week {
	var w week
	for _, h := range hours {
		start, okS := clock(h.Start)
		end, okE := clock(h.End)
		if h.Weekday < 0 || h.Weekday > 6 || !okS || !okE || end <= start {
			continue
		}
		w[h.Weekday] = append(w[h.Weekday], span{start, end})
	}
	for d := range w {
		slices.SortFunc(w[d], func(a, b span) int { return int(a.start - b.start) })
		var merged []span
		for _, s := range w[d] {
			if k := len(merged) - 1; k >= 0 && s.start <= merged[k].end {
				merged[k].end = max(merged[k].end, s.end)
				continue
			}
			merged = append(merged, s)
		}
		w[d] = merged
	}
	return &w
}

// each calls f with the intervals that overlap [lo, hi), in order, until f
// returns false.
func (w *week) each(lo, hi time.Time, f func(Interval) bool) {
	for day := lo.UTC().Truncate(24 * time.Hour); day.Before(hi); day = day.AddDate(0, 0, 1) {
		for _, s := range w[day.Weekday()] {
			iv := Interval{day.Add(s.start), day.Add(s.end)}
			if iv.End.After(lo) && iv.Start.Before(hi) && !f(iv) {
				return
			}
		}
	}
}

// clock parses "15:04" (00:00–23:59) into the time since midnight.
func clock(s string) (time.Duration, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h, m := int(s[0]-'0')*10+int(s[1]-'0'), int(s[3]-'0')*10+int(s[4]-'0')
	if h > 23 || m > 59 {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, true
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
