package geo

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestHaversineLondonToParis(t *testing.T) {
	d := HaversineKm(51.5074, -0.1278, 48.8566, 2.3522)
	assert.InDelta(t, 343.5, d, 1)
	assert.Zero(t, HaversineKm(10, 10, 10, 10))
}

func TestTravelTimeRoundsUpToFiveMinutes(t *testing.T) {
	assert.Equal(t, time.Duration(0), TravelTime(51.5, -0.1, 51.5, -0.1))
	// 10 km apart: 13 km by road at 40 km/h = 19.5 min → 20 min.
	lat2 := 51.5 + 10/111.195
	assert.Equal(t, 20*time.Minute, TravelTime(51.5, -0.1, lat2, -0.1))
}

// Every point within the radius lies in one of the covering cells.
func TestCoverContainsEveryPointInTheCircle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		lat, lon := rng.Float64()*140-70, rng.Float64()*340-170
		r := 1 + rng.Float64()*(MaxRadiusKm-1)
		cells := Cover(lat, lon, r)
		for range 20 {
			plat, plon := lat+(rng.Float64()*2-1)*r/111, lon+(rng.Float64()*2-1)*r/40
			if HaversineKm(lat, lon, plat, plon) > r {
				continue
			}
			assert.True(t, slices.Contains(cells, CellOf(plat, plon)), "point %f,%f r=%f", plat, plon, r)
		}
	}
}

// TestHaversineIsTheTextbookFormulaBitForBit: computing each sine once
// gives exactly the distances of the formula written out, which computes
// them twice (ETAs, matching radii and travel times depend on them).
func TestHaversineIsTheTextbookFormulaBitForBit(t *testing.T) {
	textbook := func(lat1, lon1, lat2, lon2 float64) float64 {
		const rad = math.Pi / 180
		dLat := (lat2 - lat1) * rad
		dLon := (lon2 - lon1) * rad
		a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
		return 2 * EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
	}
	rng := rand.New(rand.NewPCG(8, 1))
	for i := range 200000 {
		lat1, lon1 := rng.Float64()*180-90, rng.Float64()*360-180
		lat2, lon2 := rng.Float64()*180-90, rng.Float64()*360-180
		if i%2 == 0 { // nearby points, as pings are
			lat2, lon2 = lat1+rng.NormFloat64()*0.05, lon1+rng.NormFloat64()*0.05
		}
		want, got := textbook(lat1, lon1, lat2, lon2), HaversineKm(lat1, lon1, lat2, lon2)
		if math.Float64bits(want) != math.Float64bits(got) {
			t.Fatalf("(%v, %v) to (%v, %v): %v, textbook %v", lat1, lon1, lat2, lon2, got, want)
		}
	}
}
