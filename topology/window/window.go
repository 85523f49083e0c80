package window

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrSpec marks an invalid Spec.
var ErrSpec = errors.New("window: invalid spec")

// Spec defines a family of windows.
type Spec struct {
	// Size is the length of each window.
	Size time.Duration
	// Advance is the distance between the starts of consecutive windows.
	// Default (0): Size, i.e. tumbling windows.
	Advance time.Duration
	// Grace is how long after its end a window still accepts records,
	// measured in stream time. Default: 0.
	Grace time.Duration
}

// Tumbling returns a Spec of back-to-back windows of size.
func Tumbling(size, grace time.Duration) Spec { return Spec{Size: size, Advance: size, Grace: grace} }

// Hopping returns a Spec of windows of size starting every advance.
func Hopping(size, advance, grace time.Duration) Spec {
	return Spec{Size: size, Advance: advance, Grace: grace}
}

// Validate reports a Spec that cannot be used.
func (s Spec) Validate() error {
	adv := s.advance()
	switch {
	case s.Size <= 0:
		return fmt.Errorf("%w: size must be positive", ErrSpec)
	case adv <= 0 || adv > s.Size:
		return fmt.Errorf("%w: advance must be positive and at most the size", ErrSpec)
	case s.Grace < 0:
		return fmt.Errorf("%w: grace must not be negative", ErrSpec)
	}
	return nil
}

func (s Spec) advance() time.Duration {
	if s.Advance == 0 {
		return s.Size
	}
	return s.Advance
}

// Bounds is a window: [Start, End).
type Bounds struct {
	Start, End time.Time
}

// Windows returns the windows containing t, earliest first.
func (s Spec) Windows(t time.Time) []Bounds {
	adv := s.advance()
	// The latest start at or before t, on the epoch-aligned grid.
	last := t.Truncate(adv)
	var out []Bounds
	for start := last; start.Add(s.Size).After(t); start = start.Add(-adv) {
		out = append(out, Bounds{Start: start.UTC(), End: start.Add(s.Size).UTC()})
	}
	slices.Reverse(out)
	return out
}

// closed reports whether w is closed at stream time now.
func (s Spec) closed(w Bounds, now time.Time) bool { return !w.End.Add(s.Grace).After(now) }

// Pane is an open window with its aggregate.
type Pane[A any] struct {
	Bounds
	Agg A
}

// State is one key's windowing state: its stream time and its open panes,
// ordered by start. The zero value is an empty state.
type State[A any] struct {
	StreamTime time.Time
	Panes      []Pane[A]
}

// Result is what Add did with a record.
type Result[A any] struct {
	// Late is set when every window of the record was closed: nothing was
	// folded.
	Late bool
	// Updated are the still-open panes the record was folded into.
	Updated []Pane[A]
	// Closed are the panes that closed, earliest first: final results, now
	// dropped from the state.
	Closed []Pane[A]
}

// Add folds a record with event time t into st: stream time moves to t if
// t is later, the record is folded (fold) into each of its windows that is
// still open (creating the pane with init), and the windows that closed are
// returned and dropped. Add does not modify st's pane list: it returns the
// next state. fold gets the pane's aggregate as stored (a shallow copy of
// st's): it may replace slices in it, not write into their elements.
func Add[A any](s Spec, st State[A], t time.Time, init func(Bounds) A, fold func(*A)) (State[A], Result[A]) {
	t = t.UTC()
	if t.After(st.StreamTime) {
		st.StreamTime = t
	}
	panes := slices.Clone(st.Panes)
	var res Result[A]
	res.Late = true
	for _, w := range s.Windows(t) {
		if s.closed(w, st.StreamTime) {
			continue
		}
		res.Late = false
		i, found := slices.BinarySearchFunc(panes, w.Start, func(p Pane[A], start time.Time) int { return p.Start.Compare(start) })
		if !found {
			panes = slices.Insert(panes, i, Pane[A]{Bounds: w, Agg: init(w)})
		}
		fold(&panes[i].Agg)
		res.Updated = append(res.Updated, panes[i])
	}
	st.Panes = panes
	st, res.Closed = expire(s, st)
	return st, res
}

// Advance moves st's stream time to t when t is later (punctuation for an
// idle key) and returns the panes that closed.
func Advance[A any](s Spec, st State[A], t time.Time) (State[A], []Pane[A]) {
	if t.After(st.StreamTime) {
		st.StreamTime = t.UTC()
	}
	return expire(s, st)
}

// expire drops the closed panes from st and returns them. Panes are ordered
// by start and all have the same size, so the closed ones come first.
func expire[A any](s Spec, st State[A]) (State[A], []Pane[A]) {
	n := 0
	for n < len(st.Panes) && s.closed(st.Panes[n].Bounds, st.StreamTime) {
		n++
	}
	if n == 0 {
		return st, nil
	}
	closed := st.Panes[:n:n]
	st.Panes = slices.Clone(st.Panes[n:])
	return st, closed
}
