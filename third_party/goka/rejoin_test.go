package goka

import (
	"context"
	"errors"
	"testing"
	"time"
)

// tradestream patch: see rebalanceLoop.
func TestRejoinBackoff(t *testing.T) {
	for _, tc := range []struct {
		last, session, want time.Duration
	}{
		{0, time.Minute, 0},
		{3 * time.Second, maxRejoinBackoff, 0},
		{0, time.Millisecond, minRejoinBackoff},
		{minRejoinBackoff, time.Millisecond, 2 * minRejoinBackoff},
		{4 * time.Second, time.Second, maxRejoinBackoff},
		{maxRejoinBackoff, time.Second, maxRejoinBackoff},
	} {
		if got := rejoinBackoff(tc.last, tc.session); got != tc.want {
			t.Errorf("rejoinBackoff(%s, %s) = %s, want %s", tc.last, tc.session, got, tc.want)
		}
	}
}

// tradestream patch: a processor stopped after a session that lasted (no
// backoff) stops cleanly instead of rejoining with its cancelled context,
// which made Consume fail with context.Canceled in about half the stops.
func TestAStoppedProcessorDoesNotRejoin(t *testing.T) {
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	for range 1000 {
		if waitToRejoin(stopped, 0) || waitToRejoin(stopped, time.Hour) {
			t.Fatal("waitToRejoin rejoined with a cancelled context")
		}
	}
	if !waitToRejoin(context.Background(), 0) || !waitToRejoin(context.Background(), time.Millisecond) {
		t.Fatal("waitToRejoin did not rejoin a running processor")
	}

	if stop, err := sessionEnded(stopped, context.Canceled); !stop || err != nil {
		t.Fatalf("sessionEnded(stopped, Canceled) = %v, %v; want a clean stop", stop, err)
	}
	boom := errors.New("boom")
	if stop, err := sessionEnded(context.Background(), boom); !stop || !errors.Is(err, boom) {
		t.Fatalf("sessionEnded(running, boom) = %v, %v; want a stop with boom", stop, err)
	}
	if stop, err := sessionEnded(context.Background(), nil); stop || err != nil {
		t.Fatalf("sessionEnded(running, nil) = %v, %v; want to rejoin", stop, err)
	}
}
