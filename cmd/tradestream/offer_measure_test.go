package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/ingest"
	"github.com/tradestream/tradestream/processors/jobs"
	"github.com/tradestream/tradestream/state"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/memstore"
)

// TestMeasurePostToOfferLatency measures how long a posted job takes to be
// offered: from just before its POST .../jobs to the first record of the
// jobs table that shows it offered_to somebody (what GET .../jobs/{job}
// then shows), with the stages between. One instance runs every group; 4
// tenants have 10 plumbers each around London, all free (bid jobs book
// nobody), so each job is matched to 10, probes the first 5 calendars and
// is offered to 5. Jobs are posted one per request at a fixed total rate,
// each request from its own goroutine at its tick (open loop: a slow
// answer does not delay the next post).
//
// The stages are seen by views of the jobs and notifications tables in the
// test process, built like the instance's own views (same consumer
// config), stamped when the record arrives: no polling. The stamps are as
// late as a fetch of those views can be (the broker answers a waiting fetch
// when a record arrives); the instance's views fetch independently.
//
//   - 202: the POST answered (acks=all);
//   - visible: the job's first record (posted);
//   - candidates: matching's ranked list arrived, the probes go out;
//   - offered: every probed calendar answered, offered_to set;
//   - notified: the job_offer is in the best candidate's notification
//     list (GET .../tradespeople/{id}/notifications).
//
// It asserts that every job was offered and each offered tradesperson got
// its job_offer, nothing about time; without TRADESTREAM_MEASURE=1 it
// skips. It runs on the real broker when TRADESTREAM_IT_BROKERS and
// TRADESTREAM_IT_REGISTRY are set, else on the embedded one.
// TRADESTREAM_MEASURE_OFFER_RATE sets the rate (default 20 jobs/s),
// TRADESTREAM_MEASURE_OFFER_SECONDS how long it posts (default 20).
func TestMeasurePostToOfferLatency(t *testing.T) {
	if os.Getenv("TRADESTREAM_MEASURE") == "" {
		t.Skip("set TRADESTREAM_MEASURE=1 to measure")
	}
	rate, secs := offerEnvFloat(t, "TRADESTREAM_MEASURE_OFFER_RATE", 20), offerEnvFloat(t, "TRADESTREAM_MEASURE_OFFER_SECONDS", 20)
	const tenants, people = 4, 10
	load := machineLoad()
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	cat, err := catalog(env.config(t, "watch", t.TempDir()))
	require.NoError(t, err)
	w := watchOffers(t, cat)

	rng := rand.New(rand.NewPCG(1, 2))
	near := func() map[string]any {
		return map[string]any{"lat": 51.5 + (rng.Float64()-0.5)*0.14, "lon": -0.12 + (rng.Float64()-0.5)*0.22}
	}
	for tn := range tenants {
		for k := range people {
			in.accept(t, "POST", fmt.Sprintf("/v1/tenants/m%d/tradespeople", tn), map[string]any{"id": fmt.Sprint("tp", k),
				"name": fmt.Sprint("tp", k), "trades": []string{"plumber"}, "base": near(), "radius_km": 30})
		}
	}
	// Jobs of each tenant first, until one is offered to five: every group,
	// index and view on the way is up (a job posted before its cell knew
	// anyone waits there and is offered to the next who signs up only).
	for tn := range tenants {
		tenant := fmt.Sprint("m", tn)
		waitTP(t, in, tenant, fmt.Sprint("tp", people-1))
		var j *codecs.Job
		for k := 0; j == nil || len(j.OfferedTo) < jobs.MaxOffers; k++ {
			require.Less(t, k, 20, "a first job of %s offered to %d; last seen %+v", tenant, jobs.MaxOffers, j)
			id := fmt.Sprint("warm", k)
			in.accept(t, "POST", "/v1/tenants/"+tenant+"/jobs", jobBody(id, 7))
			for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
				if j = in.job(t, tenant, id); j != nil && len(j.OfferedTo) > 0 {
					break
				}
			}
		}
	}

	n := int(rate * secs)
	sent, acked := make([]time.Time, n), make([]time.Time, n)
	status := make([]int, n)
	var posts sync.WaitGroup
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	begin := time.Now()
	for i := range n {
		<-tick.C
		body := jobBody(fmt.Sprint("o", i), 7+i%5)
		body["location"] = near()
		posts.Add(1)
		go func() {
			defer posts.Done()
			sent[i] = time.Now()
			status[i], _ = postQuiet(fmt.Sprintf("%s/v1/tenants/m%d/jobs", in.url, i%tenants), body)
			acked[i] = time.Now()
		}()
	}
	tick.Stop()
	posts.Wait()
	sentRate := float64(n) / time.Since(begin).Seconds()
	key := func(i int) string { return ingest.JobKey(fmt.Sprint("m", i%tenants), fmt.Sprint("o", i)) }
	for i := range n {
		require.Equal(t, http.StatusAccepted, status[i], "POST of job %d", i)
	}
	eventually(t, 3*time.Minute, func() bool {
		for i := range n {
			if !w.done(key(i)) {
				return false
			}
		}
		return true
	}, "every job offered and each offered tradesperson's job_offer in its list")

	w.mu.Lock()
	defer w.mu.Unlock()
	stages := []struct {
		name     string
		from, to func(int) (time.Time, bool)
	}{
		{"post → 202", sentAt(sent), sentAt(acked)},
		{"post → visible (posted)", sentAt(sent), w.stamp(w.posted, key)},
		{"post → candidates (probing)", sentAt(sent), w.stamp(w.probing, key)},
		{"post → offered_to", sentAt(sent), w.stamp(w.offered, key)},
		{"post → job_offer listed", sentAt(sent), w.stamp(w.listed, key)},
		{"  visible → candidates (matching hop)", w.stamp(w.posted, key), w.stamp(w.probing, key)},
		{"  candidates → offered_to (probe round trip)", w.stamp(w.probing, key), w.stamp(w.offered, key)},
		{"  offered_to → job_offer listed", w.stamp(w.offered, key), w.stamp(w.listed, key)},
	}
	broker := "embedded kfake"
	if env.real {
		broker = "real broker"
	}
	t.Logf("MEASURE post-to-offer (%s, %d tenants × %d plumbers, target %.0f jobs/s for %.0f s, sent %.1f jobs/s; load before %s, after %s): %d jobs, every one offered",
		broker, tenants, people, rate, secs, sentRate, load, machineLoad(), n)
	for _, s := range stages {
		var ds []time.Duration
		for i := range n {
			from, ok1 := s.from(i)
			to, ok2 := s.to(i)
			if ok1 && ok2 {
				ds = append(ds, to.Sub(from))
			}
		}
		t.Logf("MEASURE   %-44s %s", s.name, offerQuantiles(ds))
	}
}

