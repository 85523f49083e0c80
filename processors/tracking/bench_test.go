package tracking

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/lovoo/goka"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

// benchPings is a stream of pings of n tradespeople, each en route to a
// job and driving toward it (1 km to 20 km away, never arriving), one ping
// every 10 s each, interleaved as they would arrive.
func benchPings(n, per int) []*codecs.LocationPing {
	out := make([]*codecs.LocationPing, 0, n*per)
	for i := range per {
		for tp := range n {
			p := north(home, 20-19*float64(i)/float64(per)+float64(tp%7)*0.01)
			out = append(out, &codecs.LocationPing{TenantID: "acme", TradespersonID: fmt.Sprintf("tp%d", tp),
				Lat: p.Lat, Lon: p.Lon, At: t0.Add(time.Duration(i) * 10 * time.Second)})
		}
	}
	return out
}

// BenchmarkPingJoin measures what the tracking group does per ping, on one
// core, without Kafka: "pure" is the join alone (ApplyPing on a state kept
// in memory), with the default distance step and a coarser one; "codecs" adds the Avro work of the handler: decode the ping
// and the tradesperson's state, encode the new state, and write the
// eta_update when the ETA changed visibly (from its parts, as the group
// does: codecs.ETAUpdates). It runs with the plain Avro
// codec as the table's (cache=off), with the catalog's cache (cache=on, as
// the group runs), and with a cache too small for the 1,000 tradespeople
// (cache=256: every read misses, the cache's own cost).
func BenchmarkPingJoin(b *testing.B) {
	const tradespeople, per = 1000, 200
	pings := benchPings(tradespeople, per)
	states := func() map[string]*codecs.TrackingState {
		m := map[string]*codecs.TrackingState{}
		for tp := range tradespeople {
			cmd := &codecs.TrackingCommand{Kind: codecs.KindTrackJob, JobID: fmt.Sprintf("j%d", tp), Location: home, At: t0}
			m["acme/"+fmt.Sprintf("tp%d", tp)] = ApplyCommand(nil, cmd)
		}
		return m
	}
	for _, step := range []float64{0.1, 0.5} {
		c := cfg
		c.DistanceStepKm = step
		b.Run(fmt.Sprintf("pure/step=%.1fkm", step), func(b *testing.B) {
			st := states()
			effects := 0
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i > 0 && i%len(pings) == 0 {
					st = states() // the stream starts over: fresh states
				}
				p := pings[i%len(pings)]
				i++
				key := p.TenantID + "/" + p.TradespersonID
				r := ApplyPing(st[key], key, p, c, t0.Add(time.Hour))
				if r.State != nil {
					st[key] = r.State
				}
				effects += len(r.Effects)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pings/s")
			b.ReportMetric(float64(effects)/float64(b.N), "job-writes/ping")
		})
	}
	b.Run("codecs", func(b *testing.B) {
		cat := topologytest.Catalog(b)
		for _, c := range []struct {
			name  string
			codec goka.Codec
		}{
			{"cache=off", cat.Tracking.Codec},
			{"cache=on", cat.Tracking.GokaCodec()},
			{"cache=256", codecs.NewCached(cat.Tracking.Codec, 256, codecs.PrimeOnEncode[codecs.TrackingState]())},
		} {
			b.Run(c.name, func(b *testing.B) { benchJoinCodecs(b, cat, c.codec, pings, states) })
		}
	})
}

