package app

import (
	"hash/fnv"
	"os"
	"testing"
	"time"

	"github.com/slo-compiler/slo/internal/scenario"
)

// TestOnDemandMatchesExhaustiveFailing is TestOnDemandMatchesExhaustive on
// scenarios made to fail: every repository scenario passes, so the plain
// comparison shows only that both modes pass; here each scenario's
// assertions are moved (to other times, other states, other values), so
// that the failure messages, which carry what the engine computed at the
// times asserted, are compared too. SLO_COMPARE_MUTATED=1 runs it (about
// as long as SLO_COMPARE_ALL), over every scenario or, with
// SLO_COMPARE_ALL unset, over TestOnDemandMatchesExhaustive's sample.
func TestOnDemandMatchesExhaustiveFailing(t *testing.T) {
	if os.Getenv("SLO_COMPARE_MUTATED") == "" {
		t.Skip("set SLO_COMPARE_MUTATED=1 to compare the modes on failing scenarios")
	}
	heavy(t)
	sample := compareSample(t)
	mutated := map[*scenario.Scenario]bool{}
	keep := func(file string, s *scenario.Scenario) bool {
		if sample != nil && !sample(file, s) {
			return false
		}
		if !mutated[s] {
			mutated[s] = true
			mutate(s)
		}
		return true
	}
	_, exhaustive := compareModes(t, repoPaths, keep)
	failing, failures := 0, 0
	for _, r := range exhaustive {
		if len(r.Failures) > 0 {
			failing++
			failures += len(r.Failures)
		}
	}
	t.Logf("%d scenarios, %d failing, %d failures", len(exhaustive), failing, failures)
	// Unless most scenarios fail, the failure messages compared are few:
	// the mutations stopped working (78 of the sample's 79 fail).
	if failing*2 < len(exhaustive) {
		t.Errorf("only %d of %d mutated scenarios fail: the comparison covers few failure messages", failing, len(exhaustive))
	}
}

// mutate moves s's assertions, one of four ways picked by its name. No
// repository scenario has a promql_expr_test today, so the query moves
// change nothing yet: the modes' query values, failing ones included, are
// compared by package promtool's tests (TestModesAgree and others).
func mutate(s *scenario.Scenario) {
	h := fnv.New32a()
	h.Write([]byte(s.Name))
	step := s.Interval
	if step <= 0 {
		step = time.Minute
	}
	earlier := func(d time.Duration) time.Duration { return d / 2 / step * step }
	// Every range asserts the opposite.
	for i := range s.Ranges {
		r := &s.Ranges[i]
		r.Kind = map[scenario.RangeKind]scenario.RangeKind{
			scenario.NeverFires:       scenario.FiresWithin,
			scenario.FiresWithin:      scenario.NeverFires,
			scenario.ResolvedBy:       scenario.FiresWithin,
			scenario.AlwaysFires:      scenario.NeverFires,
			scenario.PendingThenFires: scenario.NeverFires,
		}[r.Kind]
	}
	switch h.Sum32() % 4 {
	case 0: // the same expectations, earlier
		for i := range s.Alerts {
			s.Alerts[i].At = earlier(s.Alerts[i].At)
		}
		for i := range s.Queries {
			s.Queries[i].At = earlier(s.Queries[i].At)
		}
	case 1: // firing expected pending, and the other way round
		for i := range s.Alerts {
			a := &s.Alerts[i]
			a.Firing, a.Pending, a.CheckPending = a.Pending, a.Firing, true
		}
		for i := range s.Ranges {
			s.Ranges[i].From = earlier(s.Ranges[i].From)
		}
	case 2: // silence expected where it fires and the other way round, other values
		for i := range s.Alerts {
			a := &s.Alerts[i]
			if len(a.Firing) > 0 {
				a.Firing = nil
			} else {
				a.Firing = []scenario.ExpAlert{{Labels: map[string]string{"mutated": "yes"}}}
			}
		}
		for i := range s.Queries {
			for j := range s.Queries[i].Samples {
				s.Queries[i].Samples[j].Value++
			}
		}
	case 3: // a little later
		for i := range s.Alerts {
			s.Alerts[i].At += 7 * step
		}
		for i := range s.Ranges {
			s.Ranges[i].To += 7 * step
		}
		for i := range s.Queries {
			s.Queries[i].At += 3 * step
		}
	}
}
