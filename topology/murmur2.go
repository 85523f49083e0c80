package topology

import "hash"

// Murmur2 returns a hasher that makes Goka place keys on the partition the
// Kafka Java client's default partitioner chooses: Goka computes
// abs(int32(Sum32())) % n, and Sum32 here is murmur2(key) & 0x7fffffff, which
// is exactly Kafka's toPositive(murmur2(key)) % n. Use it in every processor,
// view and emitter so our topics co-partition with Kafka Streams, ksqlDB,
// Debezium and kcat -X partitioner=murmur2_random.
func Murmur2() hash.Hash32 { return &murmur2{} }

type murmur2 struct{ buf []byte }

func (m *murmur2) Write(p []byte) (int, error) { m.buf = append(m.buf, p...); return len(p), nil }
func (m *murmur2) Sum(b []byte) []byte {
	s := m.Sum32()
	return append(b, byte(s>>24), byte(s>>16), byte(s>>8), byte(s))
}
func (m *murmur2) Reset()         { m.buf = m.buf[:0] }
func (m *murmur2) Size() int      { return 4 }
func (m *murmur2) BlockSize() int { return 4 }
func (m *murmur2) Sum32() uint32  { return uint32(Murmur2Hash(m.buf)) & 0x7fffffff }

// Murmur2Hash is Kafka's org.apache.kafka.common.utils.Utils.murmur2.
func Murmur2Hash(data []byte) int32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	n := len(data)
	h := seed ^ uint32(n)
	for i := 0; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := data[n&^3:]
	switch len(tail) {
	case 3:
		h ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(tail[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

// Partition returns the partition Kafka's default partitioner picks for key.
func Partition(key string, partitions int32) int32 {
	return int32(uint32(Murmur2Hash([]byte(key)))&0x7fffffff) % partitions
}
