package codecs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/riferrei/srclient"
)

// Registry is the part of a Confluent-compatible Schema Registry the codecs use.
type Registry interface {
	// Register registers an Avro schema under subject and returns its id.
	// Registering the same schema again returns the same id.
	Register(ctx context.Context, subject, schema string) (int, error)
	// Schema returns the schema text for an id, or an error wrapping
	// ErrUnknownSchema when the registry does not know it.
	Schema(ctx context.Context, id int) (string, error)
}

// MemoryRegistry is an in-process Registry for tests. The zero value is not
// usable; call NewMemoryRegistry.
type MemoryRegistry struct {
	mu      sync.RWMutex
	byText  map[string]int
	byID    map[int]string
	subject map[string][]int
}

// NewMemoryRegistry returns an empty in-memory registry whose ids start at 1.
func NewMemoryRegistry() *MemoryRegistry {
	return &MemoryRegistry{byText: map[string]int{}, byID: map[int]string{}, subject: map[string][]int{}}
}

// Register implements Registry.
func (r *MemoryRegistry) Register(_ context.Context, subject, schema string) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ok := r.byText[schema]
	if !ok {
		id = len(r.byID) + 1
		r.byText[schema] = id
		r.byID[id] = schema
	}
	r.subject[subject] = append(r.subject[subject], id)
	return id, nil
}

// Schema implements Registry.
func (r *MemoryRegistry) Schema(_ context.Context, id int) (string, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.byID[id]
	if !ok {
		return "", fmt.Errorf("%w: %d", ErrUnknownSchema, id)
	}
	return s, nil
}

// HTTPRegistry talks to a Confluent-compatible Schema Registry over HTTP.
type HTTPRegistry struct {
	client *srclient.SchemaRegistryClient
}

// NewHTTPRegistry returns a Registry for the registry at url (e.g.
// http://127.0.0.1:8081). Requests time out after timeout (Default: 10s).
// Credentials in the URL (https://user:password@host) are sent as HTTP
// basic auth, like WithBasicAuth, and removed from the URL the client
// keeps, so that they appear in no error message.
func NewHTTPRegistry(rawURL string, timeout time.Duration) *HTTPRegistry {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	var user, password string
	if u, err := url.Parse(rawURL); err == nil && u.User != nil {
		user = u.User.Username()
		password, _ = u.User.Password()
		u.User = nil
		rawURL = u.String()
	}
	hc := &http.Client{Timeout: timeout, Transport: authChecked{http.DefaultTransport}}
	c := srclient.NewSchemaRegistryClient(strings.TrimRight(rawURL, "/"), srclient.WithClient(hc))
	c.CodecCreationEnabled(false)
	r := &HTTPRegistry{client: c}
	if user != "" {
		r.WithBasicAuth(user, password)
	}
	return r
}

// ErrRegistryAuth is returned when the registry answers 401 or 403: the
// credentials are missing or wrong, or do not allow the request.
var ErrRegistryAuth = errors.New("codecs: the schema registry refused the request's credentials")

// authChecked turns 401 and 403 answers into ErrRegistryAuth with the
// status, which srclient's errors do not carry.
type authChecked struct{ next http.RoundTripper }

func (a authChecked) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(req)
	if err != nil || (resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden) {
		return resp, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	return nil, fmt.Errorf("%w (HTTP %d %s): %s", ErrRegistryAuth, resp.StatusCode, http.StatusText(resp.StatusCode),
		strings.TrimSpace(string(body)))
}

// WithBasicAuth sends user and password as HTTP basic auth on every
// request (Confluent Cloud's API key and secret, or a registry behind a
// proxy that requires it) and returns r.
func (r *HTTPRegistry) WithBasicAuth(user, password string) *HTTPRegistry {
	r.client.SetCredentials(user, password)
	return r
}

// registerTries is how often Register sends a registration that failed
// in transit (a connection reset, a keep-alive connection the registry
// closed): registering is idempotent, the same schema gets the same id.
const registerTries = 4

// Register implements Registry.
func (r *HTTPRegistry) Register(ctx context.Context, subject, schema string) (int, error) {
	var err error
	for try := 1; ; try++ {
		var s *srclient.Schema
		if s, err = r.client.CreateSchema(subject, schema, srclient.Avro); err == nil {
			return s.ID(), nil
		}
		var answered srclient.Error
		if try == registerTries || errors.As(err, &answered) || errors.Is(err, ErrRegistryAuth) {
			break // the registry answered: trying again would get the same answer
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("codecs: registering %s: %w (after %v)", subject, ctx.Err(), err)
		case <-time.After(time.Duration(try*try) * 100 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("codecs: registering %s: %w", subject, err)
}

// Compatible reports whether schema may be registered under subject by the
// registry's compatibility rule for it. A subject without versions accepts
// any schema.
func (r *HTTPRegistry) Compatible(_ context.Context, subject, schema string) (bool, error) {
	ok, err := r.client.IsSchemaCompatible(subject, schema, "latest", srclient.Avro)
	if err != nil {
		if isNotFound(err) {
			return true, nil
		}
		return false, fmt.Errorf("codecs: checking %s: %w", subject, err)
	}
	return ok, nil
}

// Compatibility levels of a subject (the registry's rule for new versions).
var compatibilityLevels = map[string]srclient.CompatibilityLevel{
	"NONE": srclient.None, "BACKWARD": srclient.Backward, "BACKWARD_TRANSITIVE": srclient.BackwardTransitive,
	"FORWARD": srclient.Forward, "FORWARD_TRANSITIVE": srclient.ForwardTransitive, "FULL": srclient.Full,
	"FULL_TRANSITIVE": srclient.FullTransitive,
}

// ValidCompatibility reports whether level is a registry compatibility level
// (NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL,
// FULL_TRANSITIVE).
func ValidCompatibility(level string) bool {
	_, ok := compatibilityLevels[level]
	return ok
}

// SetCompatibility sets subject's compatibility level (PUT /config/{subject}).
func (r *HTTPRegistry) SetCompatibility(_ context.Context, subject, level string) error {
	l, ok := compatibilityLevels[level]
	if !ok {
		return fmt.Errorf("codecs: unknown compatibility level %q", level)
	}
	if _, err := r.client.ChangeSubjectCompatibilityLevel(subject, l); err != nil {
		return fmt.Errorf("codecs: setting %s compatibility of %s: %w", level, subject, err)
	}
	return nil
}

// CompatibilityOf returns subject's compatibility level: its own, or the
// registry's global one when it has none.
func (r *HTTPRegistry) CompatibilityOf(_ context.Context, subject string) (string, error) {
	l, err := r.client.GetCompatibilityLevel(subject, true)
	if err != nil {
		return "", fmt.Errorf("codecs: compatibility of %s: %w", subject, err)
	}
	return string(*l), nil
}

// Schema implements Registry.
func (r *HTTPRegistry) Schema(_ context.Context, id int) (string, error) {
	s, err := r.client.GetSchema(id)
	if err != nil {
		if isNotFound(err) {
			return "", fmt.Errorf("%w: %d: %v", ErrUnknownSchema, id, err)
		}
		return "", fmt.Errorf("codecs: fetching schema %d: %w", id, err)
	}
	return s.Schema(), nil
}

func isNotFound(err error) bool {
	var e srclient.Error
	if errors.As(err, &e) {
		return e.Code == 404 || e.Code/100 == 404
	}
	return strings.Contains(err.Error(), "404")
}