// benchJoinCodecs is the "codecs" case of BenchmarkPingJoin with stateCodec
// as the tracking table's codec (the catalog's, with its cache, or the
// plain Avro codec), and reports the share of state reads it served.
func benchJoinCodecs(b *testing.B, cat *topology.Catalog, stateCodec goka.Codec, pings []*codecs.LocationPing,
	states func() map[string]*codecs.TrackingState) {
	inputCodec, cmdCodec := cat.TrackingInputs.Avro, cat.JobCommands.Avro
	etas, err := codecs.NewETAUpdates(cmdCodec)
	if err != nil {
		b.Fatal(err)
	}
	raw := make([][]byte, len(pings))
	for i, p := range pings {
		if raw[i], err = inputCodec.Encode(&codecs.TrackingInput{Ping: p}); err != nil {
			b.Fatal(err)
		}
	}
	encodeStates := func() map[string][]byte {
		m := map[string][]byte{}
		for k, s := range states() {
			data, err := stateCodec.Encode(s)
			if err != nil {
				b.Fatal(err)
			}
			m[k] = data
		}
		return m
	}
	st := encodeStates()
	cache, _ := stateCodec.(*codecs.Cached)
	var before codecs.CacheStats
	if cache != nil {
		before = cache.Stats()
	}
	effects := 0
	b.ReportAllocs()
	cpu := processCPU(b)
	i := 0
	for b.Loop() {
		if i > 0 && i%len(pings) == 0 {
			st = encodeStates()
		}
		v, err := inputCodec.Decode(raw[i%len(pings)])
		i++
		if err != nil {
			b.Fatal(err)
		}
		p := v.(*codecs.TrackingInput).Ping
		key := p.TenantID + "/" + p.TradespersonID
		cur, err := stateCodec.Decode(st[key])
		if err != nil {
			b.Fatal(err)
		}
		r := ApplyPing(cur.(*codecs.TrackingState), key, p, cfg, t0.Add(time.Hour))
		if r.State != nil {
			if st[key], err = stateCodec.Encode(r.State); err != nil {
				b.Fatal(err)
			}
		}
		for _, e := range r.Effects { // as the group writes them (processor.ping)
			if e.Kind == codecs.KindETAUpdate {
				_, _, err = etas.MarshalKeyed(p.TenantID, e.JobID, e.PingAt, e.ETA)
			} else {
				_, err = cmdCodec.Encode(JobCommand(p.TenantID, e))
			}
			if err != nil {
				b.Fatal(err)
			}
			effects++
		}
	}
	b.ReportMetric(float64((processCPU(b)-cpu).Nanoseconds())/float64(b.N), "cpu-ns/ping")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pings/s")
	b.ReportMetric(float64(effects)/float64(b.N), "job-writes/ping")
	if cache != nil {
		s := cache.Stats()
		b.ReportMetric(float64(s.Hits-before.Hits)/float64(b.N), "hits/read")
	}
}

// BenchmarkPingCodecs splits the Avro work of one ping: the ping's decode,
// the state's decode and encode (a tradesperson in steady state: en route,
// a full outbox), and the eta_update's encode; and a state's write and read
// back, without the table's cache and through it.
func BenchmarkPingCodecs(b *testing.B) {
	cat := topologytest.Catalog(b)
	st := ApplyCommand(nil, &codecs.TrackingCommand{Kind: codecs.KindTrackJob, JobID: "j1", Location: home, At: t0})
	var eff []codecs.TrackingEffect
	for _, p := range benchPings(1, 40) {
		r := ApplyPing(st, "acme/tp0", p, cfg, t0.Add(time.Hour))
		st, eff = r.State, r.Effects
	}
	ping, _ := cat.TrackingInputs.Avro.Encode(&codecs.TrackingInput{Ping: benchPings(1, 1)[0]})
	state, _ := cat.Tracking.Codec.Encode(st)
	cmd := JobCommand("acme", eff[0])
	cmdBytes, _ := cat.JobCommands.Avro.Encode(cmd)
	b.Logf("ping %d B, state %d B (outbox %d), eta_update %d B", len(ping), len(state), len(st.Outbox), len(cmdBytes))
	run := func(name string, f func() error) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := f(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("ping-decode", func() error { _, err := cat.TrackingInputs.Avro.Decode(ping); return err })
	run("state-decode", func() error { _, err := cat.Tracking.Codec.Decode(state); return err })
	run("state-encode", func() error { _, err := cat.Tracking.Codec.Encode(st); return err })
	// A ping's write and its tradesperson's next read, without the cache
	// and through it (the read is a hit).
	writeRead := func(c goka.Codec) func() error {
		return func() error {
			data, err := c.Encode(st)
			if err == nil {
				_, err = c.Decode(data)
			}
			return err
		}
	}
	run("state-encode-decode", writeRead(cat.Tracking.Codec))
	run("state-encode-decode-cached", writeRead(cat.Tracking.GokaCodec()))
	run("eta-command-encode", func() error { _, err := cat.JobCommands.Avro.Encode(cmd); return err })
	etas, err := codecs.NewETAUpdates(cat.JobCommands.Avro)
	if err != nil {
		b.Fatal(err)
	}
	run("eta-update-write", func() error {
		_, err := etas.Marshal("acme", eff[0].JobID, eff[0].PingAt, eff[0].ETA)
		return err
	})
}

// processCPU is the CPU time the process used so far (user and system, the
// garbage collector's included): per ping it is steadier than ns/op on a
// machine other work shares, which stretches wall time, not CPU time.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
