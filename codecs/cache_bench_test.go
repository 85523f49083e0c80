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
