package cdc

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// encoded is cmds as the group writes them.
func (r *runner) encoded(t *testing.T, cmds []*codecs.Command) [][]byte {
	t.Helper()
	var out [][]byte
	for _, c := range cmds {
		b, err := r.cmds.Marshal(c)
		require.NoError(t, err)
		out = append(out, b)
	}
	return out
}

// resent is the bytes a result re-sends.
func resent(res Result) [][]byte {
	var out [][]byte
	for _, s := range res.Resend {
		out = append(out, s.Command)
	}
	return out
}

// sentAgain decodes the commands a result re-sends.
func (r *runner) sentAgain(t *testing.T, res Result) []*codecs.Command {
	t.Helper()
	var out []*codecs.Command
	for _, s := range res.Resend {
		c, err := r.cmds.Unmarshal(s.Command)
		require.NoError(t, err)
		assert.Equal(t, c.TenantID, s.TenantID, "written under its tenant, like the first time")
		out = append(out, c)
	}
	return out
}

func TestARedeliveredChangeSendsItsCommandsAgain(t *testing.T) {
	r := newRunner(DefaultMapping())
	var first [][]*codecs.Command
	for _, name := range []string{"mssql_02_create", "mssql_05_update_cancel"} {
		res, err := r.apply(t, fixtureNamed(t, name))
		require.NoError(t, err)
		require.Equal(t, Applied, res.Outcome)
		assert.Empty(t, res.Resend, "a change applied the first time re-sends nothing")
		first = append(first, res.Commands)
	}
	st := r.state[`{"id":"job-cdc-2"}`]
	require.Len(t, st.Sources, 1)
	require.Len(t, st.Sources[0].Outbox, 2, "the post and the cancel")

	// A crash stored the state but lost the commands: both changes are
	// redelivered, in order, and each sends its own commands again.
	for i, name := range []string{"mssql_02_create", "mssql_05_update_cancel"} {
		res, err := r.apply(t, fixtureNamed(t, name))
		require.NoError(t, err)
		assert.Equal(t, Duplicate, res.Outcome)
		assert.Nil(t, res.State, "the state stays as it is")
		assert.Equal(t, r.encoded(t, first[i]), resent(res), name)
		assert.Len(t, r.sentAgain(t, res), len(first[i]))
	}
	assert.Equal(t, codecs.KindPostJob, first[0][0].Kind)
	assert.Equal(t, codecs.KindCancelJob, first[1][0].Kind)
	assert.Less(t, first[0][0].CDCMark, first[1][0].CDCMark, "marks sort like the source log")
}

func TestTheOutboxKeepsTheCommandsOfTheRowsLastChanges(t *testing.T) {
	r := newRunner(DefaultMapping())
	_, err := r.apply(t, fixtureNamed(t, "mssql_01_read"))
	require.NoError(t, err)
	var updates []fixture
	for i := range OutboxKeep + 2 {
		updates = append(updates, edit(t, fixtureNamed(t, "mssql_03_update_window"), func(v map[string]any) {
			section(v, "source")["commit_lsn"] = fmt.Sprintf("00000028:%08x:0001", 16+i)
			section(v, "after")["earliest_start"] = json.Number(fmt.Sprint(1894089600000000000 + int64(i+1)*3_600_000_000_000))
		}))
		res, err := r.apply(t, updates[i])
		require.NoError(t, err)
		require.Len(t, res.Commands, 1, "a reschedule")
	}
	ob := r.state[`{"id":"job-cdc-1"}`].Sources[0].Outbox
	require.Len(t, ob, OutboxKeep)
	res, err := r.apply(t, fixtureNamed(t, "mssql_01_read"))
	require.NoError(t, err)
	assert.Equal(t, Duplicate, res.Outcome)
	assert.Empty(t, res.Resend, "the snapshot's post fell out of the outbox")
	for i, u := range updates {
		res, err := r.apply(t, u)
		require.NoError(t, err)
		if i < 2 {
			assert.Empty(t, res.Resend, "update %d is too old", i)
			continue
		}
		cmds := r.sentAgain(t, res)
		require.Len(t, cmds, 1, "update %d", i)
		assert.Equal(t, codecs.KindRescheduleJob, cmds[0].Kind)
	}
}

