package state

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

type insightsView map[string]*codecs.InsightsState

func (m insightsView) Get(key string) (*codecs.InsightsState, error) { return m[key], nil }

type daysView map[string]*codecs.InsightsDay

func (m daysView) Get(key string) (*codecs.InsightsDay, error) { return m[key], nil }

func TestInsightDayOfRoundsAveragesAndLeavesEmptyOnesNull(t *testing.T) {
	d := InsightDayOf("2030-01-07", codecs.InsightCounts{JobsPosted: 3, JobsCompleted: 2, Arrivals: 3,
		DelaySeconds: 1000, OnTime: 2, Ratings: 3, RatingSum: 13, WorkedSeconds: 5400, RevenueMinor: -250}, true)
	require.NotNil(t, d.AvgDelayMinutes)
	assert.Equal(t, 5.56, *d.AvgDelayMinutes, "1000 s / 3 / 60 = 5.555…")
	assert.Equal(t, 0.67, *d.OnTimeRate, "2/3")
	assert.Equal(t, 4.33, *d.AvgRating, "13/3")
	assert.Equal(t, 1.5, d.HoursWorked)
	assert.Equal(t, int64(-250), d.RevenueMinor, "a day of refunds")
	empty := InsightDayOf("2030-01-08", codecs.InsightCounts{}, false)
	assert.Nil(t, empty.AvgDelayMinutes)
	assert.Nil(t, empty.OnTimeRate)
	assert.Nil(t, empty.AvgRating)
}

func TestInsightsBadRangesAre400(t *testing.T) {
	s := NewServer(&recorder{}, Views{}, Options{})
	for _, q := range []string{"", "?from=2030-01-07", "?from=2030-1-7&to=2030-01-08", "?from=2030-01-08&to=2030-01-07",
		"?from=2030-01-01&to=2031-01-02", "?from=2030-02-30&to=2030-03-01"} {
		w := do(s, "GET", "/v1/tenants/acme/insights"+q, "")
		assert.Equal(t, http.StatusBadRequest, w.Code, q)
		assert.Contains(t, w.Body.String(), `"error"`, q)
	}
	assert.Equal(t, http.StatusOK, do(s, "GET", "/v1/tenants/acme/insights?from=2030-01-01&to=2030-12-31", "").Code, "365 days")
	assert.Equal(t, http.StatusOK, do(s, "GET", "/v1/tenants/acme/insights?from=2028-01-01&to=2028-12-31", "").Code, "366 days")
}

func TestInsightsListEveryDayWithItsFinality(t *testing.T) {
	s := NewServer(&recorder{}, Views{
		Insights: insightsView{"acme": {StreamTime: time.Date(2030, 1, 8, 1, 0, 0, 0, time.UTC)}},
		InsightDays: daysView{
			"acme/2030-01-07": {TenantID: "acme", Date: "2030-01-07", Counts: codecs.InsightCounts{JobsPosted: 2}, Final: true},
			"acme/2030-01-08": {TenantID: "acme", Date: "2030-01-08", Counts: codecs.InsightCounts{JobsPosted: 1}},
		}}, Options{})
	w := do(s, "GET", "/v1/tenants/acme/insights?from=2030-01-06&to=2030-01-09", "")
	require.Equal(t, http.StatusOK, w.Code)
	var body struct{ Days []InsightDay }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
	require.Len(t, body.Days, 4)
	assert.Equal(t, []string{"2030-01-06", "2030-01-07", "2030-01-08", "2030-01-09"},
		[]string{body.Days[0].Date, body.Days[1].Date, body.Days[2].Date, body.Days[3].Date})
	assert.True(t, body.Days[0].Final, "no record, and stream time passed its end + grace")
	assert.Equal(t, int64(2), body.Days[1].JobsPosted)
	assert.True(t, body.Days[1].Final)
	assert.False(t, body.Days[2].Final, "still open")
	assert.False(t, body.Days[3].Final)
}
