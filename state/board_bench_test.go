package state

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// BenchmarkBoardOfATenant measures what one dashboard snapshot costs the
// server beyond iterating LevelDB: decoding every job of the tenant from
// Avro (as View.Scan does), folding them into the board and encoding it as
// JSON. Boards are computed at most twice a second per tenant.
func BenchmarkBoardOfATenant(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			text, err := codecs.SchemaText("job")
			require.NoError(b, err)
			codec, err := codecs.NewAvro[codecs.Job](codecs.NewMemoryRegistry(), "bench-job-value", text)
			require.NoError(b, err)
			encoded := make([][]byte, n)
			tp := "tp-1"
			for i := range encoded {
				j := boardJob(fmt.Sprintf("job-%d", i), BoardStatuses[i%len(BoardStatuses)], time.Duration(i)*time.Second)
				j.AssignedTradespersonID = &tp
				j.StatusHistory = []codecs.StatusChange{{Status: codecs.StatusPosted, At: boardNow}, {Status: j.Status, At: boardNow}}
				encoded[i], err = codec.Marshal(j)
				require.NoError(b, err)
			}
			lim := boardLimits{perColumn: 30, schedules: 25, horizon: 72 * time.Hour}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				jobs := make([]*codecs.Job, 0, n)
				for _, e := range encoded {
					j, err := codec.Unmarshal(e)
					if err != nil {
						b.Fatal(err)
					}
					jobs = append(jobs, j)
				}
				board := buildBoard(jobs, nil, nil, boardNow, lim)
				if _, err := json.Marshal(board); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
