package window_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/topology/topologytest"
	"github.com/tradestream/tradestream/topology/window"
)

// jsonCodec is a test codec; Tradestream's topics use Avro.
type jsonCodec[T any] struct{}

func (jsonCodec[T]) Encode(v any) ([]byte, error) { return json.Marshal(v) }
func (jsonCodec[T]) Decode(b []byte) (any, error) {
	var v T
	err := json.Unmarshal(b, &v)
	return &v, err
}

type reading struct {
	At    time.Time
	Value int
}

type total struct{ N, Sum int }

const (
	group    goka.Group  = "totals"
	readings goka.Stream = "readings"
	finals   goka.Stream = "totals-final"
	late     goka.Stream = "totals-late"
)

// totals is a group summing readings per key in 1 h windows with 10 min
// grace, its window state in the group table.
func totals() *goka.GroupGraph {
	agg := &window.Aggregation[total]{
		Spec: window.Tumbling(time.Hour, 10*time.Minute),
		Init: func(window.Bounds) total { return total{} },
		Load: func(ctx goka.Context) window.State[total] {
			if v, ok := ctx.Value().(*window.State[total]); ok {
				return *v
			}
			return window.State[total]{}
		},
		Save:  func(ctx goka.Context, st window.State[total]) { ctx.SetValue(&st) },
		Final: func(ctx goka.Context, p window.Pane[total]) { ctx.Emit(finals, ctx.Key(), &p) },
		Late:  func(ctx goka.Context, t, _ time.Time) { ctx.Emit(late, ctx.Key(), &reading{At: t}) },
	}
	return goka.DefineGroup(group,
		goka.Input(readings, jsonCodec[reading]{}, func(ctx goka.Context, msg any) {
			r := msg.(*reading)
			agg.Add(ctx, r.At, func(t *total) { t.N++; t.Sum += r.Value })
		}),
		goka.Persist(jsonCodec[window.State[total]]{}),
		goka.Output(finals, jsonCodec[window.Pane[total]]{}),
		goka.Output(late, jsonCodec[reading]{}),
	)
}

var t9 = time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)

// input: out of order, one late record (8:30 after stream time 10:15), and
// a last record that closes 10:00–11:00.
var input = []reading{
	{t9.Add(10 * time.Minute), 1},
	{t9.Add(65 * time.Minute), 2},   // 10:05
	{t9.Add(50 * time.Minute), 4},   // 9:50, out of order, in grace
	{t9.Add(75 * time.Minute), 8},   // 10:15: closes 9:00–10:00
	{t9.Add(-30 * time.Minute), 16}, // 8:30: late
	{t9.Add(65 * time.Minute), 32},  // 10:05
	{t9.Add(130 * time.Minute), 64}, // 11:10: closes 10:00–11:00
}

func feed(tt *tester.Tester, rs []reading) {
	for _, r := range rs {
		tt.Consume(string(readings), "sensor-1", &r)
	}
}

func drain(qt *tester.QueueTracker) []window.Pane[total] {
	var out []window.Pane[total]
	for {
		_, v, ok := qt.Next()
		if !ok {
			return out
		}
		out = append(out, *v.(*window.Pane[total]))
	}
}

func TestAggregationEmitsFinalsOnCloseAndLateRecordsToTheLateTopic(t *testing.T) {
	tt := topologytest.Run(t, totals())
	fin, lt := tt.NewQueueTracker(string(finals)), tt.NewQueueTracker(string(late))
	feed(tt, input)
	assert.Equal(t, []window.Pane[total]{
		{Bounds: window.Bounds{Start: t9, End: t9.Add(time.Hour)}, Agg: total{N: 2, Sum: 5}},
		{Bounds: window.Bounds{Start: t9.Add(time.Hour), End: t9.Add(2 * time.Hour)}, Agg: total{N: 3, Sum: 42}},
	}, drain(fin))
	_, v, ok := lt.Next()
	require.True(t, ok, "the 8:30 reading went to the late topic")
	assert.Equal(t, t9.Add(-30*time.Minute), v.(*reading).At)
	st := tt.TableValue(goka.GroupTable(group), "sensor-1").(*window.State[total])
	assert.Len(t, st.Panes, 1, "closed windows expired; only 11:00–12:00 is open")
}

func TestAggregationRestartedMidWindowContinuesFromTheTable(t *testing.T) {
	whole := topologytest.Run(t, totals())
	want := whole.NewQueueTracker(string(finals))
	feed(whole, input)

	first := topologytest.Run(t, totals())
	got := first.NewQueueTracker(string(finals))
	feed(first, input[:3]) // stops mid-window: 9:00 and 10:00 both open
	saved := first.TableValue(goka.GroupTable(group), "sensor-1")
	require.NotNil(t, saved)
	beforeRestart := drain(got)
	assert.Empty(t, beforeRestart)

	// A new processor (another instance, after a restart) that has only the
	// group table: the windows and stream time come back with it.
	second := topologytest.Run(t, totals())
	second.SetTableValue(goka.GroupTable(group), "sensor-1", saved)
	after := second.NewQueueTracker(string(finals))
	feed(second, input[3:])
	assert.Equal(t, drain(want), drain(after))
}