// offerWatch follows the jobs and notifications tables and stamps when
// each job's stages first show.
type offerWatch struct {
	mu                               sync.Mutex
	posted, probing, offered, listed map[string]time.Time // job key → first seen
	offeredTo                        map[string][]string  // job key → its offered_to
	notes                            map[string]bool      // "<job key> <tradesperson>": its job_offer listed
}

// watchOffers runs the two views until the test ends.
func watchOffers(t *testing.T, cat *topology.Catalog) *offerWatch {
	w := &offerWatch{posted: map[string]time.Time{}, probing: map[string]time.Time{}, offered: map[string]time.Time{},
		listed: map[string]time.Time{}, offeredTo: map[string][]string{}, notes: map[string]bool{}}
	ctx, cancel := context.WithCancel(context.Background())
	var running sync.WaitGroup
	t.Cleanup(func() { cancel(); running.Wait() })
	run := func(v interface {
		Run(context.Context) error
		Recovered() bool
	}) {
		running.Add(1)
		go func() {
			defer running.Done()
			if err := v.Run(ctx); err != nil {
				t.Errorf("view: %v", err)
			}
		}()
		eventually(t, time.Minute, v.Recovered, "the watching view recovered")
	}
	jv, err := state.NewView(cat.Config(), cat.Jobs, goka.WithViewStorageBuilder(memstore.Builder()),
		goka.WithViewCallback(watchCallback(cat.Jobs.GokaCodec(), w.job)))
	require.NoError(t, err)
	run(jv)
	nv, err := state.NewView(cat.Config(), cat.NotificationLists, goka.WithViewStorageBuilder(memstore.Builder()),
		goka.WithViewCallback(watchCallback(cat.NotificationLists.GokaCodec(), w.list)))
	require.NoError(t, err)
	run(nv)
	return w
}

