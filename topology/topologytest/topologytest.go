// Package topologytest runs processor groups in goka's tester for unit tests.
package topologytest

import (
	"context"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

// Catalog returns a catalog over an in-memory registry.
func Catalog(t testing.TB) *topology.Catalog {
	t.Helper()
	cat, err := topology.NewCatalog(topology.Config{Brokers: []string{"tester"}}, codecs.NewMemoryRegistry())
	require.NoError(t, err)
	return cat
}

// Run starts each group graph in a new tester and stops them when the test
// ends, failing the test if a processor stopped with an error.
func Run(t *testing.T, graphs ...*goka.GroupGraph) *tester.Tester {
	t.Helper()
	tt := tester.New(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, len(graphs))
	for _, g := range graphs {
		proc, err := goka.NewProcessor(nil, g, goka.WithTester(tt))
		require.NoError(t, err)
		go func() { done <- proc.Run(ctx) }()
	}
	t.Cleanup(func() {
		cancel()
		for range graphs {
			require.NoError(t, <-done)
		}
	})
	return tt
}
