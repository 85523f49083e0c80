package state

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"
)

// ui holds the dashboard page: plain HTML, CSS and JavaScript, no build
// step and nothing fetched from elsewhere.
//
//go:embed ui
var ui embed.FS

// uiHeaders are set on every dashboard asset: nothing but this server may
// serve scripts, styles or receive requests from the page.
func uiHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
}

// dashboardRoutes serves the page at / and its feeds under the tenant's
// path. The page itself is public (it holds no data); the feeds take the
// API's auth.
func (s *Server) dashboardRoutes() {
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { s.asset(w, "index.html") })
	s.mux.HandleFunc("GET /dashboard/{file}", func(w http.ResponseWriter, r *http.Request) {
		s.asset(w, r.PathValue("file"))
	})
	s.tenant("GET /v1/tenants/{tenant}/dashboard", s.getDashboard)
	s.tenant("GET /v1/tenants/{tenant}/dashboard/events", s.dashboardEvents)
}

func (s *Server) asset(w http.ResponseWriter, name string) {
	b, err := fs.ReadFile(ui, path.Join("ui", path.Clean("/"+name)))
	if err != nil || name == "" {
		writeError(w, errNotFound)
		return
	}
	uiHeaders(w)
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	_, _ = w.Write(b)
}

var errNoDashboard = &apiError{http.StatusNotFound, "not_found", "this server has no dashboard feeds"}

func (s *Server) getDashboard(w http.ResponseWriter, r *http.Request) {
	if s.dash == nil {
		writeError(w, errNoDashboard)
		return
	}
	b, err := s.dash.board(r.PathValue("tenant"), s.opts.Now())
	if err != nil {
		s.log.Error("dashboard", "tenant", r.PathValue("tenant"), "err", err)
		writeError(w, errNotReady)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// dashboardEvents streams the tenant's board as server-sent events: a
// "snapshot" event with the whole board at once on every (re)connection,
// then one per interval, so a page that reconnects is never behind. The
// stream ends when the client goes or the server drains.
func (s *Server) dashboardEvents(w http.ResponseWriter, r *http.Request) {
	if s.dash == nil {
		writeError(w, errNoDashboard)
		return
	}
	tenant := r.PathValue("tenant")
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	tick := time.NewTicker(s.dash.src.Interval)
	defer tick.Stop()
	for id := 1; ; id++ {
		if err := s.sendBoard(w, rc, tenant, id); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.stopping:
			return
		case <-tick.C:
		}
	}
}

func (s *Server) sendBoard(w http.ResponseWriter, rc *http.ResponseController, tenant string, id int) error {
	b, err := s.dash.board(tenant, s.opts.Now())
	if err != nil {
		s.log.Error("dashboard", "tenant", tenant, "err", err)
		_, err = fmt.Fprintf(w, "id: %d\nevent: unavailable\ndata: {}\n\n", id)
		if err == nil {
			err = rc.Flush()
		}
		return err
	}
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "id: %d\nevent: snapshot\ndata: %s\n\n", id, data); err != nil {
		return err
	}
	return rc.Flush()
}
