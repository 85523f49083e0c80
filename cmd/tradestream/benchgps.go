package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// The GPS workload: gpsTradespeople tradespeople, each en route to one job
// (a track_job command written before the pings, on the same tracking
// inputs topic), each ping gpsStepKm closer to it from gpsStartKm away, down
// to gpsTurnKm, then as far back out, and so on (gpsKm): every ping changes
// the ETA's distance at 0.1 km resolution, so every ping is written as an
// ETA (the tracking group's Visible rule), however many pings a run sends,
// and none comes within the arrival radius.
const (
	gpsTradespeople = 1024
	gpsStartKm      = 120.0
	gpsTurnKm       = 1.0
	gpsStepKm       = 0.2
)

// gpsKm is the distance to the job of a tradesperson's n-th ping: from
// gpsStartKm down to gpsTurnKm and back up, gpsStepKm a ping.
func gpsKm(n int) float64 {
	legs := int(math.Round((gpsStartKm - gpsTurnKm) / gpsStepKm)) // pings from one end to the other
	step := n % (2 * legs)
	if step > legs {
		step = 2*legs - step
	}
	return gpsStartKm - gpsStepKm*float64(step)
}

// gpsJob is tradesperson tp's job: 51.5°N, 0.12°W; the pings come from
// the north.
var gpsJob = codecs.GeoPoint{Lat: 51.5, Lon: -0.12}

// gpsKeys names tradesperson tp (0 ≤ tp < gpsTradespeople).
func gpsKeys(tp int) (tenant, person, job string) {
	tenant = fmt.Sprintf("tenant-%d", tp%benchTenants)
	return tenant, fmt.Sprintf("tp-%d", tp), fmt.Sprintf("job-%d", tp)
}

// gpsFeed makes the pings of a run: ping i is tradesperson i mod
// gpsTradespeople's (i / gpsTradespeople)-th, at a time strictly after its
// previous one.
type gpsFeed struct {
	input  string
	codec  *codecs.Avro[codecs.TrackingInput]
	lastAt []int64
}

func (g *gpsFeed) ping(i int, now time.Time) (key, value []byte, id string) {
	tp, n := i%gpsTradespeople, i/gpsTradespeople
	tenant, person, job := gpsKeys(tp)
	at := max(now.UnixMilli(), g.lastAt[tp]+1)
	g.lastAt[tp] = at
	km := gpsKm(n)
	p := &codecs.LocationPing{TenantID: tenant, TradespersonID: person, Lat: gpsJob.Lat + km/111.2, Lon: gpsJob.Lon,
		At: time.UnixMilli(at).UTC()}
	v, err := g.codec.Encode(&codecs.TrackingInput{Ping: p})
	if err != nil {
		panic(fmt.Sprintf("bench: encoding a ping: %v", err)) // the registry is gone: nothing to measure
	}
	return []byte(tenant + "/" + person), v, fmt.Sprintf("%s-%s-%d", codecs.KindETAUpdate, job, at)
}

// gpsSetup creates the run's topics and writes every tradesperson's
// track_job command.
func gpsSetup(ctx context.Context, b *benchConfig, prefix string) (*topology.Catalog, *Config, *gpsFeed, error) {
	cat, cfg, err := benchCatalog(ctx, b, prefix)
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := newBenchProducer(strings.Split(b.Brokers, ","))
	if err != nil {
		return nil, nil, nil, err
	}
	defer p.Close()
	since := time.Now().UTC().Add(-time.Minute).Truncate(time.Millisecond)
	for tp := range gpsTradespeople {
		tenant, person, job := gpsKeys(tp)
		v, err := cat.TrackingInputs.Avro.Encode(&codecs.TrackingInput{Command: &codecs.TrackingCommand{CommandID: "bench-track-" + job,
			TenantID: tenant, TradespersonID: person, Kind: codecs.KindTrackJob, JobID: job, Location: gpsJob, At: since}})
		if err != nil {
			return nil, nil, nil, err
		}
		p.send(string(cat.TrackingInputs.Topic), []byte(tenant+"/"+person), v)
	}
	if err := p.flush(); err != nil {
		return nil, nil, nil, err
	}
	return cat, cfg, &gpsFeed{input: string(cat.TrackingInputs.Topic), codec: cat.TrackingInputs.Avro, lastAt: make([]int64, gpsTradespeople)}, nil
}

// gpsRun is the plumbing shared by (a) and (e): pings in, eta_update job
// commands out (recognised by their command id, the first field).
func gpsRun(cat *topology.Catalog, feed *gpsFeed) *workloadRun {
	return &workloadRun{
		input: string(cat.TrackingInputs.Topic), output: string(cat.JobCommands.Topic),
		record:   feed.ping,
		outputID: etaCommandID,
		prime:    feed.prime,
		lastIDs: func(from, to int) []string {
			var ids []string
			for i := max(from, to-gpsTradespeople); i < to; i++ {
				tp := i % gpsTradespeople
				_, _, job := gpsKeys(tp)
				ids = append(ids, fmt.Sprintf("%s-%s-%d", codecs.KindETAUpdate, job, feed.lastAt[tp]))
			}
			return ids
		},
	}
}

