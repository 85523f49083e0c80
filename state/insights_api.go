package state

import (
	"math"
	"net/http"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/insights"
)

// MaxInsightDays is the longest range GET .../insights answers.
const MaxInsightDays = 366

// InsightDay is one day of GET .../insights. Averages and rates are
// rounded half away from zero to 2 decimals, and null on a day without
// anything to average; money is integer minor units.
type InsightDay struct {
	Date            string   `json:"date"`
	JobsPosted      int64    `json:"jobs_posted"`
	JobsCompleted   int64    `json:"jobs_completed"`
	JobsCancelled   int64    `json:"jobs_cancelled"`
	AvgDelayMinutes *float64 `json:"avg_delay_minutes"`
	OnTimeRate      *float64 `json:"on_time_rate"`
	AvgRating       *float64 `json:"avg_rating"`
	HoursWorked     float64  `json:"hours_worked"`
	RevenueMinor    int64    `json:"revenue_minor"`
	Final           bool     `json:"final"`
}

// InsightDayOf renders a day's counters: avg_delay_minutes = delay seconds
// / arrivals / 60, on_time_rate = on time / arrivals, avg_rating = stars /
// ratings, hours_worked = worked seconds / 3600.
func InsightDayOf(date string, c codecs.InsightCounts, final bool) InsightDay {
	d := InsightDay{Date: date, JobsPosted: c.JobsPosted, JobsCompleted: c.JobsCompleted, JobsCancelled: c.JobsCancelled,
		HoursWorked: round2(float64(c.WorkedSeconds) / 3600), RevenueMinor: c.RevenueMinor, Final: final}
	if c.Arrivals > 0 {
		d.AvgDelayMinutes = ptr(round2(float64(c.DelaySeconds) / float64(c.Arrivals) / 60))
		d.OnTimeRate = ptr(round2(float64(c.OnTime) / float64(c.Arrivals)))
	}
	if c.Ratings > 0 {
		d.AvgRating = ptr(round2(float64(c.RatingSum) / float64(c.Ratings)))
	}
	return d
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func ptr[T any](v T) *T { return &v }

// getInsights answers GET .../insights?from=YYYY-MM-DD&to=YYYY-MM-DD: one
// entry per UTC day, both ends included. A day is final once its window
// closed: its record says so, or, for a day without any record, the
// tenant's stream time passed its end plus the grace period.
func (s *Server) getInsights(w http.ResponseWriter, r *http.Request) {
	from, to, err := dateRange(r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		writeError(w, err)
		return
	}
	tenant := r.PathValue("tenant")
	var streamTime time.Time
	if s.views.Insights != nil {
		st, err := s.views.Insights.Get(tenant)
		if err != nil {
			s.log.Error("reading insights", "tenant", tenant, "err", err)
			writeError(w, errInternal)
			return
		}
		if st != nil {
			streamTime = st.StreamTime
		}
	}
	days := make([]InsightDay, 0, int(to.Sub(from)/(24*time.Hour))+1)
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		date := d.Format(time.DateOnly)
		closed := !d.Add(24*time.Hour + insights.Grace).After(streamTime)
		var rec *codecs.InsightsDay
		if s.views.InsightDays != nil {
			if rec, err = s.views.InsightDays.Get(tenant + "/" + date); err != nil {
				s.log.Error("reading insight day", "tenant", tenant, "date", date, "err", err)
				writeError(w, errInternal)
				return
			}
		}
		if rec == nil {
			days = append(days, InsightDayOf(date, codecs.InsightCounts{}, closed))
			continue
		}
		days = append(days, InsightDayOf(date, rec.Counts, rec.Final))
	}
	writeJSON(w, http.StatusOK, map[string]any{"days": days})
}

// dateRange parses from and to (YYYY-MM-DD, UTC): from ≤ to, at most
// MaxInsightDays days.
func dateRange(fromS, toS string) (time.Time, time.Time, error) {
	from, errF := time.Parse(time.DateOnly, fromS)
	to, errT := time.Parse(time.DateOnly, toS)
	switch {
	case errF != nil || errT != nil:
		return from, to, errBadRequest("from and to must be dates, YYYY-MM-DD")
	case from.After(to):
		return from, to, errBadRequest("from must not be after to")
	case to.Sub(from) >= MaxInsightDays*24*time.Hour:
		return from, to, errBadRequest("a range covers at most 366 days")
	}
	return from, to, nil
}
