package cdc

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// fixtureNamed returns one schema-less fixture.
func fixtureNamed(t *testing.T, name string) fixture {
	t.Helper()
	for _, f := range loadFixtures(t, "noschema", strings.SplitN(name, "_", 2)[0]+"_") {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no fixture %s", name)
	return fixture{}
}

// edit returns the fixture with its value changed by fn (numbers stay exact).
func edit(t *testing.T, f fixture, fn func(v map[string]any)) fixture {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(f.Value))
	dec.UseNumber()
	var v map[string]any
	require.NoError(t, dec.Decode(&v))
	fn(v)
	b, err := json.Marshal(v)
	require.NoError(t, err)
	f.Value = b
	return f
}

func section(v map[string]any, name string) map[string]any { return v[name].(map[string]any) }

func TestAnUpdateOfARowNeverSeenIsHandledAsACreate(t *testing.T) {
	r := newRunner(DefaultMapping())
	res, err := r.apply(t, fixtureNamed(t, "mssql_05_update_cancel"))
	require.NoError(t, err)
	assert.Equal(t, OpCreate, res.Audit.Effective)
	assert.Equal(t, []string{codecs.KindPostJob, codecs.KindCancelJob}, res.Audit.Kinds,
		"the job is posted, then cancelled as the legacy row is")
}

func TestASnapshotOfAKnownUnchangedRowHasNoCommand(t *testing.T) {
	r := newRunner(DefaultMapping())
	_, err := r.apply(t, fixtureNamed(t, "mssql_02_create"))
	require.NoError(t, err)
	again := edit(t, fixtureNamed(t, "mssql_02_create"), func(v map[string]any) {
		v["op"] = "r"
		src := section(v, "source")
		src["commit_lsn"], src["change_lsn"], src["event_serial_no"], src["snapshot"] = "00000030:00000010:0001", nil, nil, "true"
	})
	res, err := r.apply(t, again)
	require.NoError(t, err)
	assert.Equal(t, Applied, res.Outcome)
	assert.Equal(t, OpUpdate, res.Audit.Effective)
	assert.Empty(t, res.Commands, "a re-snapshot reconciles against what was applied")
}

func TestAnEventAtOrBeforeTheLastAppliedPositionIsADuplicate(t *testing.T) {
	r := newRunner(DefaultMapping())
	for _, name := range []string{"mssql_01_read", "mssql_03_update_window"} {
		_, err := r.apply(t, fixtureNamed(t, name))
		require.NoError(t, err)
	}
	for _, name := range []string{"mssql_01_read", "mssql_03_update_window"} {
		res, err := r.apply(t, fixtureNamed(t, name))
		require.NoError(t, err)
		assert.Equal(t, Duplicate, res.Outcome, name)
		assert.Nil(t, res.State, "a duplicate leaves the state alone")
	}
}

func TestATombstoneCompletesADeleteTheGroupNeverSaw(t *testing.T) {
	r := newRunner(DefaultMapping())
	_, err := r.apply(t, fixtureNamed(t, "pg_02_create"))
	require.NoError(t, err)
	res, err := r.apply(t, fixtureNamed(t, "pg_05_tombstone"))
	require.NoError(t, err)
	require.Equal(t, Applied, res.Outcome)
	assert.Equal(t, OpTombstone, res.Audit.Op)
	require.Len(t, res.Commands, 1)
	assert.True(t, res.Commands[0].UpsertTradesperson.Removed)
	assert.Equal(t, "tp-cdc-2", res.Commands[0].TradespersonID)
	res, err = r.apply(t, fixtureNamed(t, "pg_05_tombstone"))
	require.NoError(t, err)
	assert.Equal(t, Ignored, res.Outcome, "a second tombstone has nothing left to delete")
}

func TestARowThatMovesToAnotherTenantIsRemovedThenCreated(t *testing.T) {
	r := newRunner(DefaultMapping())
	_, err := r.apply(t, fixtureNamed(t, "pg_02_create"))
	require.NoError(t, err)
	moved := edit(t, fixtureNamed(t, "pg_03_update"), func(v map[string]any) {
		after := section(v, "after")
		after["id"], after["tenant_id"] = "tp-cdc-2", "globex"
		v["before"] = map[string]any{"id": "tp-cdc-2"}
	})
	moved.Key = json.RawMessage(`{"id":"tp-cdc-2"}`)
	res, err := r.apply(t, moved)
	require.NoError(t, err)
	require.Len(t, res.Commands, 2)
	assert.Equal(t, "acme", res.Commands[0].TenantID)
	assert.True(t, res.Commands[0].UpsertTradesperson.Removed)
	assert.Equal(t, "globex", res.Commands[1].TenantID)
	assert.False(t, res.Commands[1].UpsertTradesperson.Removed)
	assert.NotEqual(t, res.Commands[0].CommandID, res.Commands[1].CommandID)
}

