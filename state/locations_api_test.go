package state

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

type pingRecorder struct {
	mu    sync.Mutex
	pings []*codecs.LocationPing
	fail  error
}

func (r *pingRecorder) EmitLocations(_ context.Context, pings []*codecs.LocationPing) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.pings = append(r.pings, pings...)
	return nil
}

func pingsJSON(n int) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"tradesperson_id":"tp%d","lat":51.5,"lon":-0.1,"at":"2026-12-01T08:00:%02d+01:00"}`, i%3, i%60)
	}
	return b.String() + "]"
}

func TestPostLocationsEmitsEveryPingThenAnswers202(t *testing.T) {
	pr := &pingRecorder{}
	s, rec := newTestServer(mapView{}, Options{Locations: pr})
	w := do(s, "POST", "/v1/tenants/acme/locations",
		`[{"tradesperson_id":"tp1","lat":51.5,"lon":-0.1,"at":"2026-12-01T09:00:00.1234+01:00","speed_kmh":32.5},
		  {"tradesperson_id":"tp2","lat":-33.9,"lon":151.2,"at":"2026-12-01T08:00:01Z"}]`)
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), `"accepted_at"`)
	require.Len(t, pr.pings, 2)
	speed := 32.5
	assert.Equal(t, &codecs.LocationPing{TenantID: "acme", TradespersonID: "tp1", Lat: 51.5, Lon: -0.1,
		At: time.Date(2026, 12, 1, 8, 0, 0, 123_000_000, time.UTC), SpeedKmh: &speed}, pr.pings[0])
	assert.Nil(t, pr.pings[1].SpeedKmh)
	assert.Empty(t, rec.cmds, "pings do not go through the commands topic")

	w = do(s, "POST", "/v1/tenants/acme/locations", pingsJSON(MaxLocationBatch))
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	assert.Len(t, pr.pings, 2+MaxLocationBatch)
}

func TestBadLocationBatchesAre400AndEmitNothing(t *testing.T) {
	pr := &pingRecorder{}
	s, _ := newTestServer(mapView{}, Options{Locations: pr})
	one := func(fields string) string { return `[{` + fields + `}]` }
	cases := []struct{ name, body, want string }{
		{"empty array", `[]`, "non-empty array"},
		{"not an array", `{"tradesperson_id":"tp1"}`, "expected"},
		{"too many", pingsJSON(MaxLocationBatch + 1), "at most 1000 locations"},
		{"lat 91", one(`"tradesperson_id":"tp1","lat":91,"lon":0,"at":"2026-12-01T08:00:00Z"`), "[0].lat must be within ±90"},
		{"lon -181", one(`"tradesperson_id":"tp1","lat":0,"lon":-181,"at":"2026-12-01T08:00:00Z"`), "[0].lon must be within ±180"},
		{"missing lon", one(`"tradesperson_id":"tp1","lat":0,"at":"2026-12-01T08:00:00Z"`), "[0] needs lat and lon"},
		{"missing at", one(`"tradesperson_id":"tp1","lat":0,"lon":0`), "[0].at is required"},
		{"bad at", one(`"tradesperson_id":"tp1","lat":0,"lon":0,"at":"yesterday"`), "malformed JSON"},
		{"bad tradesperson", one(`"tradesperson_id":"tp/1","lat":0,"lon":0,"at":"2026-12-01T08:00:00Z"`), "[0].tradesperson_id must match"},
		{"negative speed", one(`"tradesperson_id":"tp1","lat":0,"lon":0,"at":"2026-12-01T08:00:00Z","speed_kmh":-3`), "[0].speed_kmh"},
		{"the second is bad", `[{"tradesperson_id":"tp1","lat":0,"lon":0,"at":"2026-12-01T08:00:00Z"},{"tradesperson_id":"tp1","lat":99,"lon":0,"at":"2026-12-01T08:00:00Z"}]`, "[1].lat"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := do(s, "POST", "/v1/tenants/acme/locations", tc.body)
			assert.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), tc.want)
		})
	}
	assert.Empty(t, pr.pings)
}

func TestLocationsKafkaFailureIs503(t *testing.T) {
	pr := &pingRecorder{fail: errors.New("broker down")}
	s, _ := newTestServer(mapView{}, Options{Locations: pr})
	assert.Equal(t, http.StatusServiceUnavailable, do(s, "POST", "/v1/tenants/acme/locations", pingsJSON(3)).Code)
	s.Drain()
	assert.Equal(t, http.StatusServiceUnavailable, do(s, "POST", "/v1/tenants/acme/locations", pingsJSON(3)).Code)
}
