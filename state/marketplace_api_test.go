package state

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

func TestMarketplaceCommandsAreValidated(t *testing.T) {
	s, rec := newTestServer(mapView{}, Options{})
	cases := []struct {
		path, body string
		status     int
	}{
		{"/v1/tenants/acme/tradespeople", `{"id":"tp1","name":"Ana","trades":["Plumber"],"base":{"lat":51.5,"lon":-0.1},"radius_km":25}`, 202},
		{"/v1/tenants/acme/tradespeople", `{"id":"tp1","name":"Ana","trades":["plumber"],"base":{"lat":51.5,"lon":-0.1}}`, 400},
		{"/v1/tenants/acme/tradespeople", `{"name":"Ana","trades":["plumber"],"base":{"lat":51.5,"lon":-0.1},"radius_km":5,"working_hours":[{"weekday":7,"start":"08:00","end":"17:00"}]}`, 400},
		{"/v1/tenants/acme/jobs/j1/bids", `{"id":"b1","tradesperson_id":"tp1","currency":"GBP","lines":[{"description":"labour","kind":"labor","amount_minor":10000}]}`, 202},
		{"/v1/tenants/acme/jobs/j1/bids", `{"id":"b1","tradesperson_id":"tp1","currency":"GBP","lines":[{"kind":"labor","amount_minor":-1}]}`, 400},
		{"/v1/tenants/acme/jobs/j1/bids", `{"id":"b1","tradesperson_id":"tp1","currency":"GBP","lines":[{"kind":"labor","amount_minor":1.5}]}`, 400},
		{"/v1/tenants/acme/jobs/j1/bids", `{"id":"b1","tradesperson_id":"tp1","currency":"gbp","lines":[{"kind":"labor","amount_minor":1}]}`, 400},
		{"/v1/tenants/acme/jobs/j1/accept", `{"bid_id":"b1"}`, 202},
		{"/v1/tenants/acme/jobs/j1/accept", `{}`, 400},
		{"/v1/tenants/acme/promos", `{"code":"SPRING","percent_off":10,"valid_from":"2030-01-01T00:00:00Z","valid_to":"2030-02-01T00:00:00Z"}`, 202},
		{"/v1/tenants/acme/promos", `{"code":"SPRING","percent_off":10,"amount_off_minor":5,"valid_from":"2030-01-01T00:00:00Z","valid_to":"2030-02-01T00:00:00Z"}`, 400},
		{"/v1/tenants/acme/promos", `{"code":"SPRING","percent_off":101,"valid_from":"2030-01-01T00:00:00Z","valid_to":"2030-02-01T00:00:00Z"}`, 400},
		{"/v1/tenants/acme/jobs/j1/payments", `{"payment_id":"p1","event":"captured","amount_minor":5000,"currency":"GBP"}`, 202},
		{"/v1/tenants/acme/jobs/j1/payments", `{"payment_id":"p1","event":"stolen","amount_minor":5000,"currency":"GBP"}`, 400},
		{"/v1/tenants/acme/jobs/j1/payments", `{"payment_id":"p1","event":"captured","amount_minor":0,"currency":"GBP"}`, 400},
	}
	for _, tc := range cases {
		w := do(s, "POST", tc.path, tc.body)
		assert.Equal(t, tc.status, w.Code, "%s %s: %s", tc.path, tc.body, w.Body.String())
	}
	assert.Equal(t, http.StatusAccepted, do(s, "PUT", "/v1/tenants/acme/pricing", `{"tax_bps":2000,"platform_fee_bps":1000}`).Code)
	assert.Equal(t, http.StatusBadRequest, do(s, "PUT", "/v1/tenants/acme/pricing", `{"tax_bps":20000}`).Code)
	require.Len(t, rec.cmds, 6)
	assert.Equal(t, []string{"plumber"}, rec.cmds[0].UpsertTradesperson.Trades, "trades are normalised")
	assert.Equal(t, "tp1", rec.cmds[0].TradespersonID)
	assert.Equal(t, "j1", rec.cmds[1].JobID)
	assert.Equal(t, codecs.KindSetPricing, rec.cmds[5].Kind)
}

type tpView map[string]*codecs.Tradesperson

func (m tpView) Get(key string) (*codecs.Tradesperson, error) { return m[key], nil }

func TestGetTradespersonHasProfileRatingAndSchedule(t *testing.T) {
	rec := &recorder{}
	s := NewServer(rec, Views{Jobs: mapView{}, Tradespeople: tpView{"acme/tp1": {ID: "tp1", Name: "Ana", Trades: []string{"plumber"}}}}, Options{})
	w := do(s, "GET", "/v1/tenants/acme/tradespeople/tp1", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), `"rating":{"count":0,"average":0,"bayesian":4,"distribution":[0,0,0,0,0]}`)
	assert.Contains(t, w.Body.String(), `"schedule":[]`)
	assert.Equal(t, http.StatusNotFound, do(s, "GET", "/v1/tenants/acme/payments/p1", "").Code)
}
