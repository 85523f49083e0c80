package state

import (
	"cmp"
	"slices"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/calendar"
)

// BoardStatuses are the job statuses in lifecycle order: the dashboard's
// columns.
var BoardStatuses = []string{codecs.StatusPosted, codecs.StatusBidding, codecs.StatusBooking,
	codecs.StatusWaitingDependencies, codecs.StatusBooked, codecs.StatusEnRoute, codecs.StatusOnSite,
	codecs.StatusCompleted, codecs.StatusCancelled, codecs.StatusNeedsAttention}

// Board is one tenant's dashboard at one moment: the body of
// GET /v1/tenants/{t}/dashboard and of each snapshot event of its stream.
type Board struct {
	Tenant   string        `json:"tenant"`
	At       time.Time     `json:"at"`
	Counters BoardCounters `json:"counters"`
	// Columns are the jobs by status, one per BoardStatuses entry.
	Columns []BoardColumn `json:"columns"`
	// Schedules are the tradespeople's coming appointments and the travel
	// between them.
	Schedules []BoardSchedule `json:"schedules"`
	// EnRoute are the jobs whose tradesperson is on the way.
	EnRoute []BoardEnRoute `json:"en_route"`
	// DeadLetters are the tenant's most recent dead letters, newest first.
	DeadLetters []BoardDeadLetter `json:"dead_letters"`
	// Feeds says which optional sources this server has: "dead_letters",
	// "pings", "lag". A panel whose feed is missing shows an empty state.
	Feeds map[string]bool `json:"feeds"`
}

// BoardCounters are the dashboard's headline numbers.
type BoardCounters struct {
	// Jobs counts the tenant's jobs; JobsByStatus splits them.
	Jobs         int            `json:"jobs"`
	JobsByStatus map[string]int `json:"jobs_by_status"`
	// Tradespeople counts the tenant's profiles.
	Tradespeople int `json:"tradespeople"`
	// Rates are instance-wide records per second by name
	// ("commands_per_second", "pings_per_second"); null until known.
	Rates map[string]*float64 `json:"rates"`
	// ConsumerLag is the instance's total consumer lag in records (null
	// without the feed); LagByGroup splits it.
	ConsumerLag *int64           `json:"consumer_lag"`
	LagByGroup  map[string]int64 `json:"lag_by_group"`
}

// BoardColumn is one status of the jobs board.
type BoardColumn struct {
	Status string `json:"status"`
	// Count is every job in the status; Jobs are the most recently updated
	// of them (at most the board's column limit).
	Count int        `json:"count"`
	Jobs  []BoardJob `json:"jobs"`
}

// BoardJob is a job card.
type BoardJob struct {
	ID             string              `json:"id"`
	Title          string              `json:"title"`
	Trade          string              `json:"trade"`
	Status         string              `json:"status"`
	TradespersonID string              `json:"tradesperson_id,omitempty"`
	Appointment    *codecs.Appointment `json:"appointment"`
	ETA            *codecs.ETA         `json:"eta"`
	UpdatedAt      time.Time           `json:"updated_at"`
}

// BoardSchedule is one tradesperson's row of the timeline.
type BoardSchedule struct {
	TradespersonID string `json:"tradesperson_id"`
	Name           string `json:"name"`
	// Items are appointments and the travel after each one towards the
	// next, in time order.
	Items []BoardSlot `json:"items"`
}

// Kinds of BoardSlot.
const (
	SlotAppointment = "appointment"
	SlotTravel      = "travel"
)

