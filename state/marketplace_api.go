package state

import (
	"net/http"
	"strings"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

type workingHoursJSON struct {
	Weekday *int   `json:"weekday"`
	Start   string `json:"start"`
	End     string `json:"end"`
}

type tradespersonRequest struct {
	ID           string             `json:"id"`
	Name         string             `json:"name"`
	Trades       []string           `json:"trades"`
	Base         *pointJSON         `json:"base"`
	RadiusKm     *float64           `json:"radius_km"`
	WorkingHours []workingHoursJSON `json:"working_hours"`
	Active       *bool              `json:"active"`
}

func (r *tradespersonRequest) validate() error {
	var c checker
	c.optionalID("id", r.ID)
	c.text("name", r.Name, true, 200)
	if len(r.Trades) == 0 || len(r.Trades) > 20 {
		c.fail("trades needs 1 to 20 trades")
	}
	for _, t := range r.Trades {
		c.text("trades[]", t, true, 64)
	}
	c.point("base", r.Base)
	if r.RadiusKm == nil || *r.RadiusKm <= 0 || *r.RadiusKm > 500 {
		c.fail("radius_km must be above 0 and at most 500")
	}
	if len(r.WorkingHours) > 50 {
		c.fail("working_hours has more than 50 intervals")
	}
	for _, w := range r.WorkingHours {
		start, errS := time.Parse("15:04", w.Start)
		end, errE := time.Parse("15:04", w.End)
		switch {
		case w.Weekday == nil || *w.Weekday < 0 || *w.Weekday > 6:
			c.fail("working_hours[].weekday must be 0 (Sunday) to 6")
		case errS != nil || errE != nil:
			c.fail(`working_hours[] start and end must be "HH:MM" (UTC)`)
		case !end.After(start):
			c.fail("working_hours[] end must be after start")
		}
	}
	return c.err
}

func (s *Server) postTradesperson(w http.ResponseWriter, r *http.Request) {
	var req tradespersonRequest
	s.command(w, r, &req, func(cmd *codecs.Command) (string, error) {
		if err := req.validate(); err != nil {
			return "", err
		}
		if req.ID == "" {
			req.ID = cmd.CommandID
		}
		u := &codecs.UpsertTradesperson{Name: req.Name, Trades: normalizeTrades(req.Trades), Base: req.Base.wire(),
			RadiusKm: *req.RadiusKm, Active: req.Active == nil || *req.Active}
		for _, h := range req.WorkingHours {
			u.WorkingHours = append(u.WorkingHours, codecs.WorkingHours{Weekday: int32(*h.Weekday), Start: h.Start, End: h.End})
		}
		cmd.Kind, cmd.TradespersonID, cmd.UpsertTradesperson = codecs.KindUpsertTradesperson, req.ID, u
		return req.ID, nil
	})
}

func normalizeTrades(ts []string) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, strings.ToLower(strings.TrimSpace(t)))
	}
	return out
}

type lineJSON struct {
	Description string `json:"description"`
	Kind        string `json:"kind"`
	AmountMinor *int64 `json:"amount_minor"`
}

type bidRequest struct {
	ID             string     `json:"id"`
	TradespersonID string     `json:"tradesperson_id"`
	Currency       string     `json:"currency"`
	Lines          []lineJSON `json:"lines"`
}

func (s *Server) postBid(w http.ResponseWriter, r *http.Request) {
	var req bidRequest
	s.jobCommand(w, r, &req, func(cmd *codecs.Command) error {
		var c checker
		c.optionalID("id", req.ID)
		c.id("tradesperson_id", req.TradespersonID)
		c.currency("currency", req.Currency)
		if len(req.Lines) == 0 || len(req.Lines) > 100 {
			c.fail("lines needs 1 to 100 lines")
		}
		b := &codecs.SubmitBid{BidID: req.ID, TradespersonID: req.TradespersonID, Currency: req.Currency}
		for _, l := range req.Lines {
			c.text("lines[].description", l.Description, false, 500)
			switch {
			case l.Kind != "labor" && l.Kind != "materials":
				c.fail(`lines[].kind must be "labor" or "materials"`)
			case l.AmountMinor == nil || *l.AmountMinor < 0:
				c.fail("lines[].amount_minor must be a non-negative integer")
			case *l.AmountMinor > 1e13:
				c.fail("lines[].amount_minor is too large")
			default:
				b.Lines = append(b.Lines, codecs.QuoteLine{Description: l.Description, Kind: l.Kind, AmountMinor: *l.AmountMinor})
			}
		}
		if b.BidID == "" {
			b.BidID = cmd.CommandID
		}
		cmd.Kind, cmd.SubmitBid = codecs.KindSubmitBid, b
		return c.err
	})
}