// prime sends one ping per tradesperson, again for those without an ETA
// after a while, until every tradesperson has had one: the join's table
// holds every job. (The track_job commands precede the pings on the same
// log, so one round is expected; the rounds guard against a lost record.)
func (g *gpsFeed) prime(ctx context.Context, p *benchProducer, w *outputWatcher) (int, error) {
	missing := make([]int, gpsTradespeople)
	for tp := range missing {
		missing[tp] = tp
	}
	for round := 0; ; round++ {
		if round == 50 {
			return 0, fmt.Errorf("bench: %d tradespeople without an ETA after %d rounds", len(missing), round)
		}
		ids := make(map[string]int, len(missing))
		for _, tp := range missing {
			k, v, id := g.ping(round*gpsTradespeople+tp, time.Now())
			p.send(g.input, k, v)
			ids[id] = tp
		}
		if err := p.flush(); err != nil {
			return 0, err
		}
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := w.waitFor(rctx, "primed", func(seen map[string]time.Time) bool {
			for id := range ids {
				if _, ok := seen[id]; !ok {
					return false
				}
			}
			return true
		})
		cancel()
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if err == nil {
			return (round + 1) * gpsTradespeople, nil
		}
		missing = missing[:0]
		w.mu.Lock()
		for id, tp := range ids {
			if _, ok := w.seen[id]; !ok {
				missing = append(missing, tp)
			}
		}
		w.mu.Unlock()
		slices.Sort(missing)
	}
}

// gokaGPSWorkload is (a): the tracking group, as `tradestream run` runs it.
func gokaGPSWorkload(ctx context.Context, b *benchConfig, prefix string) (*workloadRun, error) {
	cat, cfg, feed, err := gpsSetup(ctx, b, prefix)
	if err != nil {
		return nil, err
	}
	r := gpsRun(cat, feed)
	r.worker = runWorker(b, cfg, "tracking")
	return r, nil
}

// jarIsStale reports whether jar is missing or older than a file of the
// comparator's sources (pom.xml and src/): a jar built from older sources
// would start the old app.
func jarIsStale(jar, dir string) (bool, error) {
	built, err := os.Stat(jar)
	if err != nil {
		return true, nil
	}
	stale := false
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path == filepath.Join(dir, "target") {
			return filepath.SkipDir
		}
		if info, err := d.Info(); err == nil && !d.IsDir() && info.ModTime().After(built.ModTime()) {
			stale = true
			return filepath.SkipAll
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("bench: reading the comparator's sources: %w", err)
	}
	return stale, nil
}

// streamsGPSWorkload is (e): the same join in Kafka Streams (bench/streams),
// reading and writing the same topics.
func streamsGPSWorkload(ctx context.Context, b *benchConfig, prefix string) (*workloadRun, error) {
	jar := filepath.Join(b.StreamsDir, "target", "bench-streams-0.jar")
	if stale, err := jarIsStale(jar, b.StreamsDir); err != nil {
		return nil, err
	} else if stale {
		fmt.Fprintf(b.Progress, "bench: building %s (mvn)\n", b.StreamsDir)
		out, err := exec.CommandContext(ctx, "mvn", "-B", "-q", "-f", filepath.Join(b.StreamsDir, "pom.xml"), "package",
			"dependency:copy-dependencies", "-DoutputDirectory=target/lib", "-DskipTests").CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("bench: building the Kafka Streams comparator: %w\n%s", err, out)
		}
	}
	cat, _, feed, err := gpsSetup(ctx, b, prefix)
	if err != nil {
		return nil, err
	}
	// The comparator writes with the id the command schema has on the
	// output topic, as the goka group's codec does.
	probe, err := cat.JobCommands.Avro.Encode(&codecs.Command{})
	if err != nil {
		return nil, err
	}
	schemas := filepath.Join(b.WorkDir, "schemas")
	if err := writeSchemas(schemas); err != nil {
		return nil, err
	}
	r := gpsRun(cat, feed)
	r.worker = exec.Command("java", "-Xmx512m", "-cp", jar+string(os.PathListSeparator)+filepath.Join(b.StreamsDir, "target", "lib", "*"),
		"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "tradestream.bench.EtaApp",
		b.Brokers, prefix+"streams", r.input, r.output,
		filepath.Join(b.WorkDir, prefix+"streams-state"), schemas,
		fmt.Sprint(binary.BigEndian.Uint32(probe[1:5])), "2")
	return r, nil
}

// writeSchemas writes the embedded Avro schemas to dir as <name>.avsc.
func writeSchemas(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, n := range codecs.SchemaNames() {
		text, err := codecs.SchemaText(n)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, n+".avsc"), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// etaCommandID returns the command id of an eta_update job command: the
// first field of the Avro body (a zig-zag varint length, then the bytes),
// after the 5-byte wire header.
func etaCommandID(_, value []byte) (string, bool) {
	if len(value) < 6 || value[0] != 0 {
		return "", false
	}
	n, k := binary.Varint(value[5:])
	if k <= 0 || n < 0 || n > math.MaxInt32 || 5+k+int(n) > len(value) {
		return "", false
	}
	id := string(value[5+k : 5+k+int(n)])
	return id, strings.HasPrefix(id, codecs.KindETAUpdate+"-")
}
