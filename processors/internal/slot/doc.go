// Package slot is the scheduling rule shared by the calendar group, which
// books appointments with it, and the matching group, which offers a job
// only to tradespeople whose calendar has room for it.
//
// ChooseSlot returns the earliest start on a five-minute grid inside a job's
// window, after its dependencies, inside one working-hours interval, leaving
// the travel time (haversine × 1.3 at 40 km/h, rounded up to five minutes)
// from the appointment before and to the appointment after.
package slot
