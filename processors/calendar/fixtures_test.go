package calendar

import "github.com/tradestream/tradestream/processors/internal/slot/slottest"

// The fixtures, under the short names the tests use.
var (
	at       = slottest.At
	weekdays = slottest.Weekdays
	here     = slottest.Here
	tenKm    = slottest.TenKm
	window   = slottest.Window
)
