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
// ends, failing the test if a processor stopped with an error, or if a
// value a table cache of theirs holds no longer matches its bytes (a
// handler modified a value it read from, or wrote to, a cached table:
// VerifyCaches).
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
		VerifyCaches(t, graphs...)
	})
	return tt
}

// VerifyCaches fails the test when a value held by a table cache
// (codecs.Cached) of graphs' edges does not match the bytes it is cached
// under (codecs.Cached.Verify).
func VerifyCaches(t testing.TB, graphs ...*goka.GroupGraph) {
	t.Helper()
	for _, g := range graphs {
		for _, e := range g.AllEdges() {
			if c, ok := e.Codec().(*codecs.Cached); ok {
				require.NoError(t, c.Verify(), "%s: the cache of %s", g.Group(), e.Topic())
			}
		}
	}
}
