package state

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
)

func jobState(v int64) *JobState {
	return &JobState{Version: v, JSON: fmt.Appendf(nil, `{"version":%d}`, v)}
}

func TestASlowSubscriberNeitherBlocksThePublisherNorOthersAndEndsOnTheLatest(t *testing.T) {
	reg := prometheus.NewRegistry()
	f := NewFeed(reg)
	slow, err := f.Subscribe("acme/j1")
	require.NoError(t, err)
	fast, err := f.Subscribe("acme/j1")
	require.NoError(t, err)

	const n = 10_000
	published := make(chan struct{})
	go func() {
		defer close(published)
		for v := int64(1); v <= n; v++ {
			f.PublishJob("acme/j1", jobState(v))
		}
	}()
	var seen []int64 // what the fast subscriber took, in order
	for done := false; !done; {
		select {
		case <-fast.Wake():
			js, _ := fast.Latest()
			seen = append(seen, js.Version)
		case <-published:
			done = true
		case <-time.After(30 * time.Second):
			t.Fatal("the publisher blocked on a subscriber that never reads")
		}
	}
	select { // the last wake-up may still be pending
	case <-fast.Wake():
		js, _ := fast.Latest()
		seen = append(seen, js.Version)
	default:
	}
	assert.IsNonDecreasing(t, seen, "states arrive in order (a state may come twice: the stream skips it)")
	assert.Equal(t, int64(n), seen[len(seen)-1], "the fast subscriber ends on the latest state")

	<-slow.Wake()
	js, _ := slow.Latest()
	assert.Equal(t, int64(n), js.Version, "drop-to-latest: the slow subscriber gets the latest state")
	select {
	case <-slow.Wake():
		t.Fatal("one pending wake-up at most")
	default:
	}
	dropped := value(f.metrics.dropped.WithLabelValues("job"))
	assert.GreaterOrEqual(t, dropped, float64(n-1), "the slow subscriber's skipped states are counted")
}

func TestManySubscribersOfManyJobsEachGetTheirJob(t *testing.T) {
	f := NewFeed(nil)
	const jobs, perJob = 20, 50
	subs := map[string][]*Subscription{}
	for j := range jobs {
		key := fmt.Sprint("acme/j", j)
		for range perJob {
			s, err := f.Subscribe(key)
			require.NoError(t, err)
			subs[key] = append(subs[key], s)
		}
	}
	assert.Equal(t, float64(jobs*perJob), value(f.metrics.subscribers))
	var wg sync.WaitGroup
	for j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.PublishJob(fmt.Sprint("acme/j", j), jobState(int64(100+j)))
			f.PublishConversation(fmt.Sprint("acme/j", j), &codecs.Conversation{JobID: fmt.Sprint("j", j), Count: int64(j)})
		}()
	}
	wg.Wait()
	for j := range jobs {
		for _, s := range subs[fmt.Sprint("acme/j", j)] {
			<-s.Wake()
			js, conv := s.Latest()
			require.NotNil(t, js)
			assert.Equal(t, int64(100+j), js.Version)
			assert.Equal(t, fmt.Sprint("j", j), conv.JobID)
			s.Close()
			s.Close() // idempotent
		}
	}
	assert.Equal(t, float64(0), value(f.metrics.subscribers))
	assert.False(t, f.Watched("acme/j0"), "a job nobody watches is forgotten")
}

func TestPublishingAnUnwatchedJobKeepsNothing(t *testing.T) {
	f := NewFeed(nil)
	f.PublishJob("acme/j1", jobState(1))
	s, err := f.Subscribe("acme/j1")
	require.NoError(t, err)
	js, conv := s.Latest()
	assert.Nil(t, js)
	assert.Nil(t, conv)
}

func TestClosingTheFeedEndsEverySubscription(t *testing.T) {
	f := NewFeed(nil)
	s, err := f.Subscribe("acme/j1")
	require.NoError(t, err)
	f.Close()
	f.Close()
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done did not close")
	}
	_, err = f.Subscribe("acme/j2")
	assert.ErrorIs(t, err, ErrFeedClosed)
	s.Close()
}

func TestMessagesAfter(t *testing.T) {
	conv := &codecs.Conversation{Count: 7, Messages: []codecs.ChatMessage{{N: 5}, {N: 6}, {N: 7}}}
	cases := []struct {
		name   string
		conv   *codecs.Conversation
		after  int64
		want   []int64
		missed int64
	}{
		{"no conversation", nil, 0, nil, 0},
		{"up to date", conv, 7, nil, 0},
		{"ahead (a stale snapshot)", conv, 9, nil, 0},
		{"one behind", conv, 6, []int64{7}, 0},
		{"behind but all kept", conv, 4, []int64{5, 6, 7}, 0},
		{"further behind than kept", conv, 1, []int64{5, 6, 7}, 3},
		{"a new client of an old conversation", conv, 0, []int64{5, 6, 7}, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msgs, missed := MessagesAfter(tc.conv, tc.after)
			var got []int64
			for _, m := range msgs {
				got = append(got, m.N)
			}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.missed, missed)
		})
	}
}

// value reads a gauge or counter.
func value(c prometheus.Metric) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	if m.Gauge != nil {
		return m.Gauge.GetValue()
	}
	return m.Counter.GetValue()
}
