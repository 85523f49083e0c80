package main

import (
	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/state"
	"github.com/tradestream/tradestream/topology"
)

// dashboardSources are the dashboard's feeds on this instance: the views
// it scans, a tail of the dead-letter topic (run with the views, never
// holding readiness back) and the metrics registry for rates and lag.
func (a *app) dashboardSources(jobs *state.View[codecs.Job], people *state.View[codecs.Tradesperson],
	cals *state.View[codecs.Calendar]) *state.DashboardSources {
	tail := state.NewDeadLetterTail(a.cat, 1000, a.log.With("component", "dashboard"))
	a.views = append(a.views, viewRunner{name: "dead-letter tail", Run: tail.Run, ok: func() bool { return true }})
	prefix := a.cat.Config().Prefix
	return &state.DashboardSources{Jobs: jobs, Tradespeople: people, Calendars: cals, DeadLetters: tail,
		Metrics: a.cat.Metrics.Registry,
		Rates: []state.RateSource{
			{Name: "commands_per_second", Group: prefix + string(topology.IngestGroup), Topic: string(a.cat.Commands.Topic)},
			// The tracking inputs are pings but for a track_job and an
			// untrack_job per job.
			{Name: "pings_per_second", Group: prefix + string(topology.TrackingGroup), Topic: string(a.cat.TrackingInputs.Topic)},
		}}
}
