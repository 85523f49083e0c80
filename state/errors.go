package state

import (
	"encoding/json"
	"errors"
	"net/http"
)

// apiError is an error with its HTTP status and machine-readable code.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.message }

func errBadRequest(msg string) *apiError { return &apiError{http.StatusBadRequest, "invalid", msg} }

var (
	errNotFound     = &apiError{http.StatusNotFound, "not_found", "not found"}
	errTooLarge     = &apiError{http.StatusRequestEntityTooLarge, "too_large", "body larger than 1 MiB"}
	errNotJSON      = &apiError{http.StatusUnsupportedMediaType, "unsupported_media_type", "body must be application/json"}
	errUnauthorized = &apiError{http.StatusUnauthorized, "unauthorized", "missing or unknown API key"}
	errForbidden    = &apiError{http.StatusForbidden, "forbidden", "this key cannot reach that tenant"}
	errNotReady     = &apiError{http.StatusServiceUnavailable, "not_ready", "not ready: views are recovering or the server is stopping"}
	errUnavailable  = &apiError{http.StatusServiceUnavailable, "unavailable", "Kafka did not acknowledge the command; retry with the same Idempotency-Key"}
	errInternal     = &apiError{http.StatusInternalServerError, "internal", "internal error"}
)

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError answers with err's status; errors that are not *apiError are 500.
func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = errInternal
	}
	var b errorBody
	b.Error.Code, b.Error.Message = ae.code, ae.message
	writeJSON(w, ae.status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
