package main

import (
	"flag"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/calendar"
)

var (
	scenarioSeeds    = flag.Int("scenario.seeds", 8, "random seeds of the in-memory scheduling scenario")
	scenarioSeed     = flag.Uint64("scenario.seed", 0, "run the random-seeds scenario with this seed only (to reproduce a failure)")
	scenarioCommands = flag.Int("scenario.commands", 5000, "client commands per scheduling scenario")
	// Fault rates per processed record.
	scenarioRedeliver = flag.Float64("scenario.redeliver", 0.02, "probability that a partition is rewound after a record")
	scenarioCrash     = flag.Float64("scenario.crash", 0.002, "probability of a crash losing a record's output")
	scenarioDuplicate = flag.Float64("scenario.duplicate", 0.02, "probability that a record is delivered again later, out of order")
)

// checkScenario runs one in-memory scenario and checks the invariants.
func checkScenario(t *testing.T, seed uint64) {
	t.Helper()
	cmds := scenario(seed, 3, 12, *scenarioCommands)
	b := newMemBusDup(seed, *scenarioRedeliver, *scenarioCrash, *scenarioDuplicate)
	require.NoError(t, runScenario(b, cmds), "seed %d", seed)
	cals, js := b.tables()
	r := calendar.Check(cals, js, time.Time{})
	for i, v := range r.Violations {
		if i == 20 {
			break
		}
		t.Errorf("seed %d: %s", seed, v)
	}
	assert.Empty(t, r.InFlight, "seed %d: jobs never answered", seed)
	cycles := cycleRefusals(js)
	st := statuses(js)
	t.Logf("seed %d: %d commands, %d records processed, %d faults, %d appointments, %d refused for a cycle; %v",
		seed, len(cmds), b.processed, b.faults, r.Appointments, cycles, st)
	require.GreaterOrEqual(t, len(cmds), 5000)
	assert.Greater(t, st["booked"], len(js)/10, "seed %d: the scenario books a good share of its jobs", seed)
	assert.Positive(t, st["needs_attention"])
	assert.Positive(t, st["cancelled"])
}

// TestSchedulingScenarioInMemoryFixedSeed runs a randomized scenario of
// 5 000 client commands (bids, auto jobs, dependency chains, cancels,
// reschedules, field reports, profile changes) through the scheduling
// groups' logic with redeliveries, duplicates delivered out of order,
// crashes that lose sent records, and a restart halfway; then every scheduling invariant holds and no job is
// left waiting for an answer.
func TestSchedulingScenarioInMemoryFixedSeed(t *testing.T) {
	checkScenario(t, 20300107)
}

// TestSchedulingScenarioInMemoryRandomSeeds is the same with random seeds
// (-scenario.seeds; each is logged, and -scenario.seed=N runs one again).
func TestSchedulingScenarioInMemoryRandomSeeds(t *testing.T) {
	for range *scenarioSeeds {
		seed := rand.Uint64()
		if *scenarioSeed != 0 {
			seed = *scenarioSeed
		}
		t.Run("", func(t *testing.T) {
			t.Parallel()
			checkScenario(t, seed)
		})
		if *scenarioSeed != 0 {
			return
		}
	}
}

// cycleRefusals counts the jobs refused for a dependency cycle (their
// rejection still in view); calendar.Check judges their posting order.
func cycleRefusals(js []codecs.Job) int {
	n := 0
	for _, j := range js {
		if j.LastRejection != nil && j.LastRejection.Code == codecs.CodeDependencyCycle {
			n++
		}
	}
	return n
}
