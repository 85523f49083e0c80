package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTheMarketplaceSimulatorDrivesEveryFlow runs the marketplace mix
// against an instance and checks that its traffic reaches the views:
// tradespeople, bids priced with the promo, accepted quotes.
func TestTheMarketplaceSimulatorDrivesEveryFlow(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	sim := newSimulator(in.app.emitter, 7, 1, 400, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, sim.setMix(mixMarketplace, 12))
	for range 400 { // a fixed number of commands: the rate does not matter here
		tenant, cmd := sim.marketCommand(time.Now().UTC())
		require.NoError(t, in.app.emitter.Emit(context.Background(), tenant, cmd))
		sim.Sent++
	}

	waitTP(t, in, "tenant-1", "tp-12")
	accepted := sim.market.accepted["tenant-1"]
	require.NotEmpty(t, accepted, "the simulator accepted bids")
	var booked, withBids int
	eventually(t, 20*time.Second, func() bool {
		booked, withBids = 0, 0
		for _, a := range accepted {
			if j := in.job(t, "tenant-1", a.job); j != nil {
				if len(j.Bids) > 0 {
					withBids++
				}
				if j.Quote != nil {
					booked++
				}
			}
		}
		return booked > 0
	}, "an accepted quote")
	assert.Positive(t, withBids)
	t.Logf("%d commands; %d of %d accepted jobs have a frozen quote", sim.Sent, booked, len(accepted))
}
