package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/tradestream/tradestream/codecs"
)

// MaxBody is the largest request body accepted.
const MaxBody = 1 << 20

var idPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// decodeBody reads a JSON body into v: 415 unless JSON, 413 above MaxBody,
// 400 when it does not parse or has trailing data.
func decodeBody(r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return errNotJSON
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, MaxBody))
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			return errTooLarge
		case errors.As(err, &typeErr):
			return errBadRequest(fmt.Sprintf("field %s: expected %s, got JSON %s", typeErr.Field, typeErr.Type, typeErr.Value))
		case errors.Is(err, io.EOF):
			return errBadRequest("empty body")
		}
		return errBadRequest("malformed JSON: " + err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errTooLarge
		}
		return errBadRequest("malformed JSON: data after the JSON value")
	}
	return nil
}

// checker collects the first validation error of a request.
type checker struct{ err error }

func (c *checker) fail(format string, args ...any) {
	if c.err == nil {
		c.err = errBadRequest(fmt.Sprintf(format, args...))
	}
}

func (c *checker) id(field, v string) {
	if !idPattern.MatchString(v) {
		c.fail("%s must match [A-Za-z0-9._-]{1,64}", field)
	}
}

func (c *checker) optionalID(field, v string) {
	if v != "" {
		c.id(field, v)
	}
}

func (c *checker) text(field, v string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(v) == "":
		c.fail("%s is required", field)
	case len([]rune(v)) > max:
		c.fail("%s is longer than %d characters", field, max)
	}
}

func (c *checker) point(field string, p *pointJSON) {
	switch {
	case p == nil || p.Lat == nil || p.Lon == nil:
		c.fail("%s needs lat and lon", field)
	case *p.Lat < -90 || *p.Lat > 90:
		c.fail("%s.lat must be within ±90", field)
	case *p.Lon < -180 || *p.Lon > 180:
		c.fail("%s.lon must be within ±180", field)
	}
}

func (c *checker) window(field string, w *windowJSON) {
	switch {
	case w == nil || w.EarliestStart == nil || w.LatestEnd == nil:
		c.fail("%s needs earliest_start and latest_end (RFC 3339)", field)
	case !w.LatestEnd.After(*w.EarliestStart):
		c.fail("%s.latest_end must be after earliest_start", field)
	}
}

func (c *checker) currency(field, v string) {
	if len(v) != 3 || strings.ToUpper(v) != v || strings.ContainsFunc(v, func(r rune) bool { return r < 'A' || r > 'Z' }) {
		c.fail("%s must be an ISO 4217 code such as EUR", field)
	}
}

type pointJSON struct {
	Lat *float64 `json:"lat"`
	Lon *float64 `json:"lon"`
}

func (p *pointJSON) wire() codecs.GeoPoint { return codecs.GeoPoint{Lat: *p.Lat, Lon: *p.Lon} }

type windowJSON struct {
	EarliestStart *time.Time `json:"earliest_start"`
	LatestEnd     *time.Time `json:"latest_end"`
}

func (w *windowJSON) wire() codecs.Window {
	return codecs.Window{EarliestStart: w.EarliestStart.UTC(), LatestEnd: w.LatestEnd.UTC()}
}
