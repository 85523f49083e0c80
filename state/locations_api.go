package state

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// MaxLocationBatch is the most pings one POST .../locations may carry.
const MaxLocationBatch = 1000

// LocationEmitter writes pings to the tracking inputs, keyed
// "<tenant>/<tradesperson>", and returns once Kafka acknowledged every one
// of them (acks=all).
type LocationEmitter interface {
	EmitLocations(ctx context.Context, pings []*codecs.LocationPing) error
}

type locationJSON struct {
	TradespersonID string     `json:"tradesperson_id"`
	Lat            *float64   `json:"lat"`
	Lon            *float64   `json:"lon"`
	At             *time.Time `json:"at"`
	SpeedKmh       *float64   `json:"speed_kmh"`
}

// validateLocations checks a batch's shape and returns its pings.
func validateLocations(tenant string, batch []locationJSON) ([]*codecs.LocationPing, error) {
	switch {
	case len(batch) == 0:
		return nil, errBadRequest("the body must be a non-empty array of locations")
	case len(batch) > MaxLocationBatch:
		return nil, errBadRequest(fmt.Sprintf("at most %d locations per request, got %d", MaxLocationBatch, len(batch)))
	}
	pings := make([]*codecs.LocationPing, len(batch))
	for i, l := range batch {
		var c checker
		at := fmt.Sprintf("[%d].", i)
		c.id(at+"tradesperson_id", l.TradespersonID)
		c.point(at[:len(at)-1], &pointJSON{Lat: l.Lat, Lon: l.Lon})
		switch {
		case l.At == nil:
			c.fail("%sat is required (RFC 3339)", at)
		case l.At.Unix() <= 0:
			c.fail("%sat must be after 1970", at)
		}
		if s := l.SpeedKmh; s != nil && (*s < 0 || *s > 1000 || math.IsNaN(*s)) {
			c.fail("%sspeed_kmh must be between 0 and 1000", at)
		}
		if c.err != nil {
			return nil, c.err
		}
		pings[i] = &codecs.LocationPing{TenantID: tenant, TradespersonID: l.TradespersonID, Lat: *l.Lat, Lon: *l.Lon,
			At: l.At.UTC().Truncate(time.Millisecond), SpeedKmh: l.SpeedKmh}
	}
	return pings, nil
}

// postLocations accepts a batch of pings: 400 for a shape error, 202 once
// Kafka acknowledged every ping. The pings go straight to the tracking
// group's input, not through the tenant-ordered commands topic: they are
// ordered by their own time, per tradesperson.
func (s *Server) postLocations(w http.ResponseWriter, r *http.Request) {
	if s.opts.Locations == nil {
		writeError(w, errUnavailable)
		return
	}
	var batch []locationJSON
	s.write(w, r, &batch, func(tenant, key string) (accepted, func(context.Context) error, error) {
		pings, err := validateLocations(tenant, batch)
		if err != nil {
			return accepted{}, nil, err
		}
		id := commandID(tenant, key)
		return accepted{ID: id, CommandID: id, AcceptedAt: s.opts.Now().UTC().Truncate(time.Millisecond)},
			func(ctx context.Context) error {
				if err := s.opts.Locations.EmitLocations(ctx, pings); err != nil {
					return fmt.Errorf("a batch of %d pings: %w", len(pings), err)
				}
				return nil
			}, nil
	})
}
