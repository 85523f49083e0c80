package pricing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

var t0 = time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)

func TestSetPricingRepricesTrackedJobsOnce(t *testing.T) {
	st := codecs.TenantPricing{}
	next, _ := Apply(st, &codecs.Command{Kind: codecs.KindTrackOpenJob, JobID: "j1"})
	require.NotNil(t, next)
	same, _ := Apply(*next, &codecs.Command{Kind: codecs.KindTrackOpenJob, JobID: "j1"})
	assert.Nil(t, same, "tracking twice changes nothing")
	set := &codecs.Command{Kind: codecs.KindSetPricing, Seq: 4, AcceptedAt: t0, SetPricing: &codecs.SetPricing{TaxBps: 2000, PlatformFeeBps: 1000}}
	after, reprice := Apply(*next, set)
	require.NotNil(t, after)
	assert.Equal(t, []string{"j1"}, reprice)
	assert.Equal(t, int32(2000), after.TaxBps)
	again, resend := Apply(*after, set)
	assert.Nil(t, again, "a redelivered set_pricing changes nothing")
	assert.Equal(t, []string{"j1"}, resend, "but re-prices again in case a crash lost the messages")
	untracked, _ := Apply(*after, &codecs.Command{Kind: codecs.KindUntrackOpenJob, JobID: "j1"})
	assert.Empty(t, untracked.OpenJobs)
}

func TestARepriceIsStampedWithTheSetPricingAndItsSequence(t *testing.T) {
	set := &codecs.Command{Kind: codecs.KindSetPricing, Seq: 4, SetPricing: &codecs.SetPricing{TaxBps: 2000, PlatformFeeBps: 1000}}
	assert.Equal(t, &codecs.PricingStamp{TaxBps: 2000, PlatformFeeBps: 1000, Seq: 4}, Stamp(set))
	assert.Nil(t, Stamp(&codecs.Command{Kind: codecs.KindSetPricing, Seq: 4}))
}
