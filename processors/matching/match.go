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

// MaxRanked bounds the candidates a job is sent. The job probes them in
// order and offers itself to the first MaxOffers (in the jobs group) whose
// calendar has room, so only a job whose best MaxRanked candidates include
// more than MaxRanked−5 full calendars is offered to fewer than it could
// be.
const MaxRanked = 50

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
	// Seq is the member's profile sequence number.
	Seq int64
}

// Bayesian is the rating shrunk towards the prior: (w·prior + n·avg)/(w + n).
func Bayesian(count int64, average float64) float64 { return rating.Bayesian(count, average) }

// Rank returns up to limit members of a cell who could take the job by
// their profile: active, the job within their radius of their base, and a
// slot of the job's duration inside its window and their working hours
// (slot.ChooseSlot on an empty calendar). They are ranked by distance,
// then Bayesian rating (higher first), then id. Whether their calendar has
// room is the job's to ask (it probes the calendar group): matching reads
// no other group's table, so a replay ranks as the first time.
func Rank(members []codecs.CellMember, job *codecs.MatchRequest, limit int) []Candidate {
	out := make([]Candidate, 0, min(limit, len(members))+1)
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
		c := Candidate{TradespersonID: m.TradespersonID, DistanceKm: d, Bayesian: Bayesian(m.RatingCount, m.RatingAverage), Seq: m.Seq}
		if len(out) == limit && (limit == 0 || !better(c, out[limit-1])) {
			continue // cheap reject before the slot search
		}
		if _, err := slot.ChooseSlot(m.WorkingHours, nil, req); err != nil {
			continue
		}
		i := slices.IndexFunc(out, func(o Candidate) bool { return better(c, o) })
		if i < 0 {
			i = len(out)
		}
		out = slices.Insert(out, i, c)
		if len(out) > limit {
			out = out[:limit]
		}
	}
	return out
}

// Ranked is the candidates as a job command carries them.
func Ranked(cs []Candidate) []codecs.RankedCandidate {
	out := make([]codecs.RankedCandidate, len(cs))
	for i, c := range cs {
		out[i] = codecs.RankedCandidate{TradespersonID: c.TradespersonID, DistanceKm: c.DistanceKm, Seq: c.Seq}
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