type acceptRequest struct {
	BidID string `json:"bid_id"`
}

func (s *Server) acceptBid(w http.ResponseWriter, r *http.Request) {
	var req acceptRequest
	s.jobCommand(w, r, &req, func(cmd *codecs.Command) error {
		var c checker
		c.id("bid_id", req.BidID)
		cmd.Kind, cmd.AcceptBid = codecs.KindAcceptBid, &codecs.AcceptBid{BidID: req.BidID}
		return c.err
	})
}

type promoRequest struct {
	Code           string     `json:"code"`
	PercentOff     *int32     `json:"percent_off"`
	AmountOffMinor *int64     `json:"amount_off_minor"`
	ValidFrom      *time.Time `json:"valid_from"`
	ValidTo        *time.Time `json:"valid_to"`
	MaxRedemptions *int32     `json:"max_redemptions"`
	Active         *bool      `json:"active"`
}

func (s *Server) postPromo(w http.ResponseWriter, r *http.Request) {
	var req promoRequest
	s.command(w, r, &req, func(cmd *codecs.Command) (string, error) {
		var c checker
		c.id("code", req.Code)
		switch {
		case (req.PercentOff == nil) == (req.AmountOffMinor == nil):
			c.fail("give exactly one of percent_off and amount_off_minor")
		case req.PercentOff != nil && (*req.PercentOff < 1 || *req.PercentOff > 100):
			c.fail("percent_off must be between 1 and 100")
		case req.AmountOffMinor != nil && *req.AmountOffMinor <= 0:
			c.fail("amount_off_minor must be positive")
		case req.ValidFrom == nil || req.ValidTo == nil || !req.ValidTo.After(*req.ValidFrom):
			c.fail("valid_from and valid_to are required, valid_to after valid_from")
		case req.MaxRedemptions != nil && *req.MaxRedemptions < 1:
			c.fail("max_redemptions must be at least 1")
		}
		if c.err != nil {
			return "", c.err
		}
		cmd.Kind, cmd.PromoCode = codecs.KindUpsertPromo, req.Code
		cmd.UpsertPromo = &codecs.UpsertPromo{Code: req.Code, PercentOff: req.PercentOff, AmountOffMinor: req.AmountOffMinor,
			ValidFrom: req.ValidFrom.UTC(), ValidTo: req.ValidTo.UTC(), MaxRedemptions: req.MaxRedemptions,
			Active: req.Active == nil || *req.Active}
		return req.Code, nil
	})
}

type pricingRequest struct {
	TaxBps         *int32 `json:"tax_bps"`
	PlatformFeeBps *int32 `json:"platform_fee_bps"`
}

func (s *Server) putPricing(w http.ResponseWriter, r *http.Request) {
	var req pricingRequest
	s.command(w, r, &req, func(cmd *codecs.Command) (string, error) {
		tax, fee := int32(0), int32(1500)
		if req.TaxBps != nil {
			tax = *req.TaxBps
		}
		if req.PlatformFeeBps != nil {
			fee = *req.PlatformFeeBps
		}
		if tax < 0 || tax > 10000 || fee < 0 || fee > 10000 {
			return "", errBadRequest("tax_bps and platform_fee_bps must be between 0 and 10000")
		}
		cmd.Kind, cmd.SetPricing = codecs.KindSetPricing, &codecs.SetPricing{TaxBps: tax, PlatformFeeBps: fee}
		return cmd.TenantID, nil
	})
}

type paymentRequest struct {
	PaymentID   string `json:"payment_id"`
	Event       string `json:"event"`
	AmountMinor *int64 `json:"amount_minor"`
	Currency    string `json:"currency"`
}

func (s *Server) postPayment(w http.ResponseWriter, r *http.Request) {
	var req paymentRequest
	s.jobCommand(w, r, &req, func(cmd *codecs.Command) error {
		var c checker
		c.id("payment_id", req.PaymentID)
		switch req.Event {
		case codecs.PaymentAuthorized, codecs.PaymentCaptured, codecs.PaymentRefunded, codecs.PaymentSettled:
		default:
			c.fail(`event must be "authorized", "captured", "refunded" or "settled"`)
		}
		if req.AmountMinor == nil || *req.AmountMinor <= 0 {
			c.fail("amount_minor must be a positive integer")
		}
		c.currency("currency", req.Currency)
		if c.err != nil {
			return c.err
		}
		cmd.Kind, cmd.PaymentID = codecs.KindPaymentEvent, req.PaymentID
		cmd.PaymentEvent = &codecs.PaymentEvent{PaymentID: req.PaymentID, Event: req.Event, AmountMinor: *req.AmountMinor, Currency: req.Currency}
		return nil
	})
}

