package tracking

import (
	"math"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/geo"
)

// Speed rules (CONTRACT.md §3 Tracking).
const (
	// MinSpeedKmh and MaxSpeedKmh clamp the speed an ETA uses.
	MinSpeedKmh = 5.0
	MaxSpeedKmh = 100.0
	// DefaultSpeedKmh is the speed before any observation.
	DefaultSpeedKmh = 40.0
	// SpeedWeight is the weight of a new observation in the exponential
	// moving average of the speed.
	SpeedWeight = 0.3
	// MaxObservedKmh bounds an observation: a faster one is a GPS jump,
	// not a speed, and is not averaged.
	MaxObservedKmh = 250.0
	// MinObservationGap is the shortest time between two pings that gives
	// a speed observation: closer pings make GPS noise look like speed.
	MinObservationGap = 2 * time.Second
)

// Observation is the speed a ping shows after prev: the device's own
// speed_kmh when it sent one, else the straight-line distance between the
// two pings over the time between them. ok is false when the ping gives no
// usable observation (no previous ping, too close in time, a jump).
func Observation(prev *codecs.Fix, p *codecs.LocationPing) (kmh float64, ok bool) {
	if p.SpeedKmh != nil {
		v := *p.SpeedKmh
		return v, v >= 0 && v <= MaxObservedKmh
	}
	if prev == nil {
		return 0, false
	}
	dt := p.At.Sub(prev.At)
	if dt < MinObservationGap {
		return 0, false
	}
	v := geo.HaversineKm(prev.Lat, prev.Lon, p.Lat, p.Lon) / dt.Hours()
	return v, v <= MaxObservedKmh
}

// Average adds an observation to the moving average of samples earlier
// ones; the first observation is the average.
func Average(avg float64, samples int64, obs float64) (float64, int64) {
	if samples <= 0 {
		return obs, 1
	}
	return avg + SpeedWeight*(obs-avg), samples + 1
}

// Speed is the speed an ETA uses: the average clamped to
// [MinSpeedKmh, MaxSpeedKmh], DefaultSpeedKmh when nothing was observed.
func Speed(avg float64, samples int64) float64 {
	if samples <= 0 {
		return DefaultSpeedKmh
	}
	return math.Min(MaxSpeedKmh, math.Max(MinSpeedKmh, avg))
}

// Estimate is the ETA from pos to the job at dest at speed km/h: the road
// distance (haversine × 1.3, rounded to 10 m) and the minutes, rounded up.
func Estimate(pos, dest codecs.GeoPoint, speedKmh float64) (minutes int32, distanceKm float64) {
	return estimateKm(geo.HaversineKm(pos.Lat, pos.Lon, dest.Lat, dest.Lon), speedKmh)
}

// estimateKm is Estimate from the straight-line distance (what Arrived
// compares): the road distance is geo.RoadKm's.
func estimateKm(straightKm, speedKmh float64) (minutes int32, distanceKm float64) {
	d := straightKm * geo.RoadFactor
	return int32(math.Ceil(d / speedKmh * 60)), math.Round(d*100) / 100
}

// Arrived reports whether pos is within radiusKm of the job at dest
// (straight-line distance). ApplyPing compares the distance Estimate
// starts from (estimateKm).
func Arrived(pos, dest codecs.GeoPoint, radiusKm float64) bool {
	return geo.HaversineKm(pos.Lat, pos.Lon, dest.Lat, dest.Lon) <= radiusKm
}

// Visible reports whether next is worth writing to the job after last (nil
// before the first): the minutes changed, the distance changed at stepKm
// resolution (both rounded to a multiple of stepKm), or last is refresh old.
func Visible(last, next *codecs.ETA, refresh time.Duration, stepKm float64) bool {
	return last == nil || last.Minutes != next.Minutes ||
		math.Round(last.DistanceKm/stepKm) != math.Round(next.DistanceKm/stepKm) ||
		next.UpdatedAt.Sub(last.UpdatedAt) >= refresh
}

// HasLogTime reports whether t, a record's timestamp, is a time: a record
// produced without one reads as -1 ms (or, in goka's tester, the zero time).
func HasLogTime(t time.Time) bool { return t.UnixMilli() > 0 }

// Invalid says why a ping cannot be used, or "" when it can: coordinates
// out of range or not numbers, no time, a record with no time on the log, a
// time more than maxFuture after the record's time on the log (logged).
// Judging the future by the log, not by a clock, decides a replayed ping
// as the live run did.
func Invalid(p *codecs.LocationPing, logged time.Time, maxFuture time.Duration) string {
	switch {
	case math.IsNaN(p.Lat) || p.Lat < -90 || p.Lat > 90:
		return "lat must be within ±90"
	case math.IsNaN(p.Lon) || p.Lon < -180 || p.Lon > 180:
		return "lon must be within ±180"
	case p.At.IsZero() || p.At.Unix() <= 0:
		return "the ping has no time"
	case !HasLogTime(logged):
		return "the record has no time on the log to judge the ping's time by"
	case p.At.Sub(logged) > maxFuture:
		return "at is more than " + maxFuture.String() + " in the future"
	case p.SpeedKmh != nil && (math.IsNaN(*p.SpeedKmh) || *p.SpeedKmh < 0):
		return "speed_kmh must not be negative"
	}
	return ""
}
