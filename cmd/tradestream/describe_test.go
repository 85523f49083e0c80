package main

import (
	"bytes"
	"flag"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
)

var update = flag.Bool("update", false, "rewrite ARCHITECTURE.md's generated sections")

// TestArchitectureShowsTheCurrentTopology keeps ARCHITECTURE.md's topic and
// group sections equal to `tradestream topology` (go test -run Architecture -update).
func TestArchitectureShowsTheCurrentTopology(t *testing.T) {
	cat, err := topology.NewCatalog(topology.Config{Brokers: []string{"x"}}, codecs.NewMemoryRegistry())
	require.NoError(t, err)
	doc, err := os.ReadFile("../../ARCHITECTURE.md")
	require.NoError(t, err)
	want := doc
	for _, format := range []string{"text", "mermaid"} {
		var out bytes.Buffer
		require.NoError(t, describe(&out, cat, format))
		re := regexp.MustCompile(`(?s)(<!-- topology:` + format + ` -->\n).*?(<!-- /topology:` + format + ` -->)`)
		require.True(t, re.Match(want), "ARCHITECTURE.md has the %s markers", format)
		want = re.ReplaceAllFunc(want, func(m []byte) []byte {
			sub := re.FindSubmatch(m)
			return append(append(append([]byte{}, sub[1]...), out.Bytes()...), sub[2]...)
		})
	}
	if *update {
		require.NoError(t, os.WriteFile("../../ARCHITECTURE.md", want, 0o644))
		return
	}
	assert.Equal(t, string(want), string(doc), "run: go test ./cmd/tradestream -run Architecture -update")
}

func TestEveryGroupGraphValidatesAndUsesCatalogTopics(t *testing.T) {
	cat, err := topology.NewCatalog(topology.Config{Brokers: []string{"x"}}, codecs.NewMemoryRegistry())
	require.NoError(t, err)
	known := map[string]bool{}
	for _, s := range cat.Specs() {
		known[s.Name] = true
	}
	for _, n := range groupNames() {
		g := groups[n](cat)
		require.NoError(t, g.Validate(), n)
		for _, e := range g.AllEdges() {
			assert.True(t, known[e.Topic()], "group %s uses %s, which the catalog does not declare", n, e.Topic())
		}
	}
}
