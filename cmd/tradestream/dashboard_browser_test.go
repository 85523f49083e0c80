package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// chromium finds a headless-capable Chromium: TRADESTREAM_CHROMIUM, or
// chromium / chromium-browser / google-chrome on the PATH. Without one the
// test is skipped, except in CI (CI=true), where that is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TRADESTREAM_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found (CI=true): install Debian's chromium (.ci/run does) or set TRADESTREAM_CHROMIUM")
	}
	t.Skip("no Chromium found: install Debian's chromium or set TRADESTREAM_CHROMIUM to run the browser tests")
	return ""
}

// artifactsDir is where browser tests leave screenshots:
// TRADESTREAM_ARTIFACTS, or tradestream-artifacts in the temp directory.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("TRADESTREAM_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "tradestream-artifacts")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// browser is one headless Chromium tab driven by a test.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func newBrowser(t *testing.T, width, height int) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.WindowSize(width, height))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser; it lives as long as ctx.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))))
	return &browser{t: t, ctx: ctx}
}

// do runs actions, each within a minute.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	require.NoError(b.t, chromedp.Do(ctx, actions...))
}

// eval evaluates a JavaScript expression.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(b.t, err, expr)
	return v
}

// wait waits until the JavaScript expression is true.
func (b *browser) wait(expr, what string) {
	b.t.Helper()
	eventually(b.t, 90*time.Second, func() bool { return eval[bool](b, "!!("+expr+")") }, "page: %s (%s)", what, expr)
}

// screenshot saves the whole page as a PNG and logs its path.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(b.t, err)
	path := filepath.Join(artifactsDir(b.t), name)
	require.NoError(b.t, os.WriteFile(path, png, 0o644))
	b.t.Logf("screenshot: %s", path)
	return path
}

// authed sends a request with a bearer key and decodes the JSON answer.
func authed(t *testing.T, in *instance, key, method, path string, body any) (int, map[string]any) {
	t.Helper()
	return in.send(t, method, path, body, "Authorization", "Bearer "+key)
}

