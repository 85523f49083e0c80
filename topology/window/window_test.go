package window

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var day0 = time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC)

func at(h, m int) time.Time {
	return day0.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// sum is a test aggregate: the values folded in.
type sum struct {
	N     int
	Total int
}

func newSum(Bounds) sum { return sum{} }

func add(v int) func(*sum) { return func(s *sum) { s.N++; s.Total += v } }

func TestSpecValidate(t *testing.T) {
	assert.NoError(t, Tumbling(time.Hour, 0).Validate())
	assert.NoError(t, Hopping(time.Hour, 15*time.Minute, time.Minute).Validate())
	assert.NoError(t, Spec{Size: time.Hour}.Validate(), "advance defaults to the size")
	for _, s := range []Spec{{}, {Size: time.Hour, Advance: 2 * time.Hour}, {Size: time.Hour, Advance: -1},
		{Size: time.Hour, Grace: -time.Second}} {
		assert.ErrorIs(t, s.Validate(), ErrSpec, "%+v", s)
	}
}

func TestWindowsAreEpochAligned(t *testing.T) {
	day := Tumbling(24*time.Hour, 0)
	assert.Equal(t, []Bounds{{day0, day0.Add(24 * time.Hour)}}, day.Windows(at(23, 59)), "a 24 h window is a UTC day")
	assert.Equal(t, []Bounds{{day0.Add(24 * time.Hour), day0.Add(48 * time.Hour)}}, day.Windows(at(24, 0)), "end is exclusive")

	hop := Hopping(time.Hour, 20*time.Minute, 0)
	assert.Equal(t, []Bounds{{at(9, 20), at(10, 20)}, {at(9, 40), at(10, 40)}, {at(10, 0), at(11, 0)}}, hop.Windows(at(10, 5)))
}

func TestOutOfOrderWithinGraceCountsAndBeyondGraceIsLate(t *testing.T) {
	spec := Tumbling(time.Hour, 10*time.Minute)
	var st State[sum]
	var res Result[sum]
	st, res = Add(spec, st, at(9, 30), newSum, add(1))
	assert.False(t, res.Late)
	st, res = Add(spec, st, at(10, 5), newSum, add(2)) // stream time 10:05: [9,10) open until 10:10
	assert.Empty(t, res.Closed)
	st, res = Add(spec, st, at(9, 50), newSum, add(4)) // out of order, within grace
	assert.False(t, res.Late)
	assert.Equal(t, []Pane[sum]{{Bounds{at(9, 0), at(10, 0)}, sum{N: 2, Total: 5}}}, res.Updated)

	st, res = Add(spec, st, at(10, 10), newSum, add(8)) // stream time reaches 10:00 + grace
	require.Len(t, res.Closed, 1, "the 9:00 window closes, once")
	assert.Equal(t, Pane[sum]{Bounds{at(9, 0), at(10, 0)}, sum{N: 2, Total: 5}}, res.Closed[0])
	assert.Len(t, st.Panes, 1, "its state expired: only 10:00 is left")

	before := st
	st, res = Add(spec, st, at(9, 59), newSum, add(16)) // beyond grace
	assert.True(t, res.Late)
	assert.Empty(t, res.Updated)
	assert.Empty(t, res.Closed)
	assert.Equal(t, before, st, "a late record changes nothing")

	st, res = Add(spec, st, at(8, 0), newSum, add(32)) // an old window that never had a pane
	assert.True(t, res.Late, "a closed window never reopens")
	assert.Equal(t, at(10, 10), st.StreamTime, "stream time never goes back")
}

func TestHoppingFoldsIntoEveryOpenWindowOfTheRecord(t *testing.T) {
	spec := Hopping(time.Hour, 30*time.Minute, 0)
	var st State[sum]
	st, res := Add(spec, st, at(10, 40), newSum, add(1)) // [10:00,11:00) and [10:30,11:30)
	assert.Len(t, res.Updated, 2)
	st, res = Add(spec, st, at(11, 10), newSum, add(2)) // [10:30,11:30), [11:00,12:00); stream time 11:10
	assert.Len(t, res.Updated, 2)
	require.Len(t, res.Closed, 1)
	assert.Equal(t, Pane[sum]{Bounds{at(10, 0), at(11, 0)}, sum{1, 1}}, res.Closed[0])
	// 10:50 is in [10:00,11:00) (closed) and [10:30,11:30) (open): partly late.
	st, res = Add(spec, st, at(10, 50), newSum, add(4))
	assert.False(t, res.Late)
	assert.Equal(t, []Pane[sum]{{Bounds{at(10, 30), at(11, 30)}, sum{3, 7}}}, res.Updated)
	_, closed := Advance(spec, st, at(12, 0))
	assert.Equal(t, []Pane[sum]{{Bounds{at(10, 30), at(11, 30)}, sum{3, 7}}, {Bounds{at(11, 0), at(12, 0)}, sum{1, 2}}}, closed)
}

func TestIdleKeyKeepsItsWindowsOpenUntilAdvanced(t *testing.T) {
	spec := Tumbling(time.Hour, 0)
	busy, idle := State[sum]{}, State[sum]{}
	idle, _ = Add(spec, idle, at(9, 15), newSum, add(1))
	busy, _ = Add(spec, busy, at(9, 30), newSum, add(1))
	busy, res := Add(spec, busy, at(15, 0), newSum, add(1))
	assert.Len(t, res.Closed, 1, "the busy key's own records close its window")
	assert.Len(t, idle.Panes, 1, "stream time is per key: the idle key's window stays open")

	same, closed := Advance(spec, idle, at(9, 45))
	assert.Empty(t, closed, "punctuation before the end closes nothing")
	assert.Equal(t, at(9, 45), same.StreamTime)
	idle, closed = Advance(spec, same, at(10, 0))
	assert.Equal(t, []Pane[sum]{{Bounds{at(9, 0), at(10, 0)}, sum{1, 1}}}, closed)
	assert.Empty(t, idle.Panes)
	_, closed = Advance(spec, idle, at(9, 0))
	assert.Empty(t, closed, "stream time does not go back")
}

func TestAddDoesNotChangeThePreviousState(t *testing.T) {
	spec := Tumbling(time.Hour, 0)
	st, _ := Add(spec, State[sum]{}, at(9, 0), newSum, add(1))
	next, _ := Add(spec, st, at(9, 1), newSum, add(1))
	assert.Equal(t, 1, st.Panes[0].Agg.N)
	assert.Equal(t, 2, next.Panes[0].Agg.N)
}
