package matching

import (
	"cmp"
	"slices"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/geo"
	"github.com/tradestream/tradestream/processors/internal/rating"
	"github.com/tradestream/tradestream/processors/internal/slot"
)

// MaxOffers is how many tradespeople a posted job is offered to.
const MaxOffers = 5

// Bayesian rating prior: a tradesperson starts at PriorRating with the
// weight of PriorWeight ratings.
const (
	PriorRating = rating.Prior
	PriorWeight = rating.Weight
)

// Candidate is a ranked match.
type Candidate struct {
	TradespersonID string
	DistanceKm     float64
	Bayesian       float64
}

// Bayesian is the rating shrunk towards the prior: (w·prior + n·avg)/(w + n).
func Bayesian(count int64, average float64) float64 { return rating.Bayesian(count, average) }

// Calendars gives a tradesperson's booked appointments (ordered by start,
// as the calendar keeps them); nil for none.
type Calendars func(tradespersonID string) []codecs.CalendarAppointment

// Match returns up to MaxOffers members of a cell who can take the job:
// active, the job within their radius of their base, and a free slot of the
// job's duration inside its window and their working hours — the slot the
// calendar would book (slot.ChooseSlot) given the appointments booked
// returns. They are ranked by distance, then Bayesian rating (higher
// first), then id. booked may be nil: working hours alone then decide.
func Match(members []codecs.CellMember, job *codecs.MatchRequest, booked Calendars) []Candidate {
	out := make([]Candidate, 0, MaxOffers+1)
	req := slot.Request{Window: job.Window, Duration: time.Duration(job.DurationMinutes) * time.Minute, Location: job.Location}
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
			continue // cheap reject before the slot search
		}
		var appts []codecs.CalendarAppointment
		if booked != nil {
			appts = booked(m.TradespersonID)
		}
		if _, err := slot.ChooseSlot(m.WorkingHours, appts, req); err != nil {
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
