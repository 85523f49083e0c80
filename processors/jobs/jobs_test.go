package jobs

import (
	"testing"

	"github.com/lovoo/goka/tester"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/topology"
	"github.com/tradestream/tradestream/topology/topologytest"
)

func newTester(t *testing.T) (*tester.Tester, *topology.Catalog) {
	cat := topologytest.Catalog(t)
	return topologytest.Run(t, Define(cat)), cat
}

func TestProcessorStoresJobAndPublishesRejections(t *testing.T) {
	tt, cat := newTester(t)
	rejects := tt.NewQueueTracker(string(topology.RejectsTopic))
	key := "acme/j1"

	tt.Consume(string(topology.JobCommandsTopic), key, postCmd(1))
	tt.Consume(string(topology.JobCommandsTopic), key, statusCmd(2, codecs.StatusCompleted))
	tt.Consume(string(topology.JobCommandsTopic), key, statusCmd(2, codecs.StatusCompleted)) // redelivered

	j, ok := tt.TableValue(cat.Jobs.Topic, key).(*codecs.Job)
	require.True(t, ok)
	assert.Equal(t, codecs.StatusPosted, j.Status)
	require.NotNil(t, j.LastRejection)
	assert.Equal(t, "c-completed", j.LastRejection.CommandID)

	k, v, ok := rejects.Next()
	require.True(t, ok)
	assert.Equal(t, "acme", k)
	assert.Equal(t, CodeInvalidTransition, v.(*codecs.Rejection).Code)
	_, _, ok = rejects.Next()
	assert.False(t, ok, "the redelivery publishes no second rejection")
}

func TestGarbageInputBecomesADeadLetter(t *testing.T) {
	tt, cat := newTester(t)
	dlq := tt.NewQueueTracker(string(topology.DeadLettersTopic))
	tt.Consume(string(topology.JobCommandsTopic), "acme/j1", []byte("garbage"))
	_, v, ok := dlq.Next()
	require.True(t, ok)
	dl := v.(*codecs.DeadLetter)
	assert.Contains(t, dl.Error, "bad magic byte")
	assert.Equal(t, []byte("garbage"), dl.Value)
	assert.Equal(t, string(topology.JobCommandsTopic), dl.Topic)

	tt.Consume(string(topology.JobCommandsTopic), "acme/j1", postCmd(1))
	assert.NotNil(t, tt.TableValue(cat.Jobs.Topic, "acme/j1"), "processing goes on after the bad record")
}
