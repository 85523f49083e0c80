package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

const deployDir = "../../deploy"

var (
	promStrings  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promMatchers = regexp.MustCompile(`\{[^}]*\}`)
	promRanges   = regexp.MustCompile(`\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promCall     = regexp.MustCompile(`[a-zA-Z_][a-zA-Z0-9_]*\s*\(`)
	promIdent    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	labelValues  = regexp.MustCompile(`label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)`)
)

// promMetrics returns the metric names a PromQL expression reads.
func promMetrics(expr string) []string {
	if m := labelValues.FindStringSubmatch(expr); m != nil {
		return []string{m[1]}
	}
	e := promStrings.ReplaceAllString(expr, "")
	e = promMatchers.ReplaceAllString(e, " ")
	e = promRanges.ReplaceAllString(e, " ")
	e = promGrouping.ReplaceAllString(e, " ")
	e = promCall.ReplaceAllString(e, " ")
	var out []string
	for _, id := range promIdent.FindAllString(e, -1) {
		switch id {
		case "and", "or", "unless", "bool", "offset", "on", "ignoring", "group_left", "group_right":
			continue
		}
		out = append(out, id)
	}
	return out
}

func TestPromMetrics(t *testing.T) {
	cases := map[string][]string{
		`sum by (group) (rate(a_total{instance=~"$instance"}[$__rate_interval]))`:                   {"a_total"},
		`histogram_quantile(0.99, sum by (le, g) (rate(b_bucket{x="y{z}"}[5m])))`:                   {"b_bucket"},
		`sum by (owner) (hwm{i=~"$i"} - off{i=~"$i"})`:                                              {"hwm", "off"},
		`count by (t) (running{i="1"} == 0) or vector(0)`:                                           {"running"},
		`label_values(tradestream_records_processed_total, instance)`:                               {"tradestream_records_processed_total"},
		`sum(rate(x_total[1m])) / ignoring(code) group_left sum without (code) (rate(y_total[1m]))`: {"x_total", "y_total"},
	}
	for expr, want := range cases {
		assert.Equal(t, want, promMetrics(expr), expr)
	}
}

// dashboardExprs returns every query of a Grafana dashboard: the panels'
// targets (rows included) and the templating queries.
func dashboardExprs(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	type panel struct {
		Title   string                  `json:"title"`
		Targets []struct{ Expr string } `json:"targets"`
		Panels  []json.RawMessage       `json:"panels"`
	}
	var d struct {
		UID        string            `json:"uid"`
		Panels     []json.RawMessage `json:"panels"`
		Templating struct {
			List []struct {
				Type  string          `json:"type"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	require.NoError(t, json.Unmarshal(b, &d))
	require.NotEmpty(t, d.UID)
	var exprs []string
	var walk func([]json.RawMessage)
	walk = func(ps []json.RawMessage) {
		for _, raw := range ps {
			var p panel
			require.NoError(t, json.Unmarshal(raw, &p))
			for _, tg := range p.Targets {
				require.NotEmpty(t, tg.Expr, "panel %q has an empty query", p.Title)
				exprs = append(exprs, tg.Expr)
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct{ Query string }
		if json.Unmarshal(v.Query, &q) != nil {
			_ = json.Unmarshal(v.Query, &q.Query) // a plain string query
		}
		exprs = append(exprs, q.Query)
	}
	return exprs
}

// scrapeNames returns the metric names of a Prometheus text exposition.
func scrapeNames(text string) map[string]bool {
	names := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	return names
}

// TestGrafanaDashboardQueriesOnlyLiveMetrics scrapes /metrics of a running
// instance that processed commands, dead-lettered a record and refused a
// request over its rate limit, and checks that every metric the dashboard
// queries is in the scrape: renaming a metric breaks this test, not the
// dashboard silently.
func TestGrafanaDashboardQueriesOnlyLiveMetrics(t *testing.T) {
	exprs := dashboardExprs(t, filepath.Join(deployDir, "grafana/dashboards/tradestream.json"))
	want := map[string]bool{}
	for _, e := range exprs {
		for _, m := range promMetrics(e) {
			want[m] = true
		}
	}
	require.GreaterOrEqual(t, len(want), 10, "the dashboard queries the metrics: %v", want)

	env := newTestEnv(t)
	env.configure = func(c *Config) { c.RateLimit, c.RateBurst = 100, 10 } // acme polls at 50/s
	in := env.start(t, "a", t.TempDir())
	st, _ := in.post(t, "/v1/tenants/acme/jobs", jobBody("m1", 7))
	require.Equal(t, http.StatusAccepted, st)
	st, _ = in.post(t, "/v1/tenants/acme/jobs/m1/status", map[string]any{"status": "completed"}) // refused: a rejection
	require.Equal(t, http.StatusAccepted, st)
	in.waitJob(t, "acme", "m1", func(j *codecs.Job) bool { return j.LastRejection != nil }, "the rejection")
	cat := testCatalog(t, env)
	produceTo(t, env.brokers, string(cat.Commands.Topic), 0, "acme", []byte("garbage"))
	for st != http.StatusTooManyRequests {
		resp, err := http.Get(in.url + "/v1/tenants/flood/jobs/x")
		require.NoError(t, err)
		resp.Body.Close()
		st = resp.StatusCode
	}

	var missing []string
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(in.url + "/metrics")
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		have := scrapeNames(string(b))
		missing = nil
		for m := range want {
			if !have[m] {
				missing = append(missing, m)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "queried by the dashboard, not in /metrics")
}

// TestConnectorConfigsNameCatalogTopics checks the example Kafka Connect
// sinks: every topic they read is a topic of the catalog with an Avro
// schema in the registry, read with the registry's Avro converter.
func TestConnectorConfigsNameCatalogTopics(t *testing.T) {
	cat, err := topology.NewCatalog(topology.Config{Brokers: []string{"unused"}}, codecs.NewMemoryRegistry())
	require.NoError(t, err)
	specs := map[string]topology.Spec{}
	for _, s := range cat.Specs() {
		specs[s.Name] = s
	}
	files, err := filepath.Glob(filepath.Join(deployDir, "connect/*.json"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 2)
	classes := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var c struct {
			Name   string            `json:"name"`
			Config map[string]string `json:"config"`
		}
		require.NoError(t, json.Unmarshal(b, &c), f)
		require.NotEmpty(t, c.Name, f)
		classes[c.Config["connector.class"]] = true
		assert.Equal(t, "io.confluent.connect.avro.AvroConverter", c.Config["value.converter"], f)
		assert.NotEmpty(t, c.Config["value.converter.schema.registry.url"], f)
		assert.Equal(t, "org.apache.kafka.connect.storage.StringConverter", c.Config["key.converter"], f)
		topics := map[string]bool{}
		for _, tp := range strings.Split(c.Config["topics"], ",") {
			s, ok := specs[tp]
			if assert.True(t, ok, "%s: topic %q is not in the catalog", f, tp) {
				assert.NotEmpty(t, s.Schema, "%s: topic %q has no Avro schema", f, tp)
			}
			topics[tp] = true
		}
		for k, v := range c.Config {
			if tp, ok := strings.CutPrefix(k, "topic.override."); ok {
				tp = tp[:strings.LastIndex(tp, ".")]
				assert.True(t, topics[tp], "%s: override of a topic it does not read: %s", f, k)
			}
			if k == "snowflake.topic2table.map" {
				for _, pair := range strings.Split(v, ",") {
					tp, _, _ := strings.Cut(pair, ":")
					assert.True(t, topics[tp], "%s: table map names a topic it does not read: %s", f, tp)
				}
			}
		}
	}
	assert.True(t, classes["com.mongodb.kafka.connect.MongoSinkConnector"])
	assert.True(t, classes["com.snowflake.kafka.connector.SnowflakeSinkConnector"])
}

// TestComposeFileIsConsistent checks docker-compose.yml (it cannot run
// here): the services are there, every file it mounts exists, and
// Prometheus scrapes exactly the workers.
func TestComposeFileIsConsistent(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	require.NoError(t, err)
	var compose struct {
		Services map[string]struct {
			Command []string `yaml:"command"`
			Volumes []string `yaml:"volumes"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(b, &compose))
	var workers []string
	for name, s := range compose.Services {
		if len(s.Command) == 1 && s.Command[0] == "run" {
			workers = append(workers, name+":8080")
		}
		for _, v := range s.Volumes {
			if src, _, ok := strings.Cut(v, ":"); ok && strings.HasPrefix(src, "./") {
				_, err := os.Stat(filepath.Join("../..", src))
				assert.NoError(t, err, "service %s mounts %s", name, src)
			}
		}
	}
	for _, s := range []string{"kafka", "schema-registry", "prometheus", "grafana"} {
		assert.Contains(t, compose.Services, s)
	}
	sort.Strings(workers)
	assert.Equal(t, []string{"worker-1:8080", "worker-2:8080"}, workers)

	b, err = os.ReadFile(filepath.Join(deployDir, "prometheus/prometheus.yml"))
	require.NoError(t, err)
	var prom struct {
		ScrapeConfigs []struct {
			MetricsPath   string `yaml:"metrics_path"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	require.NoError(t, yaml.Unmarshal(b, &prom))
	var targets []string
	for _, sc := range prom.ScrapeConfigs {
		assert.Equal(t, "/metrics", sc.MetricsPath)
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	sort.Strings(targets)
	assert.Equal(t, workers, targets)
}
