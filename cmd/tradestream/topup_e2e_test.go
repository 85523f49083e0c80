package main

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

// TestABidJobIsToppedUpByEachTradespersonWhoJoinsUntilItHasFiveOffers
// posts a bid job before any tradesperson exists; tradespeople then sign
// up one after the other, and each is offered the job (one job_offer
// each) until it has five offers: the sixth is not, though a job posted
// after it is offered to it.
func TestABidJobIsToppedUpByEachTradespersonWhoJoinsUntilItHasFiveOffers(t *testing.T) {
	env := newTestEnv(t)
	in := env.start(t, "a", t.TempDir())
	base := "/v1/tenants/acme"
	signUp := func(id string, lat float64) {
		in.accept(t, "POST", base+"/tradespeople", map[string]any{"id": id, "name": id, "trades": []string{"plumber"},
			"base": map[string]any{"lat": lat, "lon": -0.12}, "radius_km": 20})
		waitTP(t, in, "acme", id)
	}
	offers := func(tp, job string) int {
		notes := view[[]codecs.Notification](t, in, "acme", "tradespeople/"+tp+"/notifications")
		if notes == nil {
			return 0
		}
		n := 0
		for _, note := range *notes {
			if note.Kind == "job_offer" && note.JobID == job {
				n++
			}
		}
		return n
	}
	in.accept(t, "POST", base+"/jobs", jobBody("early", 7))
	in.waitJob(t, "acme", "early", func(j *codecs.Job) bool { return j.Status == codecs.StatusPosted }, "posted")

	var joined []string
	for i := 1; i <= 5; i++ {
		tp := fmt.Sprint("tp", i)
		signUp(tp, 51.51-float64(i)*0.001)
		joined = append(joined, tp)
		j := in.waitJob(t, "acme", "early", func(j *codecs.Job) bool { return len(j.OfferedTo) == i },
			fmt.Sprintf("offered to %d after %s joined", i, tp))
		assert.ElementsMatch(t, joined, j.OfferedTo)
		eventually(t, 30*time.Second, func() bool { return offers(tp, "early") > 0 }, tp+"'s job_offer")
		if i == 3 {
			for _, p := range joined {
				assert.Equal(t, 1, offers(p, "early"), "one job_offer for %s", p)
			}
		}
	}

	// The sixth, nearest of all, is offered a job posted after it joined,
	// not the one that has its five offers.
	signUp("tp6", 51.5)
	in.accept(t, "POST", base+"/jobs", jobBody("next", 8))
	in.waitJob(t, "acme", "next", func(j *codecs.Job) bool { return slices.Contains(j.OfferedTo, "tp6") }, "next offered to tp6")
	eventually(t, 30*time.Second, func() bool { return offers("tp6", "next") > 0 }, "tp6's job_offer for next")
	j := in.waitJob(t, "acme", "early", func(*codecs.Job) bool { return true }, "early")
	require.Len(t, j.OfferedTo, 5)
	assert.NotContains(t, j.OfferedTo, "tp6")
	assert.Zero(t, offers("tp6", "early"), "never more than five offers")
	for _, p := range joined {
		assert.Equal(t, 1, offers(p, "early"), "one job_offer for %s", p)
	}
}
