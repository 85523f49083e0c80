package matching

import (
	"cmp"
	"slices"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/geo"
)

// MaxOffers is how many tradespeople a posted job is offered to.
const MaxOffers = 5

// Bayesian rating prior: a tradesperson starts at PriorRating with the
// weight of PriorWeight ratings.
const (
	PriorRating = 4.0
	PriorWeight = 5.0
)

// Candidate is a ranked match.
type Candidate struct {
	TradespersonID string
	DistanceKm     float64
	Bayesian       float64
}

// Bayesian is the rating shrunk towards the prior: (w·prior + n·avg)/(w + n).
func Bayesian(count int64, average float64) float64 {
	return (PriorWeight*PriorRating + float64(count)*average) / (PriorWeight + float64(count))
}

// Match returns up to MaxOffers members of a cell who can take the job:
// active, the job within their radius of their base, and a working-hours
// slot of the job's duration inside its window. They are ranked by distance,
// then Bayesian rating (higher first), then id.
func Match(members []codecs.CellMember, job *codecs.MatchRequest) []Candidate {
	out := make([]Candidate, 0, MaxOffers+1)
	duration := time.Duration(job.DurationMinutes) * time.Minute
	for i := range members {
		m := &members[i]
		if !m.Active {
			continue
		}
		d := geo.HaversineKm(m.Base.Lat, m.Base.Lon, job.Location.Lat, job.Location.Lon)
		if d > m.RadiusKm {
			continue
		}
		c := Candidate{TradespersonID: m.TradespersonID, DistanceKm: d, Bayesian: Bayesian(m.RatingCount, m.RatingAverage)}
		if len(out) == MaxOffers && !better(c, out[MaxOffers-1]) {
			continue // cheap reject before the slot check
		}
		if !HasSlot(m.WorkingHours, job.Window, duration) {
			continue
		}
		i := slices.IndexFunc(out, func(o Candidate) bool { return better(c, o) })
		if i < 0 {
			i = len(out)
		}
		out = slices.Insert(out, i, c)
		if len(out) > MaxOffers {
			out = out[:MaxOffers]
		}
	}
	return out
}

func better(a, b Candidate) bool {
	if c := cmp.Compare(a.DistanceKm, b.DistanceKm); c != 0 {
		return c < 0
	}
	if a.Bayesian != b.Bayesian {
		return a.Bayesian > b.Bayesian
	}
	return a.TradespersonID < b.TradespersonID
}

// HasSlot reports whether some working-hours interval overlaps the window
// by at least d.
func HasSlot(hours []codecs.WorkingHours, w codecs.Window, d time.Duration) bool {
	if w.LatestEnd.Sub(w.EarliestStart) < d {
		return false
	}
	day := w.EarliestStart.UTC().Truncate(24 * time.Hour)
	for ; day.Before(w.LatestEnd); day = day.Add(24 * time.Hour) {
		wd := int32(day.Weekday())
		for _, h := range hours {
			if h.Weekday != wd {
				continue
			}
			start, end := day.Add(clock(h.Start)), day.Add(clock(h.End))
			if start.Before(w.EarliestStart) {
				start = w.EarliestStart
			}
			if end.After(w.LatestEnd) {
				end = w.LatestEnd
			}
			if end.Sub(start) >= d {
				return true
			}
		}
	}
	return false
}

// clock parses "15:04" into the time since midnight; bad input is 0.
func clock(s string) time.Duration {
	if len(s) != 5 || s[2] != ':' {
		return 0
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
}
