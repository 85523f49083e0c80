package state

import (
	"net/http"
	"slices"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

type postJobRequest struct {
	ID              string      `json:"id"`
	CustomerID      string      `json:"customer_id"`
	Trade           string      `json:"trade"`
	Title           string      `json:"title"`
	Location        *pointJSON  `json:"location"`
	Window          *windowJSON `json:"window"`
	DurationMinutes int         `json:"duration_minutes"`
	Mode            string      `json:"mode"`
	PromoCode       string      `json:"promo_code"`
	ProjectID       string      `json:"project_id"`
	DependsOn       []string    `json:"depends_on"`
	BudgetMinor     *int64      `json:"budget_minor"`
	Currency        string      `json:"currency"`
}

func (r *postJobRequest) validate() error {
	var c checker
	c.optionalID("id", r.ID)
	c.id("customer_id", r.CustomerID)
	c.text("trade", r.Trade, true, 64)
	c.text("title", r.Title, false, 200)
	c.point("location", r.Location)
	c.window("window", r.Window)
	switch {
	case r.DurationMinutes < 1 || r.DurationMinutes > 7*24*60:
		c.fail("duration_minutes must be between 1 and 10080")
	case c.err == nil && r.Window.LatestEnd.Sub(*r.Window.EarliestStart) < time.Duration(r.DurationMinutes)*time.Minute:
		c.fail("duration_minutes does not fit in the window")
	}
	if r.Mode != "" && r.Mode != "bid" && r.Mode != "auto" {
		c.fail(`mode must be "bid" or "auto"`)
	}
	c.text("promo_code", r.PromoCode, false, 64)
	c.optionalID("project_id", r.ProjectID)
	if len(r.DependsOn) > 50 {
		c.fail("depends_on has more than 50 jobs")
	}
	for _, d := range r.DependsOn {
		c.id("depends_on[]", d)
		if r.ID != "" && d == r.ID {
			c.fail("a job cannot depend on itself")
		}
	}
	if r.BudgetMinor != nil && *r.BudgetMinor < 0 {
		c.fail("budget_minor must not be negative")
	}
	c.currency("currency", r.Currency)
	return c.err
}

func (s *Server) postJob(w http.ResponseWriter, r *http.Request) {
	var req postJobRequest
	s.command(w, r, &req, func(cmd *codecs.Command) (string, error) {
		if err := req.validate(); err != nil {
			return "", err
		}
		if req.ID == "" {
			req.ID = cmd.CommandID
		}
		if slices.Contains(req.DependsOn, req.ID) {
			return "", errBadRequest("a job cannot depend on itself")
		}
		cmd.Kind, cmd.JobID = codecs.KindPostJob, req.ID
		cmd.PostJob = &codecs.PostJob{CustomerID: req.CustomerID, Trade: req.Trade, Title: req.Title,
			Location: req.Location.wire(), Window: req.Window.wire(), DurationMinutes: int32(req.DurationMinutes),
			Mode: req.Mode, PromoCode: req.PromoCode, ProjectID: req.ProjectID, DependsOn: req.DependsOn,
			BudgetMinor: req.BudgetMinor, Currency: req.Currency}
		return req.ID, nil
	})
}

type cancelRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) {
	var req cancelRequest
	s.jobCommand(w, r, &req, func(cmd *codecs.Command) error {
		var c checker
		c.text("reason", req.Reason, false, 500)
		cmd.Kind, cmd.CancelJob = codecs.KindCancelJob, &codecs.CancelJob{Reason: req.Reason}
		return c.err
	})
}

type rescheduleRequest struct {
	Window *windowJSON `json:"window"`
}

func (s *Server) rescheduleJob(w http.ResponseWriter, r *http.Request) {
	var req rescheduleRequest
	s.jobCommand(w, r, &req, func(cmd *codecs.Command) error {
		var c checker
		c.window("window", req.Window)
		if c.err != nil {
			return c.err
		}
		cmd.Kind, cmd.RescheduleJob = codecs.KindRescheduleJob, &codecs.RescheduleJob{Window: req.Window.wire()}
		return nil
	})
}

type statusRequest struct {
	Status string     `json:"status"`
	At     *time.Time `json:"at"`
}

func (s *Server) setJobStatus(w http.ResponseWriter, r *http.Request) {
	var req statusRequest
	s.jobCommand(w, r, &req, func(cmd *codecs.Command) error {
		switch req.Status {
		case codecs.StatusEnRoute, codecs.StatusOnSite, codecs.StatusCompleted:
		default:
			return errBadRequest(`status must be "en_route", "on_site" or "completed"`)
		}
		at := cmd.AcceptedAt
		if req.At != nil {
			at = req.At.UTC()
		}
		cmd.Kind, cmd.SetJobStatus = codecs.KindSetJobStatus, &codecs.SetJobStatus{Status: req.Status, At: at}
		return nil
	})
}

// jobCommand handles a command on the job named in the path; its answer's id
// is the command id.
func (s *Server) jobCommand(w http.ResponseWriter, r *http.Request, req any, fill func(*codecs.Command) error) {
	s.command(w, r, req, func(cmd *codecs.Command) (string, error) {
		job := r.PathValue("job")
		if !idPattern.MatchString(job) {
			return "", errBadRequest("job id must match [A-Za-z0-9._-]{1,64}")
		}
		cmd.JobID = job
		return cmd.CommandID, fill(cmd)
	})
}
