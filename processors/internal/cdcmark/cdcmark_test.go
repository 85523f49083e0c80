package cdcmark

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

const (
	jobs = "legacy.marketplace.dbo.jobs"
	tps  = "legacy.public.tradespeople"
	p1   = "pg:00000000000024023100"
	p2   = "pg:00000000000024023300"
)

func TestOfSortsLikeTheSourceLog(t *testing.T) {
	ordered := []string{
		Of(tps, p1, 0), Of(tps, p1, 1), Of(tps, p1+"/tombstone", 0), Of(tps, p2, 0), Of(tps, p2, 12),
	}
	for i := 1; i < len(ordered); i++ {
		assert.Less(t, ordered[i-1], ordered[i])
	}
	assert.Equal(t, tps+" "+p1+"/0003", Of(tps, p1, 3))
}

func TestSeen(t *testing.T) {
	marks := []string{Of(jobs, "sqlserver:b", 1), Of(tps, p2, 0)}
	for _, c := range []struct {
		name string
		mark string
		want bool
	}{
		{"the last applied mark itself", Of(tps, p2, 0), true},
		{"an earlier change", Of(tps, p1, 0), true},
		{"an earlier command of the same change", Of(jobs, "sqlserver:b", 0), true},
		{"a later command of the same change", Of(jobs, "sqlserver:b", 2), false},
		{"a later change", Of(tps, "pg:00000000000024023400", 0), false},
		{"a tombstone after the applied change", Of(tps, p2+"/tombstone", 0), false},
		{"another topic", Of("crm.public.tradespeople", p1, 0), false},
		{"no mark (not a CDC command)", "", false},
		{"a malformed mark", "garbage", false},
	} {
		assert.Equal(t, c.want, Seen(marks, c.mark), c.name)
	}
	assert.False(t, Seen(nil, Of(tps, p1, 0)), "an entity without marks has seen nothing")
}

func TestNote(t *testing.T) {
	first := Note(nil, Of(tps, p1, 0))
	assert.Equal(t, []string{Of(tps, p1, 0)}, first)
	second := Note(first, Of(jobs, "sqlserver:a", 0))
	assert.Equal(t, []string{Of(tps, p1, 0), Of(jobs, "sqlserver:a", 0)}, second, "one mark per topic")
	third := Note(second, Of(tps, p2, 1))
	assert.Equal(t, []string{Of(tps, p2, 1), Of(jobs, "sqlserver:a", 0)}, third, "a later mark replaces its topic's")
	assert.Equal(t, []string{Of(tps, p1, 0), Of(jobs, "sqlserver:a", 0)}, second, "the input is not modified")
	assert.Equal(t, third, Note(third, Of(tps, p1, 0)), "an earlier mark does not move the topic's back")
	assert.Equal(t, []string{}, Note(nil, ""), "never nil; an empty mark changes nothing")
	assert.Equal(t, third, Note(third, "garbage"))
}
