// Package rating is the arithmetic of tradespeople's ratings, shared by the
// tradespeople group (which keeps each aggregate) and the matching group
// (which ranks by it).
package rating

import "github.com/tradestream/tradestream/codecs"

// The Bayesian prior: every tradesperson starts at Prior stars with the
// weight of Weight ratings, so that one 5-star rating does not outrank a
// long record of 4.8s.
const (
	Prior  = codecs.RatingPrior
	Weight = codecs.RatingPriorWeight
)

// Bayesian is the rating shrunk towards the prior: (Weight·Prior + sum) /
// (Weight + count), where sum = count·average.
func Bayesian(count int64, average float64) float64 {
	return (Weight*Prior + float64(count)*average) / (Weight + float64(count))
}

// Add returns r with one more rating of stars (1 to 5; anything else is
// ignored and r returned as is). The average and the Bayesian rating are
// recomputed from the distribution, so they never drift: average =
// Σ stars·n / count, unrounded.
func Add(r codecs.Rating, stars int32) codecs.Rating {
	if stars < codecs.MinStars || stars > codecs.MaxStars {
		return r
	}
	dist := make([]int64, codecs.MaxStars)
	copy(dist, r.Distribution)
	dist[stars-1]++
	var count, sum int64
	for i, n := range dist {
		count += n
		sum += int64(i+1) * n
	}
	avg := float64(sum) / float64(count)
	return codecs.Rating{Count: count, Average: avg, Bayesian: Bayesian(count, avg), Distribution: dist}
}