// watchCallback stores each record as goka does and hands its decoded
// value, with the time it arrived, to seen.
func watchCallback[T any](codec goka.Codec, seen func(key string, v *T, at time.Time)) goka.UpdateCallback {
	return func(ctx goka.UpdateContext, s storage.Storage, key string, value []byte) error {
		at := time.Now()
		if err := goka.DefaultUpdate(ctx, s, key, value); err != nil || value == nil {
			return err
		}
		v, err := codec.Decode(value)
		if err != nil {
			return err
		}
		seen(key, v.(*T), at)
		return nil
	}
}

func (w *offerWatch) job(key string, j *codecs.Job, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	first := func(m map[string]time.Time) {
		if _, ok := m[key]; !ok {
			m[key] = at
		}
	}
	first(w.posted)
	if j.MatchProbing {
		first(w.probing)
	}
	if len(j.OfferedTo) > 0 && w.offeredTo[key] == nil {
		first(w.offered)
		w.offeredTo[key] = slices.Clone(j.OfferedTo)
	}
}

// list records the job_offers in a recipient's list ("<tenant>/tradesperson:<id>").
func (w *offerWatch) list(key string, l *codecs.Notifications, at time.Time) {
	tenant, recipient, _ := strings.Cut(key, "/")
	tp, ok := strings.CutPrefix(recipient, "tradesperson:")
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, n := range l.Items {
		if n.Kind != jobs.EffectOffer {
			continue
		}
		job := ingest.JobKey(tenant, n.JobID)
		w.notes[job+" "+tp] = true
		if _, ok := w.listed[job]; !ok {
			w.listed[job] = at
		}
	}
}

// done reports whether the job was offered and every tradesperson offered
// it has its job_offer listed.
func (w *offerWatch) done(key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	to := w.offeredTo[key]
	return len(to) > 0 && !slices.ContainsFunc(to, func(tp string) bool { return !w.notes[key+" "+tp] })
}

// stamp reads stage m of job i (w.mu held).
func (w *offerWatch) stamp(m map[string]time.Time, key func(int) string) func(int) (time.Time, bool) {
	return func(i int) (time.Time, bool) { at, ok := m[key(i)]; return at, ok }
}

// sentAt reads the client-side stamp of job i (zero: none).
func sentAt(ts []time.Time) func(int) (time.Time, bool) {
	return func(i int) (time.Time, bool) { return ts[i], !ts[i].IsZero() }
}

// offerQuantiles formats p50/p90/p99/max of ds.
func offerQuantiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "n 0"
	}
	slices.Sort(ds)
	q := func(p float64) time.Duration {
		return ds[min(len(ds)-1, int(p*float64(len(ds))))].Round(time.Millisecond)
	}
	return fmt.Sprintf("n %d: p50 %s, p90 %s, p99 %s, max %s", len(ds), q(0.5), q(0.9), q(0.99), ds[len(ds)-1].Round(time.Millisecond))
}

// offerEnvFloat reads a float from the environment, def when unset.
func offerEnvFloat(t *testing.T, name string, def float64) float64 {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	f, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err, name)
	return f
}

// machineLoad is the machine's 1, 5 and 15 minute load average.
func machineLoad() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