func TestUnmappableEventsAreErrorsWithAReason(t *testing.T) {
	base := fixtureNamed(t, "mssql_02_create")
	cases := map[string]struct {
		f    fixture
		want error
	}{
		"unknown table":                 {edit(t, base, func(v map[string]any) { section(v, "source")["table"] = "invoices" }), ErrUnknownTable},
		"missing column":                {edit(t, base, func(v map[string]any) { delete(section(v, "after"), "title") }), ErrMissingColumn},
		"bad decimal":                   {edit(t, base, func(v map[string]any) { section(v, "after")["budget"] = "!!" }), ErrBadValue},
		"whole pence":                   {edit(t, base, func(v map[string]any) { section(v, "after")["budget"] = "MDk=" }), nil},
		"bad timestamp":                 {edit(t, base, func(v map[string]any) { section(v, "after")["latest_end"] = "soon" }), ErrBadValue},
		"bad tenant id":                 {edit(t, base, func(v map[string]any) { section(v, "after")["tenant_id"] = "ac me" }), ErrBadValue},
		"null tenant":                   {edit(t, base, func(v map[string]any) { section(v, "after")["tenant_id"] = nil }), ErrMissingColumn},
		"op m":                          {edit(t, base, func(v map[string]any) { v["op"] = "m" }), ErrUnsupportedOp},
		"mysql":                         {edit(t, base, func(v map[string]any) { section(v, "source")["connector"] = "mysql" }), ErrUnknownTable},
		"no lsn":                        {edit(t, base, func(v map[string]any) { section(v, "source")["commit_lsn"] = nil }), ErrPosition},
		"bad lsn":                       {edit(t, base, func(v map[string]any) { section(v, "source")["commit_lsn"] = "27:zz:1" }), ErrPosition},
		"no after":                      {edit(t, base, func(v map[string]any) { v["after"] = nil }), ErrBadEnvelope},
		"truncate":                      {fixtureNamed(t, "pg_10_truncate"), ErrTruncate},
		"pg delete of a row never seen": {fixtureNamed(t, "pg_04_delete"), ErrMissingColumn},
	}
	for name, tc := range cases {
		_, err := newRunner(DefaultMapping()).apply(t, tc.f)
		if tc.want == nil {
			// 0x3039 = 12345 at scale 2 is 123.45: whole pence, fine.
			assert.NoError(t, err, name)
			continue
		}
		assert.ErrorIs(t, err, tc.want, name)
	}
	for name, raw := range map[string]string{
		"bad JSON":          `{"op": "c", `,
		"not an object":     `[1, 2]`,
		"no op":             `{"source": {"connector": "sqlserver"}}`,
		"no source":         `{"op": "c"}`,
		"trailing data":     `{"op": "c", "source": {}} x`,
		"empty":             ``,
		"row not an object": `{"op": "c", "source": {}, "after": 7}`,
	} {
		_, err := NewDecoder(nil).Event([]byte(raw))
		assert.ErrorIs(t, err, ErrBadEnvelope, name)
	}
	_, err := NewDecoder(codecs.NewMemoryRegistry()).Event(codecs.AppendHeader(nil, 4242))
	assert.ErrorIs(t, err, codecs.ErrUnknownSchema)
}

func TestMappingFilesAreCheckedWhenLoaded(t *testing.T) {
	good, err := os.ReadFile("mapping.yaml")
	require.NoError(t, err)
	m, err := ParseMapping(good)
	require.NoError(t, err)
	assert.Len(t, m.tables, 2)

	dir := t.TempDir()
	path := filepath.Join(dir, "m.yaml")
	require.NoError(t, os.WriteFile(path, good, 0o644))
	_, err = LoadMapping(path)
	require.NoError(t, err)
	_, err = LoadMapping(filepath.Join(dir, "missing.yaml"))
	assert.ErrorIs(t, err, ErrMapping)

	bad := map[string]string{
		"unknown key":      "tables:\n  - name: x\n    colour: red\n",
		"no tables":        "tables: []\n",
		"unknown type":     tableYAML("columns: {a: {type: money}}", ""),
		"unknown kind":     tableYAML("", "- {when: {op: [c]}, kind: paint_job}"),
		"unknown field":    tableYAML("columns: {a: {type: string}}", "- {when: {op: [c]}, kind: post_job, fields: {colour: a}}"),
		"type mismatch":    tableYAML("columns: {a: {type: boolean}}", "- {when: {op: [c]}, kind: post_job, fields: {title: a}}"),
		"unmapped column":  tableYAML("", "- {when: {op: [c]}, kind: post_job, fields: {title: nope}}"),
		"const type":       tableYAML("", "- {when: {op: [c]}, kind: post_job, const: {duration_minutes: soon}}"),
		"fields on delete": tableYAML("columns: {a: {type: string}}", "- {when: {op: [d]}, kind: post_job, fields: {title: a}}"),
		"bad op":           tableYAML("", "- {when: {op: [x]}, kind: post_job}"),
		"bad entity":       strings.Replace(tableYAML("", ""), "entity: job_id", "entity: tenant_id", 1),
		"bad encoding":     tableYAML("columns: {a: {type: timestamp, encoding: fortnights}}", ""),
		"equals alone":     tableYAML("", "- {when: {op: [c], equals: x}, kind: post_job}"),
	}
	for name, y := range bad {
		_, err := ParseMapping([]byte(y))
		assert.ErrorIs(t, err, ErrMapping, name)
	}
}

func tableYAML(columns, commands string) string {
	y := "tables:\n  - name: t\n    source: {table: t}\n    tenant: tenant\n    id: id\n    entity: job_id\n"
	if columns != "" {
		y += "    " + columns + "\n"
	}
	if commands != "" {
		y += "    commands:\n      " + commands + "\n"
	}
	return y
}

func TestAnUnavailableToastedValueKeepsTheLastAppliedOne(t *testing.T) {
	r := newRunner(DefaultMapping())
	_, err := r.apply(t, fixtureNamed(t, "pg_01_read"))
	require.NoError(t, err)
	toasted := edit(t, fixtureNamed(t, "pg_03_update"), func(v map[string]any) {
		section(v, "after")["trades"] = UnavailablePlaceholder
	})
	res, err := r.apply(t, toasted)
	require.NoError(t, err)
	assert.Equal(t, []string{"plumber", "heating"}, res.Commands[0].UpsertTradesperson.Trades)
	assert.Equal(t, "Ana Silva-Jones", res.Commands[0].UpsertTradesperson.Name)

	_, err = newRunner(DefaultMapping()).apply(t, toasted)
	assert.ErrorIs(t, err, ErrBadValue, "a row never seen has no value to keep")
}
