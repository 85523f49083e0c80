package tracking

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tradestream/tradestream/codecs"
)

var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

func kmh(v float64) *float64 { return &v }

// north returns the point km kilometres north of p (1° of latitude ≈ 111.2 km).
func north(p codecs.GeoPoint, km float64) codecs.GeoPoint {
	return codecs.GeoPoint{Lat: p.Lat + km/111.19508, Lon: p.Lon}
}

var home = codecs.GeoPoint{Lat: 51.5, Lon: -0.12}

func TestObservation(t *testing.T) {
	prev := &codecs.Fix{Lat: home.Lat, Lon: home.Lon, At: t0}
	at := func(d time.Duration, km float64, speed *float64) *codecs.LocationPing {
		p := north(home, km)
		return &codecs.LocationPing{Lat: p.Lat, Lon: p.Lon, At: t0.Add(d), SpeedKmh: speed}
	}
	tests := []struct {
		name string
		prev *codecs.Fix
		ping *codecs.LocationPing
		want float64
		ok   bool
	}{
		{"the device's speed wins", prev, at(time.Minute, 1, kmh(30)), 30, true},
		{"the device's speed without a previous ping", nil, at(time.Minute, 1, kmh(30)), 30, true},
		{"1 km in a minute is 60 km/h", prev, at(time.Minute, 1, nil), 60, true},
		{"standing still is 0 km/h", prev, at(time.Minute, 0, nil), 0, true},
		{"no previous ping, no speed", nil, at(time.Minute, 1, nil), 0, false},
		{"pings closer than the gap give nothing", prev, at(time.Second, 0.01, nil), 0, false},
		{"a GPS jump is not a speed", prev, at(time.Minute, 10, nil), 600, false},
		{"an absurd device speed is not averaged", prev, at(time.Minute, 1, kmh(400)), 400, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Observation(tc.prev, tc.ping)
			assert.Equal(t, tc.ok, ok)
			assert.InDelta(t, tc.want, got, 0.1)
		})
	}
}

func TestAverageAndSpeed(t *testing.T) {
	tests := []struct {
		name    string
		avg     float64
		samples int64
		obs     float64
		wantAvg float64
		speed   float64
	}{
		{"the first observation is the average", 0, 0, 30, 30, 30},
		{"later ones move it by SpeedWeight", 30, 1, 60, 39, 39},
		{"a crawl is clamped to 5 km/h", 3, 4, 0, 2.1, MinSpeedKmh},
		{"a highway sprint is clamped to 100 km/h", 120, 4, 130, 123, MaxSpeedKmh},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			avg, n := Average(tc.avg, tc.samples, tc.obs)
			assert.InDelta(t, tc.wantAvg, avg, 1e-9)
			assert.Equal(t, tc.samples+1, n)
			assert.InDelta(t, tc.speed, Speed(avg, n), 1e-9)
		})
	}
	assert.Equal(t, DefaultSpeedKmh, Speed(0, 0), "40 km/h before any observation")
}

func TestEstimate(t *testing.T) {
	tests := []struct {
		name    string
		km      float64 // straight-line distance
		speed   float64
		minutes int32
		dist    float64
	}{
		{"10 km straight is 13 km by road: 20 min at 40 km/h (19.5 rounded up)", 10, 40, 20, 13},
		{"the same at 100 km/h", 10, 100, 8, 13},
		{"a short hop rounds up to a minute", 0.2, 40, 1, 0.26},
		{"at 5 km/h", 1, 5, 16, 1.3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, d := Estimate(north(home, tc.km), home, tc.speed)
			assert.Equal(t, tc.minutes, m)
			assert.InDelta(t, tc.dist, d, 0.011)
		})
	}
}

func TestArrived(t *testing.T) {
	tests := []struct {
		km   float64
		want bool
	}{{0, true}, {0.1, true}, {0.149, true}, {0.151, false}, {2, false}}
	for _, tc := range tests {
		assert.Equal(t, tc.want, Arrived(north(home, tc.km), home, 0.15), "%.3f km", tc.km)
	}
}

func TestVisible(t *testing.T) {
	last := &codecs.ETA{Minutes: 10, DistanceKm: 5.04, UpdatedAt: t0}
	eta := func(m int32, km float64, d time.Duration) *codecs.ETA {
		return &codecs.ETA{Minutes: m, DistanceKm: km, UpdatedAt: t0.Add(d)}
	}
	tests := []struct {
		name string
		last *codecs.ETA
		next *codecs.ETA
		want bool
	}{
		{"the first ETA", nil, eta(10, 5, 0), true},
		{"same minutes and 0.1 km", last, eta(10, 5.01, 5*time.Second), false},
		{"minutes changed", last, eta(9, 5.01, 5*time.Second), true},
		{"distance moved to the next 0.1 km", last, eta(10, 4.94, 5*time.Second), true},
		{"unchanged but a minute old", last, eta(10, 5.04, time.Minute), true},
		{"at 0.5 km resolution 4.94 km is still 5", last, eta(10, 4.94, 5*time.Second), false},
	}
	for _, tc := range tests {
		step := 0.1
		if strings.HasPrefix(tc.name, "at 0.5 km") {
			step = 0.5
		}
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, Visible(tc.last, tc.next, time.Minute, step)) })
	}
}

func TestInvalid(t *testing.T) {
	ok := func(f func(p *codecs.LocationPing)) *codecs.LocationPing {
		p := &codecs.LocationPing{TenantID: "acme", TradespersonID: "tp", Lat: 51.5, Lon: -0.1, At: t0}
		f(p)
		return p
	}
	tests := []struct {
		name string
		ping *codecs.LocationPing
		want string
	}{
		{"valid", ok(func(*codecs.LocationPing) {}), ""},
		{"4 minutes ahead is fine", ok(func(p *codecs.LocationPing) { p.At = t0.Add(4 * time.Minute) }), ""},
		{"lat out of range", ok(func(p *codecs.LocationPing) { p.Lat = 91 }), "lat must be within ±90"},
		{"lat not a number", ok(func(p *codecs.LocationPing) { p.Lat = math.NaN() }), "lat must be within ±90"},
		{"lon out of range", ok(func(p *codecs.LocationPing) { p.Lon = -181 }), "lon must be within ±180"},
		{"no time", ok(func(p *codecs.LocationPing) { p.At = time.Time{} }), "the ping has no time"},
		{"far in the future", ok(func(p *codecs.LocationPing) { p.At = t0.Add(6 * time.Minute) }), "at is more than 5m0s in the future"},
		{"long before its record is fine", ok(func(p *codecs.LocationPing) { p.At = t0.Add(-24 * time.Hour) }), ""},
		{"negative speed", ok(func(p *codecs.LocationPing) { p.SpeedKmh = kmh(-1) }), "speed_kmh must not be negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, Invalid(tc.ping, t0, 5*time.Minute)) })
	}
	for _, logged := range []time.Time{{}, time.UnixMilli(-1)} {
		assert.Equal(t, "the record has no time on the log to judge the ping's time by", Invalid(ok(func(*codecs.LocationPing) {}), logged, 5*time.Minute))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
