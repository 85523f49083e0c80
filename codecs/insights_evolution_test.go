package codecs

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAnInsightsStateWrittenBeforeTheMarkersReadsWithItsIDs: a tenant's
// state written by the build before the markers (testdata/
// insights_state_v1.avsc: no next_offset, no closed) reads with its counted
// ids and the new fields at their defaults, on both decoding paths, and a
// state of the new schema reads back whole.
func TestAnInsightsStateWrittenBeforeTheMarkersReadsWithItsIDs(t *testing.T) {
	type paneV1 struct {
		Start  time.Time     `avro:"start"`
		End    time.Time     `avro:"end"`
		Counts InsightCounts `avro:"counts"`
		Seen   []string      `avro:"seen"`
	}
	type stateV1 struct {
		StreamTime time.Time `avro:"stream_time"`
		Panes      []paneV1  `avro:"panes"`
	}
	v1Schema, err := os.ReadFile("testdata/insights_state_v1.avsc")
	require.NoError(t, err)
	current, err := SchemaText("insights_state")
	require.NoError(t, err)
	reg := NewMemoryRegistry()
	v1, err := NewAvro[stateV1](reg, "insights-value", string(v1Schema))
	require.NoError(t, err)
	v2, err := NewAvro[InsightsState](reg, "insights-value", current)
	require.NoError(t, err)

	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	counts := InsightCounts{JobsPosted: 2, RevenueMinor: 5000}
	b, err := v1.Marshal(&stateV1{StreamTime: day.Add(9 * time.Hour),
		Panes: []paneV1{{Start: day, End: day.Add(24 * time.Hour), Counts: counts, Seen: []string{"a/posted", "pay:c1"}}}})
	require.NoError(t, err)
	want := &InsightsState{StreamTime: day.Add(9 * time.Hour),
		Panes: []InsightPane{{Start: day, End: day.Add(24 * time.Hour), Counts: counts, Seen: []string{"a/posted", "pay:c1"}}}}
	got, err := v2.Unmarshal(b)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	viaGoavro, err := v2.unmarshalGoavro(b)
	require.NoError(t, err)
	assert.Equal(t, got, viaGoavro, "both decoding paths agree")

	now := &InsightsState{StreamTime: day.Add(26 * time.Hour), NextOffset: 42, ClosedBy: 40,
		Panes:  []InsightPane{{Start: day.Add(24 * time.Hour), End: day.Add(48 * time.Hour), Seen: []string{}}},
		Closed: []InsightPane{{Start: day, End: day.Add(24 * time.Hour), Counts: counts, Seen: []string{}}}}
	b, err = v2.Marshal(now)
	require.NoError(t, err)
	back, err := v2.Unmarshal(b)
	require.NoError(t, err)
	assert.Equal(t, now, back)
}