// tradespersonView is GET .../tradespeople/{id}: the profile, its rating and
// its upcoming appointments.
type tradespersonView struct {
	*codecs.Tradesperson
	Rating   codecs.Rating   `json:"rating"`
	Schedule []scheduleEntry `json:"schedule"`
	Stats    workStats       `json:"stats"`
}

// ratingView is r as the API shows it: a tradesperson without ratings has
// the prior as Bayesian rating, and the distribution always has five counts.
func ratingView(r codecs.Rating) codecs.Rating {
	if r.Count == 0 {
		r.Bayesian = codecs.RatingPrior
	}
	if len(r.Distribution) != codecs.MaxStars {
		r.Distribution = make([]int64, codecs.MaxStars)
	}
	return r
}

type scheduleEntry struct {
	JobID string    `json:"job_id"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

func (s *Server) getTradesperson(w http.ResponseWriter, r *http.Request) {
	getEntity(s, w, r, s.views.Tradespeople, "id", func(tp *codecs.Tradesperson) any {
		tenant := r.PathValue("tenant")
		return tradespersonView{Tradesperson: tp, Rating: ratingView(tp.Rating), Schedule: s.schedule(tenant, tp.ID),
			Stats: WorkStatsOf(s.opts.Now(), tp, s.appointments(tenant, tp.ID))}
	})
}

// schedule is a tradesperson's appointments that have not ended yet, in
// order; empty when the calendar view has none or cannot be read.
func (s *Server) schedule(tenant, id string) []scheduleEntry {
	out := []scheduleEntry{}
	now := s.opts.Now()
	for _, a := range s.appointments(tenant, id) { // ordered by start
		if a.End.After(now) {
			out = append(out, scheduleEntry{JobID: a.JobID, Start: a.Start, End: a.End})
		}
	}
	return out
}

// appointments are a tradesperson's booked appointments as the calendar
// view has them; none when it cannot be read.
func (s *Server) appointments(tenant, id string) []codecs.CalendarAppointment {
	if s.views.Calendars == nil {
		return nil
	}
	cal, err := s.views.Calendars.Get(tenant + "/" + id)
	if err != nil {
		s.log.Error("reading calendar", "tenant", tenant, "id", id, "err", err)
		return nil
	}
	if cal == nil {
		return nil
	}
	return cal.Appointments
}

func (s *Server) getPayment(w http.ResponseWriter, r *http.Request) {
	getEntity(s, w, r, s.views.Payments, "payment", func(p *codecs.Payment) any { return p })
}

// promoView is GET .../promos/{code}: the code with its redemption count.
type promoView struct {
	*codecs.Promo
	Redemptions int `json:"redemptions"`
}

func (s *Server) getPromo(w http.ResponseWriter, r *http.Request) {
	getEntity(s, w, r, s.views.Promos, "code", func(p *codecs.Promo) any {
		return promoView{Promo: p, Redemptions: len(p.Redeemed)}
	})
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	getEntity(s, w, r, s.views.Jobs, "job", func(j *codecs.Job) any { return j })
}

// getEntity answers GET for the entity named by the path value param, read
// from view under "<tenant>/<id>".
func getEntity[T any](s *Server, w http.ResponseWriter, r *http.Request, view Getter[T], param string, render func(*T) any) {
	tenant, id := r.PathValue("tenant"), r.PathValue(param)
	if !idPattern.MatchString(id) || view == nil {
		writeError(w, errNotFound)
		return
	}
	v, err := view.Get(tenant + "/" + id)
	switch {
	case err != nil:
		s.log.Error("reading view", "tenant", tenant, "id", id, "err", err)
		writeError(w, errInternal)
	case v == nil:
		writeError(w, errNotFound)
	default:
		writeJSON(w, http.StatusOK, render(v))
	}
}

// notificationsOf answers GET .../{tradespeople|customers}/{id}/notifications:
// newest first, at most 100; an empty list for a recipient without any.
func (s *Server) notificationsOf(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tenant, id := r.PathValue("tenant"), r.PathValue("id")
		if !idPattern.MatchString(id) || s.views.Notifications == nil {
			writeError(w, errNotFound)
			return
		}
		v, err := s.views.Notifications.Get(tenant + "/" + kind + ":" + id)
		if err != nil {
			s.log.Error("reading notifications", "tenant", tenant, "id", id, "err", err)
			writeError(w, errInternal)
			return
		}
		items := []codecs.Notification{}
		if v != nil {
			items = v.Items
		}
		writeJSON(w, http.StatusOK, items)
	}
}