func TestARedeliveredTombstoneSendsTheRemovalItCompletedAgain(t *testing.T) {
	r := newRunner(DefaultMapping())
	_, err := r.apply(t, fixtureNamed(t, "pg_02_create"))
	require.NoError(t, err)
	res, err := r.apply(t, fixtureNamed(t, "pg_05_tombstone"))
	require.NoError(t, err)
	require.Equal(t, Applied, res.Outcome)
	removal := res.Commands
	res, err = r.apply(t, fixtureNamed(t, "pg_05_tombstone"))
	require.NoError(t, err)
	assert.Equal(t, Ignored, res.Outcome)
	assert.Equal(t, r.encoded(t, removal), resent(res))
	assert.True(t, r.sentAgain(t, res)[0].UpsertTradesperson.Removed)

	// A tombstone after an applied delete completed nothing: nothing to re-send.
	r = newRunner(DefaultMapping())
	for _, name := range []string{"pg_02_create", "pg_04_delete", "pg_05_tombstone", "pg_05_tombstone"} {
		res, err = r.apply(t, fixtureNamed(t, name))
		require.NoError(t, err)
	}
	assert.Equal(t, Ignored, res.Outcome)
	assert.Empty(t, res.Resend)
}

func TestResendLeavesOutAProfileUpsertedAgainLater(t *testing.T) {
	up := func(pos, tenant, id string) codecs.CDCSent {
		return codecs.CDCSent{Position: pos, TenantID: tenant, EntityID: id, Kind: codecs.KindUpsertTradesperson, Command: []byte(pos)}
	}
	job := func(pos, kind string) codecs.CDCSent {
		return codecs.CDCSent{Position: pos, TenantID: "acme", EntityID: "j", Kind: kind, Command: []byte(pos + kind)}
	}
	cases := []struct {
		name   string
		outbox []codecs.CDCSent
		at     string
		want   []codecs.CDCSent
	}{
		{"the last upsert", []codecs.CDCSent{up("1", "acme", "tp"), up("2", "acme", "tp")}, "2", []codecs.CDCSent{up("2", "acme", "tp")}},
		{"an upsert upserted again later", []codecs.CDCSent{up("1", "acme", "tp"), up("2", "acme", "tp")}, "1", nil},
		{"a later upsert of another tenant's profile", []codecs.CDCSent{up("1", "acme", "tp"), up("2", "globex", "tp")}, "1",
			[]codecs.CDCSent{up("1", "acme", "tp")}},
		{"a tenant move: removal then create, same change", []codecs.CDCSent{up("1", "acme", "tp"), up("1", "globex", "tp")}, "1",
			[]codecs.CDCSent{up("1", "acme", "tp"), up("1", "globex", "tp")}},
		{"job commands are all needed", []codecs.CDCSent{job("1", codecs.KindPostJob), job("2", codecs.KindRescheduleJob)}, "1",
			[]codecs.CDCSent{job("1", codecs.KindPostJob)}},
		{"a position not in the outbox", []codecs.CDCSent{job("1", codecs.KindPostJob)}, "0", nil},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, resend(c.outbox, c.at), c.name)
	}
}

func TestKeepDropsWholeChanges(t *testing.T) {
	at := func(ps ...string) []codecs.CDCSent {
		out := []codecs.CDCSent{}
		for _, p := range ps {
			out = append(out, codecs.CDCSent{Position: p})
		}
		return out
	}
	assert.Equal(t, at("1", "1", "2"), keep(at("1", "1", "2"), 2))
	assert.Equal(t, at("2", "3", "3"), keep(at("1", "1", "2", "3", "3"), 2), "both commands of change 1 go")
	assert.Equal(t, at("3", "3"), keep(at("1", "2", "3", "3"), 1))
	assert.Equal(t, at(), keep(at(), 4))
}
