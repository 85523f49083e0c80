package window_test

import (
	"fmt"
	"time"

	"github.com/tradestream/tradestream/topology/window"
)

// Count orders per UTC day, with an hour of grace for stragglers. In a Goka
// group the state would come from and go back to the group table (see
// Aggregation); here it is a local variable.
func Example() {
	spec := window.Tumbling(24*time.Hour, time.Hour)
	day := time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC)
	orders := []time.Time{
		day.Add(9 * time.Hour),
		day.Add(23 * time.Hour),
		day.Add(24*time.Hour + 30*time.Minute), // the next day; stream time 00:30
		day.Add(22 * time.Hour),                // out of order, within grace: counted on the 7th
		day.Add(25 * time.Hour),                // 01:00: the 7th closes
		day.Add(21 * time.Hour),                // too late
	}
	var st window.State[int]
	for _, t := range orders {
		var res window.Result[int]
		st, res = window.Add(spec, st, t, func(window.Bounds) int { return 0 }, func(n *int) { *n++ })
		if res.Late {
			fmt.Println("late:", t.Format(time.DateTime))
		}
		for _, p := range res.Closed {
			fmt.Printf("final: %s %d orders\n", p.Start.Format(time.DateOnly), p.Agg)
		}
	}
	fmt.Printf("open: %s %d orders\n", st.Panes[0].Start.Format(time.DateOnly), st.Panes[0].Agg)
	// Output:
	// final: 2030-01-07 3 orders
	// late: 2030-01-07 21:00:00
	// open: 2030-01-08 2 orders
}
