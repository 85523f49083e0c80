package state

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

type calendarView map[string]*codecs.Calendar

func (m calendarView) Get(key string) (*codecs.Calendar, error) { return m[key], nil }

func TestTheScheduleListsTheAppointmentsNotEndedYetInOrder(t *testing.T) {
	now := time.Date(2030, 1, 7, 10, 0, 0, 0, time.UTC)
	appt := func(job string, start time.Time) codecs.CalendarAppointment {
		return codecs.CalendarAppointment{JobID: job, Start: start, End: start.Add(time.Hour)}
	}
	cal := &codecs.Calendar{Appointments: []codecs.CalendarAppointment{
		appt("past", now.Add(-3*time.Hour)), appt("now", now.Add(-30*time.Minute)), appt("next", now.Add(time.Hour))}}
	s := NewServer(&recorder{}, Views{Jobs: mapView{}, Tradespeople: tpView{"acme/tp1": {ID: "tp1"}},
		Calendars: calendarView{"acme/tp1": cal}}, Options{Now: func() time.Time { return now }})
	w := do(s, "GET", "/v1/tenants/acme/tradespeople/tp1", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), `"schedule":[`+
		`{"job_id":"now","start":"2030-01-07T09:30:00Z","end":"2030-01-07T10:30:00Z"},`+
		`{"job_id":"next","start":"2030-01-07T11:00:00Z","end":"2030-01-07T12:00:00Z"}]`)
}
