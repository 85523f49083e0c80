package cdc

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

var forms = []string{"schemas", "noschema"}

type expect struct {
	outcome   Outcome
	effective string
	kinds     []string
	err       error
	check     func(t *testing.T, cmds []*codecs.Command, a *codecs.CDCAudit)
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

var pgExpect = map[string]expect{
	"pg_01_read": {effective: OpCreate, kinds: []string{codecs.KindUpsertTradesperson}, check: func(t *testing.T, c []*codecs.Command, a *codecs.CDCAudit) {
		assert.Equal(t, "acme", c[0].TenantID)
		assert.Equal(t, "tp-cdc-1", c[0].TradespersonID)
		assert.Equal(t, codecs.SourceCDC, c[0].Source)
		assert.Equal(t, utc("2030-01-06T10:00:00.123Z"), c[0].AcceptedAt, "updated_at (µs) stamps the command, to the ms")
		assert.Equal(t, &codecs.UpsertTradesperson{Name: "Ana Silva", Trades: []string{"plumber", "heating"},
			Base: codecs.GeoPoint{Lat: 51.5072, Lon: -0.1276}, RadiusKm: 25.5, Active: true}, c[0].UpsertTradesperson)
		assert.Equal(t, "pg:00000000000024023128", a.Position)
		assert.Equal(t, "24023128", a.LSN)
		assert.Equal(t, "555", a.TxID)
		assert.Equal(t, `["24023119","24023128"]`, a.Sequence)
		assert.Equal(t, "legacy.public.tradespeople", a.Table)
		assert.Equal(t, "acme/tp-cdc-1", a.Key)
		assert.Equal(t, []string{c[0].CommandID}, a.CommandIDs)
		assert.Equal(t, time.UnixMilli(1893837600123).UTC(), a.SourceAt, "source.ts_ms, not updated_at")
	}},
	"pg_02_create": {effective: OpCreate, kinds: []string{codecs.KindUpsertTradesperson}, check: func(t *testing.T, c []*codecs.Command, _ *codecs.CDCAudit) {
		assert.Equal(t, "tp-cdc-2", c[0].TradespersonID)
		assert.Equal(t, []string{"electrician"}, c[0].UpsertTradesperson.Trades)
		assert.InDelta(t, 10.0, c[0].UpsertTradesperson.RadiusKm, 1e-9)
	}},
	"pg_03_update": {effective: OpUpdate, kinds: []string{codecs.KindUpsertTradesperson}, check: func(t *testing.T, c []*codecs.Command, _ *codecs.CDCAudit) {
		assert.Equal(t, "Ana Silva-Jones", c[0].UpsertTradesperson.Name)
		assert.InDelta(t, 30.75, c[0].UpsertTradesperson.RadiusKm, 1e-9)
		assert.Equal(t, utc("2030-01-06T12:00:00Z"), c[0].AcceptedAt)
	}},
	"pg_04_delete": {effective: OpDelete, kinds: []string{codecs.KindUpsertTradesperson}, check: func(t *testing.T, c []*codecs.Command, _ *codecs.CDCAudit) {
		assert.Equal(t, "acme", c[0].TenantID, "the tenant comes from the state: before holds only the key")
		assert.Equal(t, "tp-cdc-2", c[0].TradespersonID)
		assert.True(t, c[0].UpsertTradesperson.Removed)
		assert.Equal(t, time.UnixMilli(1893837600123).UTC(), c[0].AcceptedAt, "source.ts_ms stamps a delete")
	}},
	"pg_05_tombstone": {outcome: Ignored},
	"pg_06_create": {effective: OpCreate, kinds: []string{codecs.KindUpsertTradesperson}, check: func(t *testing.T, c []*codecs.Command, _ *codecs.CDCAudit) {
		assert.Equal(t, []string{"painter", "decorator"}, c[0].UpsertTradesperson.Trades, "empty items and spaces dropped")
		assert.False(t, c[0].UpsertTradesperson.Active)
	}},
	"pg_07_pk_change_delete": {effective: OpDelete, kinds: []string{codecs.KindUpsertTradesperson}, check: func(t *testing.T, c []*codecs.Command, a *codecs.CDCAudit) {
		assert.Equal(t, "tp-cdc-4", c[0].TradespersonID)
		assert.True(t, c[0].UpsertTradesperson.Removed)
		assert.Contains(t, a.RenamedTo, "tp-cdc-5")
	}},
	"pg_08_pk_change_tombstone": {outcome: Ignored},
	"pg_09_pk_change_create": {effective: OpCreate, kinds: []string{codecs.KindUpsertTradesperson}, check: func(t *testing.T, c []*codecs.Command, a *codecs.CDCAudit) {
		assert.Equal(t, "tp-cdc-5", c[0].TradespersonID)
		assert.Equal(t, "Cleo Park", c[0].UpsertTradesperson.Name)
		assert.Contains(t, a.RenamedFrom, "tp-cdc-4")
	}},
	"pg_10_truncate": {err: ErrTruncate},
}

var window8 = codecs.Window{EarliestStart: utc("2030-01-08T08:00:00Z"), LatestEnd: utc("2030-01-08T17:00:00Z")}

var mssqlExpect = map[string]expect{
	"mssql_01_read": {effective: OpCreate, kinds: []string{codecs.KindPostJob}, check: func(t *testing.T, c []*codecs.Command, a *codecs.CDCAudit) {
		budget := int64(125050)
		assert.Equal(t, "job-cdc-1", c[0].JobID)
		assert.Equal(t, &codecs.PostJob{CustomerID: "cust-7", Trade: "plumber", Title: "Leaky tap",
			Location:        codecs.GeoPoint{Lat: 51.5101, Lon: -0.1340},
			Window:          codecs.Window{EarliestStart: utc("2030-01-07T08:00:00Z"), LatestEnd: utc("2030-01-07T17:00:00Z")},
			DurationMinutes: 90, Mode: "bid", BudgetMinor: &budget, Currency: "GBP"}, c[0].PostJob)
		assert.Equal(t, time.UnixMilli(1893837700456).UTC(), c[0].AcceptedAt)
		assert.Equal(t, "sqlserver:0000002500000d9800a2:00000000000000000000:00000000000000000000", a.Position)
		assert.Equal(t, "00000025:00000d98:00a2", a.CommitLSN)
	}},
	"mssql_02_create": {effective: OpCreate, kinds: []string{codecs.KindPostJob}, check: func(t *testing.T, c []*codecs.Command, a *codecs.CDCAudit) {
		assert.Equal(t, int64(99999), *c[0].PostJob.BudgetMinor)
		assert.Equal(t, "00000027:00000758:0003", a.ChangeLSN)
		assert.Equal(t, "1", a.EventSerialNo)
	}},
	"mssql_03_update_window": {effective: OpUpdate, kinds: []string{codecs.KindRescheduleJob}, check: func(t *testing.T, c []*codecs.Command, _ *codecs.CDCAudit) {
		assert.Equal(t, "job-cdc-1", c[0].JobID)
		assert.Equal(t, window8, c[0].RescheduleJob.Window)
	}},
	"mssql_04_update_title":  {effective: OpUpdate, kinds: []string{}},
	"mssql_05_update_cancel": {effective: OpUpdate, kinds: []string{codecs.KindCancelJob}, check: cancelled("job-cdc-2", "cancelled in the legacy system")},
	"mssql_06_create":        {effective: OpCreate, kinds: []string{codecs.KindPostJob}},
	"mssql_07_delete":        {effective: OpDelete, kinds: []string{codecs.KindCancelJob}, check: cancelled("job-cdc-3", "deleted in the legacy system")},
	"mssql_08_tombstone":     {outcome: Ignored},
	"mssql_09_create":        {effective: OpCreate, kinds: []string{codecs.KindPostJob}},
	"mssql_10_pk_change_delete": {effective: OpDelete, kinds: []string{codecs.KindCancelJob},
		check: cancelled("job-cdc-4", "deleted in the legacy system")},
	"mssql_11_pk_change_tombstone": {outcome: Ignored},
	"mssql_12_pk_change_create": {effective: OpCreate, kinds: []string{codecs.KindPostJob}, check: func(t *testing.T, c []*codecs.Command, _ *codecs.CDCAudit) {
		assert.Equal(t, "job-cdc-5", c[0].JobID)
	}},
}

func cancelled(job, reason string) func(t *testing.T, c []*codecs.Command, _ *codecs.CDCAudit) {
	return func(t *testing.T, c []*codecs.Command, _ *codecs.CDCAudit) {
		assert.Equal(t, job, c[0].JobID)
		assert.Equal(t, &codecs.CancelJob{Reason: reason}, c[0].CancelJob)
	}
}

func TestEveryFixtureMapsToItsCommandsInBothJSONForms(t *testing.T) {
	for _, form := range forms {
		for prefix, table := range map[string]map[string]expect{"pg_": pgExpect, "mssql_": mssqlExpect} {
			r := newRunner(DefaultMapping())
			fixtures := loadFixtures(t, form, prefix)
			require.Len(t, fixtures, len(table))
			for _, f := range fixtures {
				t.Run(form+"/"+f.Name, func(t *testing.T) {
					want, ok := table[f.Name]
					require.True(t, ok, "no expectation for %s", f.Name)
					res, err := r.apply(t, f)
					if want.err != nil {
						require.ErrorIs(t, err, want.err)
						return
					}
					require.NoError(t, err, f.Doc)
					require.Equal(t, want.outcome, res.Outcome, f.Doc)
					if res.Outcome != Applied {
						assert.Empty(t, res.Commands)
						return
					}
					assert.Equal(t, want.effective, res.Audit.Effective)
					assert.Equal(t, want.kinds, res.Audit.Kinds)
					for _, c := range res.Commands {
						assert.Equal(t, codecs.SourceCDC, c.Source)
						assert.Regexp(t, `^cdc-[0-9a-f]{32}$`, c.CommandID)
					}
					if want.check != nil {
						want.check(t, res.Commands, res.Audit)
					}
				})
			}
		}
	}
}

// run maps every fixture of a form and returns all commands in order.
func run(t *testing.T, r *runner, form string) []*codecs.Command {
	var out []*codecs.Command
	for _, prefix := range []string{"pg_", "mssql_"} {
		for _, f := range loadFixtures(t, form, prefix) {
			res, _ := r.apply(t, f)
			out = append(out, res.Commands...)
		}
	}
	return out
}

func TestWithAndWithoutSchemasTheSameEventsGiveTheSameCommands(t *testing.T) {
	withSchemas := run(t, newRunner(DefaultMapping()), "schemas")
	without := run(t, newRunner(DefaultMapping()), "noschema")
	require.NotEmpty(t, withSchemas)
	assert.Equal(t, withSchemas, without)
}

func TestReplayedEventsAreDuplicatesWithTheSameCommandIDs(t *testing.T) {
	r := newRunner(DefaultMapping())
	first := run(t, r, "schemas")
	for _, prefix := range []string{"pg_", "mssql_"} {
		for _, f := range loadFixtures(t, "schemas", prefix) {
			res, err := r.apply(t, f)
			if f.Name == "pg_10_truncate" {
				require.ErrorIs(t, err, ErrTruncate)
				continue
			}
			require.NoError(t, err)
			assert.Contains(t, []Outcome{Duplicate, Ignored}, res.Outcome, "%s replayed", f.Name)
			assert.Empty(t, res.Commands, "%s replayed", f.Name)
		}
	}
	again := run(t, newRunner(DefaultMapping()), "schemas")
	assert.Equal(t, first, again, "a replay from scratch produces the same command ids")
}
