package matching

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/geo"
	"github.com/tradestream/tradestream/topology/topologytest"
)

var monday = time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC) // a Monday

func weekdays() []codecs.WorkingHours {
	var out []codecs.WorkingHours
	for d := int32(1); d <= 5; d++ {
		out = append(out, codecs.WorkingHours{Weekday: d, Start: "08:00", End: "18:00"})
	}
	return out
}

func member(id string, lat, lon, radius float64, ratings int64, avg float64) codecs.CellMember {
	return codecs.CellMember{TradespersonID: id, Base: codecs.GeoPoint{Lat: lat, Lon: lon}, RadiusKm: radius, Active: true,
		WorkingHours: weekdays(), RatingCount: ratings, RatingAverage: avg}
}

func job(lat, lon float64, start time.Time, hours int, minutes int32) *codecs.MatchRequest {
	return &codecs.MatchRequest{JobID: "j1", Location: codecs.GeoPoint{Lat: lat, Lon: lon},
		Window: codecs.Window{EarliestStart: start, LatestEnd: start.Add(time.Duration(hours) * time.Hour)}, DurationMinutes: minutes}
}

func ids(cs []Candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.TradespersonID
	}
	return out
}

func TestRankRanksByDistanceThenBayesianRatingThenID(t *testing.T) {
	j := job(51.5, -0.1, monday.Add(9*time.Hour), 4, 60)
	members := []codecs.CellMember{
		member("far", 51.6, -0.1, 30, 0, 0),           // ~11 km
		member("near-b", 51.51, -0.1, 30, 0, 0),       // ~1.1 km, prior 4.0
		member("near-a", 51.51, -0.1, 30, 0, 0),       // same distance and rating: id breaks the tie
		member("near-good", 51.51, -0.1, 30, 10, 4.9), // same distance, better rating
		member("out-of-radius", 51.7, -0.1, 5, 0, 0),  // 22 km away, radius 5
	}
	inactive := member("inactive", 51.5, -0.1, 30, 0, 0)
	inactive.Active = false
	members = append(members, inactive)
	assert.Equal(t, []string{"near-good", "near-a", "near-b", "far"}, ids(Rank(members, j, MaxRanked)))
}

func TestRankKeepsTheBestUpToItsLimit(t *testing.T) {
	var members []codecs.CellMember
	for i := range 12 {
		members = append(members, member(fmt.Sprintf("tp%02d", 11-i), 51.5+float64(11-i)*0.001, -0.1, 30, 0, 0))
	}
	got := Rank(members, job(51.5, -0.1, monday.Add(9*time.Hour), 4, 60), 5)
	assert.Equal(t, []string{"tp00", "tp01", "tp02", "tp03", "tp04"}, ids(got))
	assert.Len(t, Rank(members, job(51.5, -0.1, monday.Add(9*time.Hour), 4, 60), MaxRanked), 12)
	assert.Empty(t, Rank(members, job(51.5, -0.1, monday.Add(9*time.Hour), 4, 60), 0))
}

func TestRankNeedsAWorkingHoursSlotInTheWindow(t *testing.T) {
	m := []codecs.CellMember{member("tp", 51.5, -0.1, 30, 0, 0)}
	saturday := monday.Add(5 * 24 * time.Hour)
	assert.Empty(t, Rank(m, job(51.5, -0.1, saturday.Add(9*time.Hour), 6, 60), MaxRanked), "no work on Saturdays")
	assert.Empty(t, Rank(m, job(51.5, -0.1, monday.Add(17*time.Hour), 3, 90), MaxRanked), "17:00–20:00 leaves 60 min of work")
	assert.Len(t, Rank(m, job(51.5, -0.1, monday.Add(17*time.Hour), 3, 60), MaxRanked), 1)
	assert.Len(t, Rank(m, job(51.5, -0.1, saturday.Add(9*time.Hour), 3*24, 60), MaxRanked), 1, "a window over the weekend reaches Monday")
}

