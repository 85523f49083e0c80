// Package geo is the shared geometry of the processors: great-circle
// distances, road-travel estimates and the grid of cells the matching index
// is keyed by.
package geo

import (
	"fmt"
	"math"
	"time"
)

// EarthRadiusKm is the mean Earth radius.
const EarthRadiusKm = 6371.0088

// HaversineKm is the great-circle distance between two points in km.
func HaversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	sLat, sLon := math.Sin(dLat/2), math.Sin(dLon/2) // each once: a call is not shared by the compiler
	a := sLat*sLat + math.Cos(lat1*rad)*math.Cos(lat2*rad)*sLon*sLon
	return 2 * EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// RoadFactor is the road distance per great-circle kilometre.
const RoadFactor = 1.3

// RoadKm estimates the road distance: the great-circle distance × 1.3.
func RoadKm(lat1, lon1, lat2, lon2 float64) float64 {
	return HaversineKm(lat1, lon1, lat2, lon2) * RoadFactor
}

// TravelTime is the travel time between two points by the contract's rule:
// road distance at 40 km/h, rounded up to 5 minutes.
func TravelTime(lat1, lon1, lat2, lon2 float64) time.Duration {
	minutes := RoadKm(lat1, lon1, lat2, lon2) / 40 * 60
	return time.Duration(math.Ceil(minutes/5-1e-9)*5) * time.Minute
}

// CellDeg is the size of a grid cell in degrees (about 11 km north–south).
const CellDeg = 0.1

// MaxRadiusKm bounds a service radius so a profile covers at most a few
// hundred cells.
const MaxRadiusKm = 100

// Cell is one cell of the grid.
type Cell struct{ Lat, Lon int32 }

// String is the cell's key form, e.g. "515:-2".
func (c Cell) String() string { return fmt.Sprintf("%d:%d", c.Lat, c.Lon) }

// CellOf returns the cell containing a point.
func CellOf(lat, lon float64) Cell {
	return Cell{int32(math.Floor(lat / CellDeg)), int32(math.Floor(lon / CellDeg))}
}

// Cover returns every cell that intersects the circle of radiusKm around a
// point: the cells of the circle's bounding box, which a job in the circle
// always falls in.
func Cover(lat, lon, radiusKm float64) []Cell {
	radiusKm = math.Min(radiusKm, MaxRadiusKm)
	dLat := radiusKm / 111.2
	cos := math.Max(math.Cos(math.Min(math.Abs(lat)+dLat, 89.9)*math.Pi/180), 0.01)
	dLon := math.Min(radiusKm/(111.32*cos), 180)
	lo, hi := CellOf(lat-dLat, lon-dLon), CellOf(lat+dLat, lon+dLon)
	cells := make([]Cell, 0, int(hi.Lat-lo.Lat+1)*int(hi.Lon-lo.Lon+1))
	for la := lo.Lat; la <= hi.Lat; la++ {
		for lo2 := lo.Lon; lo2 <= hi.Lon; lo2++ {
			cells = append(cells, Cell{la, lo2})
		}
	}
	return cells
}
