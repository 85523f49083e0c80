package main

import (
	"context"
	"strconv"
	"time"

	"github.com/lovoo/goka"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// gokaCollector exports what goka knows about an instance's processors and
// views at scrape time: consumer lag per input partition and the recovery
// progress of every table partition.
type gokaCollector struct {
	app *app

	lag, tableOffset, tableHwm, tableRunning *prometheus.Desc
}

func newGokaCollector(a *app) *gokaCollector {
	return &gokaCollector{app: a,
		lag: prometheus.NewDesc("tradestream_consumer_lag_records",
			"Records between a group's position and the end of an input partition.", []string{"group", "topic", "partition"}, nil),
		tableOffset: prometheus.NewDesc("tradestream_table_recovered_offset",
			"Last offset of a table partition recovered or applied locally.", []string{"owner", "table", "partition"}, nil),
		tableHwm: prometheus.NewDesc("tradestream_table_high_water_mark",
			"Next offset to be written to a table partition.", []string{"owner", "table", "partition"}, nil),
		tableRunning: prometheus.NewDesc("tradestream_table_running",
			"1 when a table partition recovered and runs, 0 while it recovers.", []string{"owner", "table", "partition"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *gokaCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lag
	ch <- c.tableOffset
	ch <- c.tableHwm
	ch <- c.tableRunning
}

// Collect implements prometheus.Collector.
func (c *gokaCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for i, p := range c.app.procs {
		group := c.app.procNames[i]
		stats := p.StatsWithContext(ctx)
		if stats == nil {
			continue
		}
		for part, pps := range stats.Group {
			ps := strconv.Itoa(int(part))
			for topic, in := range pps.Input {
				ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, float64(in.OffsetLag), group, topic, ps)
			}
			if pps.TableStats != nil {
				c.table(ch, group, "group table", ps, pps.TableStats)
			}
		}
	}
	for _, v := range c.app.views {
		if v.stats == nil {
			continue
		}
		if vs := v.stats(ctx); vs != nil {
			for part, ts := range vs.Partitions {
				c.table(ch, "view", v.name, strconv.Itoa(int(part)), ts)
			}
		}
	}
}

func (c *gokaCollector) table(ch chan<- prometheus.Metric, owner, table, part string, ts *goka.TableStats) {
	running := 0.0
	if ts.Status == goka.PartitionRunning {
		running = 1
	}
	ch <- prometheus.MustNewConstMetric(c.tableRunning, prometheus.GaugeValue, running, owner, table, part)
	if ts.Recovery != nil {
		ch <- prometheus.MustNewConstMetric(c.tableOffset, prometheus.GaugeValue, float64(ts.Recovery.Offset), owner, table, part)
		ch <- prometheus.MustNewConstMetric(c.tableHwm, prometheus.GaugeValue, float64(ts.Recovery.Hwm), owner, table, part)
	}
}

// registerMetrics adds the goka, Go runtime and process collectors to the
// catalog's registry, which the API serves on /metrics.
func registerMetrics(a *app) {
	a.cat.Metrics.Registry.MustRegister(newGokaCollector(a), collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}
