package calendar

import (
	"time"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/internal/slot"
)

// Travel is the travel time the engine leaves between appointments at a and
// b (slot.Travel), for readers outside the processors such as the
// dashboard's timeline.
func Travel(a, b codecs.GeoPoint) time.Duration { return slot.Travel(a, b) }
