package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/lovoo/goka/storage"
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

// countingStorage counts the offsets written through to it.
type countingStorage struct {
	storage.Storage
	offsetWrites int
}

func (c *countingStorage) SetOffset(o int64) error {
	c.offsetWrites++
	return c.Storage.SetOffset(o)
}

// TestMarkedStorageWritesItsOffsetLazilyAndOnClose: a table partition's
// offset reaches LevelDB at most every offsetEvery while it is open, reads
// always see the latest one, and a clean close stores the latest one (the
// next start recovers from it).
func TestMarkedStorageWritesItsOffsetLazilyAndOnClose(t *testing.T) {
	root := t.TempDir()
	st, err := markingBuilder(root)("tbl", 2)
	require.NoError(t, err)
	m := st.(*markedStorage)
	counted := &countingStorage{Storage: m.Storage}
	m.Storage = counted
	require.FileExists(t, openMarker(filepath.Join(root, "tbl.2")))
	require.NoError(t, m.MarkRecovered())
	for off := int64(1); off <= 1000; off++ {
		require.NoError(t, m.Set("k", []byte{byte(off)}))
		require.NoError(t, m.SetOffset(off))
		got, err := m.GetOffset(-1)
		require.NoError(t, err)
		require.Equal(t, off, got, "reads see the latest offset")
	}
	// 1,000 in-memory writes take far less than offsetEvery × 999.
	assert.Less(t, counted.offsetWrites, 1000, "offsets are not written one by one")
	require.NoError(t, m.Close())
	_, err = os.Stat(openMarker(filepath.Join(root, "tbl.2")))
	assert.True(t, os.IsNotExist(err), "a clean close removes the marker")

	offset, hasData, err := localPartition{root: root, topic: "tbl", partition: 2}.read()
	require.NoError(t, err)
	assert.True(t, hasData)
	assert.Equal(t, int64(1000), offset, "the close stored the last offset")
}