// bookJob registers a tradesperson of a trade the simulator never uses and
// posts auto jobs for them until one is booked (the first may reach
// matching before the profile does).
func bookJob(t *testing.T, in *instance, tenant, key string) string {
	t.Helper()
	base := "/v1/tenants/" + tenant
	st, out := authed(t, in, key, "POST", base+"/tradespeople", map[string]any{"id": "dash-tp", "name": "Dana Roofer",
		"trades": []string{"roofer"}, "base": map[string]any{"lat": 51.46, "lon": -0.2}, "radius_km": 30})
	require.Equal(t, http.StatusAccepted, st, out)
	for try := 0; try < 20; try++ {
		id := fmt.Sprintf("dash-job-%d", try)
		body := jobBody(id, 7)
		body["trade"], body["mode"], body["title"] = "roofer", "auto", "Fix the roof"
		st, out := authed(t, in, key, "POST", base+"/jobs", body)
		require.Equal(t, http.StatusAccepted, st, out)
		var status string
		eventually(t, 30*time.Second, func() bool {
			st, j := authed(t, in, key, "GET", base+"/jobs/"+id, nil)
			status, _ = j["status"].(string)
			return st == http.StatusOK && (status == codecs.StatusBooked || status == codecs.StatusNeedsAttention)
		}, "job %s booked or needing attention", id)
		if status == codecs.StatusBooked {
			return id
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("no auto job got booked")
	return ""
}

// produceGarbage writes a record that is not Avro to the commands topic
// under tenant's key: ingest dead-letters it with that key.
func produceGarbage(t *testing.T, env *testEnv, tenant string) {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	p, err := sarama.NewSyncProducer(strings.Split(env.brokers, ","), cfg)
	require.NoError(t, err)
	defer p.Close()
	_, _, err = p.SendMessage(&sarama.ProducerMessage{Topic: env.prefix + string(topology.CommandsTopic),
		Key: sarama.StringEncoder(tenant), Value: sarama.ByteEncoder("not a command")})
	require.NoError(t, err)
}

// TestDashboardInABrowserShowsTheSimulatedMarketplaceLive runs an instance
// with API keys and the simulator (as `tradestream demo --simulate` does),
// opens the dashboard in headless Chromium, signs in with a wrong key, a key
// of another tenant and the right key, watches the counters move, follows a
// job with the keyboard while it goes en route, its ETA falls with pings and
// it arrives, sees a dead letter, saves screenshots, and checks the page at
// phone width.
func TestDashboardInABrowserShowsTheSimulatedMarketplaceLive(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an instance and a browser")
	}
	b := newBrowser(t, 1280, 800)
	env := newTestEnv(t)
	keys := filepath.Join(t.TempDir(), "keys.json")
	keysJSON, _ := json.Marshal([]map[string]string{{"key": "key-t1", "tenant": "tenant-1", "role": "admin"},
		{"key": "key-other", "tenant": "other", "role": "service"}})
	require.NoError(t, os.WriteFile(keys, keysJSON, 0o600))
	cfg := env.config(t, "dash", t.TempDir())
	cfg.APIKeys, cfg.Simulate, cfg.Mix, cfg.Tenants, cfg.Tradespeople, cfg.Seed = keys, 10, mixMarketplace, 1, 12, 7
	in := env.startConfig(t, cfg, nil)
	job := bookJob(t, in, "tenant-1", "key-t1")

	// The page is public. The key field has the focus (the tenant came in
	// the URL); Tab goes on to the button, Shift+Tab back past the tenant
	// to the skip link.
	b.do(chromedp.Navigate(in.url+"/?tenant=tenant-1"), chromedp.WaitVisible(chromedp.ID("login-form")))
	require.Equal(t, "apikey", eval[string](b, `document.activeElement.id`))
	b.do(chromedp.KeyEvent(kb.Tab))
	require.Equal(t, "open-board", eval[string](b, `document.activeElement.id`))
	shiftTab := chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
	b.do(shiftTab, shiftTab, shiftTab)
	require.Equal(t, "skip", eval[string](b, `document.activeElement.className`))

	signIn := func(key string) {
		b.do(chromedp.SetValue(chromedp.ID("tenant"), "tenant-1"), chromedp.SetValue(chromedp.ID("apikey"), key),
			chromedp.Click(chromedp.ID("open-board")))
	}
	signIn("wrong-key")
	b.wait(`document.getElementById("login-error").textContent.includes("401")`, "a wrong key is refused")
	signIn("key-other")
	b.wait(`document.getElementById("login-error").textContent.includes("403")`, "another tenant's key is refused")
	signIn("key-t1")
	b.wait(`document.getElementById("conn").textContent === "Live"`, "the stream is live")
	require.Equal(t, "key-t1", eval[string](b, `sessionStorage.getItem("tradestream.key")`))

	// Counters move while the simulator plays.
	b.wait(`Number(document.getElementById("counter-jobs").textContent) > 0`, "jobs counted")
	first := eval[string](b, `document.getElementById("counter-jobs").textContent`)
	b.wait(`Number(document.getElementById("counter-jobs").textContent) > `+first, "the job counter moves")
	b.wait(`Number(document.getElementById("counter-commands").textContent) > 0`, "a command rate")

	// Live updates pause from the keyboard (WCAG 2.2.2): the page keeps
	// receiving snapshots but leaves the counters alone until resumed.
	b.do(chromedp.Focus(chromedp.ID("pause")), chromedp.KeyEvent(kb.Enter))
	require.Equal(t, "true", eval[string](b, `document.getElementById("pause").getAttribute("aria-pressed")`))
	shown := eval[string](b, `document.getElementById("counter-jobs").textContent`)
	b.wait(`tradestream.board.counters.jobs > `+shown, "a newer snapshot while paused")
	require.Equal(t, shown, eval[string](b, `document.getElementById("counter-jobs").textContent`), "paused")
	b.do(chromedp.KeyEvent(kb.Enter))
	b.wait(`Number(document.getElementById("counter-jobs").textContent) > `+shown, "resumed")
	b.wait(`document.querySelectorAll("#timeline rect.appt").length > 0`, "appointments on the timeline")

	// Follow the booked job by id, keyboard only, and watch it go en route
	// and its ETA fall as pings come in. (Its card may already have left the
	// booked column's newest 30: the simulator books jobs all the time.)
	b.do(chromedp.Focus(chromedp.ID("find-id")), chromedp.KeyEvent(job), chromedp.KeyEvent(kb.Enter))
	b.wait(`document.getElementById("job-dialog").open`, "the job dialog opens on Enter")
	b.wait(`document.getElementById("job-status").dataset.status === "booked"`, "the dialog shows booked")
	require.Equal(t, "job-close", eval[string](b, `document.activeElement.id`), "focus moves into the dialog")
	jobPath := "/v1/tenants/tenant-1/jobs/" + job
	start := time.Now().UTC().Add(-30 * time.Minute).Truncate(time.Second)
	at := func(minutes int) time.Time { return start.Add(time.Duration(minutes) * time.Minute) }
	st, out := authed(t, in, "key-t1", "POST", jobPath+"/status", map[string]any{"status": "en_route", "at": start})
	require.Equal(t, http.StatusAccepted, st, out)
	b.wait(`document.getElementById("job-status").dataset.status === "en_route"`, "the dialog follows the job to en_route")
	pingAt := func(km float64, when time.Time) {
		t.Helper()
		st, out := authed(t, in, "key-t1", "POST", "/v1/tenants/tenant-1/locations", []map[string]any{pingJSON("dash-tp", km, when)})
		require.Equal(t, http.StatusAccepted, st, out)
	}
	ping := func(km float64, minute int) { t.Helper(); pingAt(km, at(minute)) }
	// The tracking group hears of en_route on its own topic: pings before
	// that are ignored, so a first ping is sent again, a second later each
	// time (the same ping again would be a duplicate), until an ETA shows.
	tries := 0
	eventually(t, 60*time.Second, func() bool {
		tries++
		pingAt(6, at(1).Add(time.Duration(tries)*time.Second))
		_, j := authed(t, in, "key-t1", "GET", jobPath, nil)
		return j["eta"] != nil
	}, "a first ETA")
	b.wait(`document.getElementById("job-eta").dataset.minutes !== ""`, "the dialog shows the ETA")
	firstETA := eval[string](b, `document.getElementById("job-eta").dataset.minutes`)
	ping(2, 8)
	b.wait(`Number(document.getElementById("job-eta").dataset.minutes) < `+firstETA, "the ETA falls as the truck nears")
	b.screenshot("dashboard-job-1280.png")
	b.do(chromedp.KeyEvent(kb.Escape))
	b.wait(`!document.getElementById("job-dialog").open`, "Escape closes the dialog")
	b.wait(`document.activeElement.id === "find-id"`, "focus returns to the form")

	// The en-route column and the map show it, the map with the truck's
	// last position; its card opens the dialog from the keyboard too.
	card := fmt.Sprintf(`document.querySelector('.col[data-status="en_route"] [data-job-id="%s"]')`, job)
	b.wait(card, "the job's card in the en-route column")
	b.wait(`document.querySelector('#map [data-job-id="`+job+`"] .truck')`, "the truck on the map")
	b.wait(`Number(document.getElementById("counter-pings").textContent) > 0`, "a ping rate")
	b.do(chromedp.Evaluate[chromedp.Void](card+`.focus()`), chromedp.KeyEvent(kb.Enter))
	b.wait(`document.getElementById("job-dialog").open && document.getElementById("job-status").dataset.status === "en_route"`,
		"the card opens the job")
	b.do(chromedp.KeyEvent(kb.Escape))
	b.wait(`!document.getElementById("job-dialog").open && document.activeElement.dataset.jobId === "`+job+`"`,
		"focus returns to the job's card")
	b.screenshot("dashboard-1280.png")

	// Within 150 m of the job it is on site: the board moves its card.
	ping(0.05, 10)
	b.wait(fmt.Sprintf(`document.querySelector('.col[data-status="on_site"] [data-job-id="%s"]')`, job), "the card moves to on site")

	// A record of the tenant that no processor can decode shows among the
	// recent dead letters.
	produceGarbage(t, env, "tenant-1")
	b.wait(`document.querySelector("#deadletters tbody tr")`, "a dead letter listed")
	require.Contains(t, eval[string](b, `document.getElementById("deadletters").textContent`), "tradestream.commands")

	// The insights chart draws the contract's payload (the feed itself
	// arrives with the insights work).
	b.do(chromedp.Evaluate[chromedp.Void](`tradestream.renderInsights({days: [
		{date: "2030-01-06", jobs_posted: 4, jobs_completed: 2, jobs_cancelled: 1, on_time_rate: 0.5, avg_rating: 4.5, revenue_minor: 12000, final: true},
		{date: "2030-01-07", jobs_posted: 6, jobs_completed: 3, jobs_cancelled: 0, on_time_rate: 1, avg_rating: 5, revenue_minor: 30000, final: false}]})`))
	require.Equal(t, 6, eval[int](b, `document.querySelectorAll("#insights svg rect").length`), "three bars a day")
	require.Contains(t, eval[string](b, `document.getElementById("insights").textContent`), "300.00")

	// Phone width: nothing overflows sideways.
	b.do(chromedp.EmulateViewport(390, 844))
	b.wait(`window.innerWidth === 390`, "the phone viewport")
	b.wait(`document.documentElement.scrollWidth <= window.innerWidth`, "no horizontal overflow at 390px")
	b.screenshot("dashboard-390.png")
}
