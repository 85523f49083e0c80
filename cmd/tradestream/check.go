package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/processors/calendar"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/memstore"
)

// errViolations means a check found broken invariants: exit code 1.
var errViolations = errors.New("invariants broken")

// checkCmd runs `tradestream check schedule`: it reads the calendar and jobs
// tables from Kafka and verifies the scheduling invariants (calendar.Check).
func checkCmd(ctx context.Context, sub string, args []string, stdout io.Writer) error {
	if sub != "schedule" {
		return usageErr("unknown check %q (have schedule)", sub)
	}
	f := newFlagSet("check schedule")
	f.common()
	f.cluster()
	strict := f.Bool("strict", false, "also fail when jobs are still in flight (booking, or waiting on booked dependencies)")
	timeout := f.Duration("timeout", time.Minute, "how long reading the tables may take")
	cfg, err := f.parse(args)
	if err != nil {
		return err
	}
	if cfg.Brokers == "" || cfg.Registry == "" {
		return usageErr("check schedule needs --brokers and --registry")
	}
	cat, err := catalog(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	r, err := checkSchedule(ctx, cat, time.Now())
	if err != nil {
		return err
	}
	return printReport(stdout, r, *strict)
}

// checkSchedule reads every calendar and job from Kafka and checks them.
func checkSchedule(ctx context.Context, cat *topology.Catalog, now time.Time) (calendar.Report, error) {
	cals, err := readTable(ctx, cat, cat.Calendars)
	if err != nil {
		return calendar.Report{}, err
	}
	jobs, err := readTable(ctx, cat, cat.Jobs)
	if err != nil {
		return calendar.Report{}, err
	}
	return calendar.Check(cals, jobs, now), nil
}

func printReport(w io.Writer, r calendar.Report, strict bool) error {
	const show = 50
	for i, v := range r.Violations {
		if i == show {
			fmt.Fprintf(w, "... and %d more\n", len(r.Violations)-show)
			break
		}
		fmt.Fprintln(w, v)
	}
	if n := len(r.InFlight); n > 0 {
		fmt.Fprintf(w, "%d jobs in flight (booking, or waiting on booked dependencies), e.g. %s: check again once idle\n", n, r.InFlight[0])
	}
	fmt.Fprintf(w, "checked %d calendars, %d appointments, %d jobs: %d violations\n",
		r.Calendars, r.Appointments, r.Jobs, len(r.Violations))
	switch {
	case len(r.Violations) > 0:
		return fmt.Errorf("check schedule: %d %w", len(r.Violations), errViolations)
	case strict && len(r.InFlight) > 0:
		return fmt.Errorf("check schedule: %d jobs in flight", len(r.InFlight))
	}
	return nil
}

// readTable reads every value of a group table as it is in Kafka now: a
// goka view over in-memory storage (topology/memstore), run until it recovered.
func readTable[T any](ctx context.Context, cat *topology.Catalog, table *topology.Table[T]) ([]T, error) {
	opts := append(cat.Config().ViewOptions(), goka.WithViewStorageBuilder(memstore.Builder()))
	v, err := goka.NewView(cat.Config().Brokers, table.Topic, table.GokaCodec(), opts...)
	if err != nil {
		return nil, fmt.Errorf("view of %s: %w", table.Topic, err)
	}
	ctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	defer func() { stop(); <-done }()
	for !v.Recovered() {
		select {
		case err := <-done:
			done <- err // for the deferred wait
			return nil, fmt.Errorf("view of %s: %w", table.Topic, err)
		case <-ctx.Done():
			return nil, fmt.Errorf("reading %s: %w", table.Topic, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	it, err := v.Iterator()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", table.Topic, err)
	}
	defer it.Release()
	var out []T
	for it.Next() {
		x, err := it.Value()
		if err != nil {
			return nil, fmt.Errorf("reading %s key %s: %w", table.Topic, it.Key(), err)
		}
		if t, ok := x.(*T); ok && t != nil {
			out = append(out, *t)
		}
	}
	return out, nil
}
