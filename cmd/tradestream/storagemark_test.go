package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/topology"
)

func TestAProcessorTableLeftOpenByACrashIsWiped(t *testing.T) {
	env := newTestEnv(t)
	dir := t.TempDir()
	root := filepath.Join(dir, "processors", "jobs")
	build := markingBuilder(root)

	closed, err := build("some-table", 0)
	require.NoError(t, err)
	require.NoError(t, closed.Set("k", []byte("v")))
	require.NoError(t, closed.SetOffset(7))
	assert.FileExists(t, filepath.Join(root, "some-table.0.open"), "open")
	require.NoError(t, closed.Close())
	assert.NoFileExists(t, filepath.Join(root, "some-table.0.open"), "closed cleanly")

	crashed, err := build("some-table", 1)
	require.NoError(t, err)
	require.NoError(t, crashed.Set("k", []byte("v")))
	// The process dies here: goleveldb's lock goes with it; here the
	// storage is closed behind the marker's back.
	require.NoError(t, crashed.(*markedStorage).Storage.Close())

	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(io.MultiWriter(&logs, testWriter{t}), nil))
	cfg := topology.Config{Brokers: []string{env.brokers}}
	cfg.EnsureDefaults()
	require.NoError(t, repairLocalState(cfg, dir, log))
	assert.NoDirExists(t, filepath.Join(root, "some-table.1"), "wiped")
	assert.NoFileExists(t, filepath.Join(root, "some-table.1.open"))
	assert.DirExists(t, filepath.Join(root, "some-table.0"), "kept: closed cleanly, and a topic the cluster does not have")
	assert.Contains(t, logs.String(), "not closed cleanly")
	_, err = os.Stat(filepath.Join(root, "some-table.0", "CURRENT"))
	assert.NoError(t, err)
}

// testWriter sends a log to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
