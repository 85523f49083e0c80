package calendar

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
	fits := false
	for _, iv := range Intervals(hours, lo, hi) {
		start, end := maxTime(iv.Start, lo), minTime(iv.End, hi)
		s := CeilGrid(start)
		for !s.Add(req.Duration).After(end) {
			fits = true
			next, ok := conflict(booked, s, req)
			if !ok {
				return s, nil
			}
			s = CeilGrid(next)
		}
	}
	if fits {
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
	for day := lo.UTC().Truncate(24 * time.Hour); day.Before(hi); day = day.AddDate(0, 0, 1) {
		n := len(out)
		for _, h := range hours {
			start, okS := clock(h.Start)
			end, okE := clock(h.End)
			if h.Weekday != int32(day.Weekday()) || !okS || !okE || end <= start {
				continue
			}
			iv := Interval{day.Add(start), day.Add(end)}
			if iv.End.After(lo) && iv.Start.Before(hi) {
				out = append(out, iv)
			}
		}
		today := out[n:]
		slices.SortFunc(today, func(a, b Interval) int { return a.Start.Compare(b.Start) })
		out = append(out[:n], merge(today)...)
	}
	return out
}

// merge joins sorted intervals that touch or overlap.
func merge(ivs []Interval) []Interval {
	var out []Interval
	for _, iv := range ivs {
		if k := len(out) - 1; k >= 0 && !iv.Start.After(out[k].End) {
			out[k].End = maxTime(out[k].End, iv.End)
			continue
		}
		out = append(out, iv)
	}
	return out
}

// WithinHours reports whether [start, end) lies inside one working interval.
func WithinHours(hours []codecs.WorkingHours, start, end time.Time) bool {
	for _, iv := range Intervals(hours, start, end) {
		if !start.Before(iv.Start) && !end.After(iv.End) {
			return true
		}
	}
	return false
}

// clock parses "15:04" into the time since midnight.
func clock(s string) (time.Duration, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, true
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
