package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology/memstore"
)

func TestParseStorage(t *testing.T) {
	for _, tc := range []struct {
		spec, want string
		tracking   string // the tracking group's kind
	}{
		{"", "leveldb,tracking=memory", "memory"}, // the default
		{"leveldb", "leveldb", "leveldb"},
		{"memory", "memory", "memory"},
		{"leveldb,tracking=memory", "leveldb,tracking=memory", "memory"},
		{" memory , jobs = leveldb ", "memory,jobs=leveldb", "memory"},
		{"tracking=leveldb", "leveldb,tracking=leveldb", "leveldb"},
		{"jobs=memory", "leveldb,jobs=memory,tracking=memory", "memory"},
	} {
		p, err := parseStorage(tc.spec)
		require.NoError(t, err, tc.spec)
		assert.Equal(t, tc.want, p.String(), tc.spec)
		assert.Equal(t, tc.tracking, p.kind("tracking"), tc.spec)
	}
	for _, bad := range []string{"disk", "memory,leveldb", "leveldb,nope=memory", "leveldb,tracking=ssd",
		"tracking=memory,tracking=leveldb", "leveldb,"} {
		_, err := parseStorage(bad)
		assert.ErrorIs(t, err, errUsage, "%q", bad)
	}
}

func TestStorageBuilderFollowsThePlan(t *testing.T) {
	p, err := parseStorage("leveldb,tracking=memory")
	require.NoError(t, err)
	root := t.TempDir()
	st, err := p.builder("tracking", root)("t", 3)
	require.NoError(t, err)
	assert.IsType(t, &memstore.Store{}, st)
	st, err = p.builder("jobs", root)("t", 3)
	require.NoError(t, err)
	assert.DirExists(t, filepath.Join(root, "processors", "jobs", "t.3"))
	require.NoError(t, st.Close())
}

func TestBadStorageIsAUsageError(t *testing.T) {
	code, _, stderr := runCLI(t, "run", "--insecure", "--brokers", "x:9092", "--registry", "http://x", "--storage", "disk")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--storage")
}

// TestAnInstanceWithMemoryStorageRebuildsItsTablesAtEveryStart runs every
// group with --storage memory: nothing of the processors is on disk, and a
// restart of the same instance (same state directory) rebuilds the tables
// from their changelogs, which later commands see.
func TestAnInstanceWithMemoryStorageRebuildsItsTablesAtEveryStart(t *testing.T) {
	env := newTestEnv(t)
	dir := t.TempDir()
	cfg := env.config(t, "a", dir)
	cfg.Storage = "memory"
	first := env.startConfig(t, cfg, nil)
	for i := range 12 {
		first.accept(t, "POST", "/v1/tenants/acme/jobs", jobBody(fmt.Sprintf("j%d", i), 7))
	}
	for i := range 12 {
		first.waitJob(t, "acme", fmt.Sprintf("j%d", i), func(*codecs.Job) bool { return true }, "posted")
	}
	_, err := os.Stat(filepath.Join(dir, "a", "processors"))
	assert.True(t, os.IsNotExist(err), "memory storage writes no processor state: %v", err)
	assert.DirExists(t, filepath.Join(dir, "a", "views"), "views stay on LevelDB")
	require.NoError(t, first.stop())

	second := env.startConfig(t, cfg, nil)
	for i := range 12 {
		assert.NotNil(t, second.job(t, "acme", fmt.Sprintf("j%d", i)), "j%d after the restart", i)
	}
	second.accept(t, "POST", "/v1/tenants/acme/jobs/j3/cancel", map[string]any{})
	j := second.waitJob(t, "acme", "j3", func(j *codecs.Job) bool { return j.Status == codecs.StatusCancelled }, "cancelled")
	assert.Equal(t, int64(2), j.Version, "the jobs group's table was rebuilt: the cancel applied on the stored job")
	second.accept(t, "POST", "/v1/tenants/acme/jobs", jobBody("j5", 8))
	j5 := second.waitJob(t, "acme", "j5", func(j *codecs.Job) bool { return j.LastRejection != nil }, "conflict")
	assert.Equal(t, "conflict", j5.LastRejection.Code, "a second post of j5 finds the rebuilt job")
}
