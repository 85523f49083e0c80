package codecs

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

const pingSchema = `{"type":"record","name":"Ping","fields":[{"name":"n","type":"long"}]}`

// flakyRegistry serves a registry whose first `drops` registrations are
// cut off in transit (the connection closed before any answer), as a
// registry that closed an idle keep-alive connection does.
func flakyRegistry(t *testing.T, drops int32) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	reg := srfake.New()
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/versions") && posts.Add(1) <= drops {
			conn, _, err := w.(http.Hijacker).Hijack()
			require.NoError(t, err)
			conn.Close()
			return
		}
		reg.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(func() { srv.Close(); reg.Close() })
	return srv, &posts
}

func TestRegisterSendsAgainARegistrationLostInTransit(t *testing.T) {
	srv, posts := flakyRegistry(t, registerTries-1)
	id, err := NewHTTPRegistry(srv.URL, 5*time.Second).Register(context.Background(), "pings-value", pingSchema)
	require.NoError(t, err)
	assert.Positive(t, id)
	assert.Equal(t, int32(registerTries), posts.Load())

	srv, posts = flakyRegistry(t, registerTries)
	_, err = NewHTTPRegistry(srv.URL, 5*time.Second).Register(context.Background(), "pings-value", pingSchema)
	require.Error(t, err, "it gives up after registerTries")
	assert.Contains(t, err.Error(), "registering pings-value")
	assert.Equal(t, int32(registerTries), posts.Load())
}

func TestRegisterDoesNotRepeatWhatTheRegistryRefused(t *testing.T) {
	srv, posts := flakyRegistry(t, 0)
	_, err := NewHTTPRegistry(srv.URL, 5*time.Second).Register(context.Background(), "pings-value", `{"type":"record"`)
	require.Error(t, err)
	assert.Equal(t, int32(1), posts.Load(), "an answer (here: an invalid schema) is final")
}