func TestRankedCarriesTheProfileSequenceNumbers(t *testing.T) {
	m := member("tp", 51.5, -0.1, 30, 0, 0)
	m.Seq = 7
	got := Ranked(Rank([]codecs.CellMember{m}, job(51.5, -0.1, monday.Add(9*time.Hour), 4, 60), MaxRanked))
	require.Len(t, got, 1)
	assert.Equal(t, codecs.RankedCandidate{TradespersonID: "tp", DistanceKm: 0, Seq: 7}, got[0])
}

func TestBayesian(t *testing.T) {
	assert.Equal(t, 4.0, Bayesian(0, 0))
	assert.InDelta(t, (20+5*5.0)/10, Bayesian(5, 5), 1e-9)
}

func TestUpdateIgnoresOlderProfiles(t *testing.T) {
	m := member("tp", 51.5, -0.1, 30, 0, 0)
	m.Seq = 5
	cell, changed := Update(codecs.MatchCell{}, &codecs.MatchEvent{Kind: codecs.MatchMember, TradespersonID: "tp", Seq: 5, Member: &m})
	require.True(t, changed)
	_, changed = Update(cell, &codecs.MatchEvent{Kind: codecs.MatchRemove, TradespersonID: "tp", Seq: 4})
	assert.False(t, changed, "an older removal is ignored")
	cell, changed = Update(cell, &codecs.MatchEvent{Kind: codecs.MatchRemove, TradespersonID: "tp", Seq: 6})
	assert.True(t, changed)
	assert.Empty(t, cell.Members)
}

// metros are where the benchmark's tradespeople cluster: London,
// Birmingham, Manchester, Leeds, Glasgow (lat, lon, spread in degrees).
var metros = [][3]float64{{51.5, -0.12, 0.25}, {52.48, -1.9, 0.15}, {53.48, -2.24, 0.15}, {53.8, -1.55, 0.12}, {55.86, -4.25, 0.12}}

// BenchmarkMatch100k registers 100 000 tradespeople of six trades over
// Great Britain (half of them in five metro areas, a third of those in
// London) into the cell index, then ranks one central London plumbing
// job: the work of one match is decoding its cell's value and ranking it.
// (The calendars are the job's to probe: no lookup here.)
func BenchmarkMatch100k(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	cells := map[string][]codecs.CellMember{}
	trades := []string{"plumber", "electrician", "hvac", "painter", "bricklayer", "carpenter"}
	for i := range 100_000 {
		lat, lon := 50.5+rng.Float64()*5, -4.5+rng.Float64()*6 // anywhere
		if rng.IntN(2) == 0 {
			m := metros[0]
			if rng.IntN(3) != 0 {
				m = metros[rng.IntN(len(metros))]
			}
			lat, lon = m[0]+rng.NormFloat64()*m[2], m[1]+rng.NormFloat64()*m[2]*1.6
		}
		trade := trades[rng.IntN(len(trades))]
		m := member(fmt.Sprintf("tp%06d", i), lat, lon, 5+rng.Float64()*20, rng.Int64N(50), 3+rng.Float64()*2)
		for _, c := range geo.Cover(lat, lon, m.RadiusKm) {
			cells[trade+"/"+c.String()] = append(cells[trade+"/"+c.String()], m)
		}
	}
	j := job(51.5072, -0.1276, monday.Add(9*time.Hour), 8, 120)
	members := cells["plumber/"+geo.CellOf(j.Location.Lat, j.Location.Lon).String()]
	cat := topologytest.Catalog(b)
	data, err := cat.Matching.Codec.Encode(&codecs.MatchCell{Members: members})
	require.NoError(b, err)
	run := func(name string, codec goka.Codec) {
		b.Run(name, func(b *testing.B) {
			defer b.ReportMetric(float64(len(data)), "bytes/cell")
			defer b.ReportMetric(float64(len(members)), "members/cell")
			for b.Loop() {
				v, err := codec.Decode(data)
				if err != nil {
					b.Fatal(err)
				}
				if len(Rank(v.(*codecs.MatchCell).Members, j, MaxRanked)) != MaxRanked {
					b.Fatal("expected a full ranking")
				}
			}
		})
	}
	run("cold-decode+rank", cat.Matching.Codec)
	run("cached-cell+rank", cat.Matching.GokaCodec())
}
