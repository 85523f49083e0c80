package topology

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Vectors from Kafka's UtilsTest.testMurmur2.
func TestMurmur2MatchesKafka(t *testing.T) {
	cases := map[string]int32{
		"21":                         -973932308,
		"foobar":                     -790332482,
		"a-little-bit-long-string":   -985981536,
		"a-little-bit-longer-string": -1486304829,
		"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
	}
	for in, want := range cases {
		assert.Equal(t, want, Murmur2Hash([]byte(in)), in)
	}
}

func TestGokaPartitionEqualsKafkaPartition(t *testing.T) {
	for _, key := range []string{"acme", "tenant-7", "acme/j-1", "", "x"} {
		h := Murmur2()
		_, _ = h.Write([]byte(key))
		s := int32(h.Sum32())
		if s < 0 {
			s = -s
		}
		assert.Equal(t, Partition(key, 12), s%12, key)
	}
}