// BoardSlot is a stretch of a tradesperson's time.
type BoardSlot struct {
	Kind  string    `json:"kind"`
	JobID string    `json:"job_id"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// BoardEnRoute is a tradesperson on the way to a job, for the map.
type BoardEnRoute struct {
	JobID          string          `json:"job_id"`
	Title          string          `json:"title"`
	TradespersonID string          `json:"tradesperson_id"`
	Name           string          `json:"name"`
	Job            codecs.GeoPoint `json:"job"`
	// Base is the tradesperson's base, when the profile is known.
	Base *codecs.GeoPoint `json:"base"`
	ETA  *codecs.ETA      `json:"eta"`
}

// BoardDeadLetter is a dead letter without its payload.
type BoardDeadLetter struct {
	Group     string    `json:"group"`
	Topic     string    `json:"topic"`
	Partition int32     `json:"partition"`
	Offset    int64     `json:"offset"`
	Key       string    `json:"key"`
	Error     string    `json:"error"`
	At        time.Time `json:"at"`
}

// boardLimits bound what one snapshot carries.
type boardLimits struct {
	// perColumn is the most job cards per status.
	perColumn int
	// schedules is the most timeline rows; horizon how far ahead they go.
	schedules int
	horizon   time.Duration
}

// buildBoard folds a tenant's jobs, tradespeople and calendars into the
// board's job panels as of now. Inputs need no order.
func buildBoard(jobs []*codecs.Job, people []*codecs.Tradesperson, cals []*codecs.Calendar, now time.Time, lim boardLimits) Board {
	b := Board{At: now, Counters: BoardCounters{Jobs: len(jobs), JobsByStatus: map[string]int{}, Tradespeople: len(people)}}
	names := map[string]*codecs.Tradesperson{}
	for _, p := range people {
		names[p.ID] = p
	}
	byStatus := map[string][]*codecs.Job{}
	for _, j := range jobs {
		b.Counters.JobsByStatus[j.Status]++
		byStatus[j.Status] = append(byStatus[j.Status], j)
		if j.Status == codecs.StatusEnRoute {
			b.EnRoute = append(b.EnRoute, enRoute(j, names))
		}
	}
	for _, s := range BoardStatuses {
		col := BoardColumn{Status: s, Count: len(byStatus[s]), Jobs: []BoardJob{}}
		js := byStatus[s]
		slices.SortFunc(js, func(a, b *codecs.Job) int {
			return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt), cmp.Compare(a.ID, b.ID))
		})
		for _, j := range js[:min(len(js), lim.perColumn)] {
			col.Jobs = append(col.Jobs, card(j))
		}
		b.Columns = append(b.Columns, col)
	}
	slices.SortFunc(b.EnRoute, func(a, b BoardEnRoute) int { return cmp.Compare(a.JobID, b.JobID) })
	b.Schedules = schedules(cals, names, now, lim)
	return b
}

func card(j *codecs.Job) BoardJob {
	c := BoardJob{ID: j.ID, Title: j.Title, Trade: j.Trade, Status: j.Status, Appointment: j.Appointment,
		ETA: j.ETA, UpdatedAt: j.UpdatedAt}
	if j.AssignedTradespersonID != nil {
		c.TradespersonID = *j.AssignedTradespersonID
	}
	return c
}

func enRoute(j *codecs.Job, people map[string]*codecs.Tradesperson) BoardEnRoute {
	e := BoardEnRoute{JobID: j.ID, Title: j.Title, Job: j.Location, ETA: j.ETA}
	if j.AssignedTradespersonID != nil {
		e.TradespersonID = *j.AssignedTradespersonID
	}
	if p := people[e.TradespersonID]; p != nil {
		base := p.Base
		e.Name, e.Base = p.Name, &base
	}
	return e
}

// schedules lists the rows of the timeline: each tradesperson's
// appointments that end after now and start within the horizon, with the
// travel between consecutive ones; the busiest rows first.
func schedules(cals []*codecs.Calendar, people map[string]*codecs.Tradesperson, now time.Time, lim boardLimits) []BoardSchedule {
	out := []BoardSchedule{}
	until := now.Add(lim.horizon)
	for _, c := range cals {
		row := BoardSchedule{TradespersonID: c.TradespersonID, Name: c.TradespersonID, Items: []BoardSlot{}}
		if p := people[c.TradespersonID]; p != nil && p.Name != "" {
			row.Name = p.Name
		}
		appts := slices.Clone(c.Appointments)
		slices.SortFunc(appts, func(a, b codecs.CalendarAppointment) int { return a.Start.Compare(b.Start) })
		for i, a := range appts {
			if !a.End.After(now) || !a.Start.Before(until) {
				continue
			}
			row.Items = append(row.Items, BoardSlot{Kind: SlotAppointment, JobID: a.JobID, Start: a.Start, End: a.End})
			if i+1 < len(appts) {
				if d := calendar.Travel(a.Location, appts[i+1].Location); d > 0 {
					row.Items = append(row.Items, BoardSlot{Kind: SlotTravel, JobID: appts[i+1].JobID, Start: a.End, End: a.End.Add(d)})
				}
			}
		}
		if len(row.Items) > 0 {
			out = append(out, row)
		}
	}
	slices.SortFunc(out, func(a, b BoardSchedule) int {
		return cmp.Or(cmp.Compare(len(b.Items), len(a.Items)), cmp.Compare(a.TradespersonID, b.TradespersonID))
	})
	return out[:min(len(out), lim.schedules)]
}
