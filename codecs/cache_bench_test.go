package codecs

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkCachedHitsInParallel is partitions reading through one cache at
// once, every read a hit (a hash, a lock, a comparison of 250 bytes), with
// one shard and with the 16 of a cache of 16,384, to see what sharding the
// lock buys: go test -run XXX -bench CachedHitsInParallel -cpu 1,2 ./codecs
func BenchmarkCachedHitsInParallel(b *testing.B) {
	inner := newStateCodec(b, NewMemoryRegistry())
	records := make([][]byte, 1024)
	for i := range records {
		st := sampleState()
		st.Samples = int64(i)
		var err error
		if records[i], err = inner.Encode(st); err != nil {
			b.Fatal(err)
		}
	}
	for _, shards := range []int{1, 16} {
		b.Run(fmt.Sprintf("shards=%d", shards), func(b *testing.B) {
			c := newCached(inner, 16384, shards)
			for _, r := range records {
				if _, err := c.Decode(r); err != nil {
					b.Fatal(err)
				}
			}
			var next atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(7919))
				for pb.Next() {
					if _, err := c.Decode(records[i%len(records)]); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
			if s := c.Stats(); s.Misses != int64(len(records)) {
				b.Fatalf("%d misses, want only the %d first reads", s.Misses, len(records))
			}
		})
	}
}

// BenchmarkPrimedKeysInTurn is n tradespeople pinging in turn through a
// primed cache of 16,384 (each ping reads its key's state and writes the
// next), and reports the share of reads the cache served: how many keys
// the size serves. go test -run XXX -bench PrimedKeysInTurn -benchtime 200000x ./codecs
func BenchmarkPrimedKeysInTurn(b *testing.B) {
	inner := newStateCodec(b, NewMemoryRegistry())
	for _, n := range []int{1024, 15000, 16000, 17000} {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			c := NewCached(inner, 16384, PrimeOnEncode[TrackingState]())
			stored := make([][]byte, n)
			for k := range stored {
				st := sampleState()
				st.Samples = int64(k)
				var err error
				if stored[k], err = c.Encode(st); err != nil {
					b.Fatal(err)
				}
			}
			before := c.Stats()
			i := 0
			for b.Loop() {
				k := i % n
				i++
				v, err := c.Decode(stored[k])
				if err != nil {
					b.Fatal(err)
				}
				next := *v.(*TrackingState)
				next.SpeedKmh++
				if stored[k], err = c.Encode(&next); err != nil {
					b.Fatal(err)
				}
			}
			s := c.Stats()
			b.ReportMetric(float64(s.Hits-before.Hits)/float64(b.N), "hits/read")
		})
	}
}
