package goka

import (
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
