package rating

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tradestream/tradestream/codecs"
)

func TestAddKeepsCountAverageBayesianAndDistribution(t *testing.T) {
	tests := []struct {
		name  string
		stars []int32
		want  codecs.Rating
	}{
		{"one five", []int32{5}, codecs.Rating{Count: 1, Average: 5,
			// (4.0·5 + 5) / (5 + 1) = 25/6
			Bayesian: 25.0 / 6, Distribution: []int64{0, 0, 0, 0, 1}}},
		{"five, three, four", []int32{5, 3, 4}, codecs.Rating{Count: 3, Average: 4,
			// (20 + 12) / 8 = 4
			Bayesian: 4, Distribution: []int64{0, 0, 1, 1, 1}}},
		{"two ones", []int32{1, 1}, codecs.Rating{Count: 2, Average: 1,
			// (20 + 2) / 7
			Bayesian: 22.0 / 7, Distribution: []int64{2, 0, 0, 0, 0}}},
		{"out of range ignored", []int32{0, 6, 2}, codecs.Rating{Count: 1, Average: 2,
			// (20 + 2) / 6
			Bayesian: 22.0 / 6, Distribution: []int64{0, 1, 0, 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r codecs.Rating
			for _, s := range tt.stars {
				r = Add(r, s)
			}
			assert.Equal(t, tt.want, r)
		})
	}
}

func TestAddDoesNotModifyItsArgument(t *testing.T) {
	r := Add(codecs.Rating{}, 4)
	_ = Add(r, 5)
	assert.Equal(t, []int64{0, 0, 0, 1, 0}, r.Distribution)
}

func TestBayesianOfNoRatingsIsThePrior(t *testing.T) {
	assert.Equal(t, Prior, Bayesian(0, 0))
}
