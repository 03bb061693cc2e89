package promtool

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slo-compiler/slo/internal/simulate"
)

var scenarioDir = flag.String("scenario-dir", "", "write the ThirtyDaySLO benchmark scenario into with-budget/ and without-budget/ (the file promtool can run) of this directory (see bench/promtool_bench.sh, scripts/bench-test.sh)")

// TestWriteBenchScenario writes the benchmark scenario when -scenario-dir
// is given: with-budget/slo_test.yml includes the 30-day traffic-weighted
// budget rule, without-budget/slo_test.yml leaves it out (promtool's
// 10,000-sample query limit rejects it).
func TestWriteBenchScenario(t *testing.T) {
	if *scenarioDir == "" {
		t.Skip("no -scenario-dir")
	}
	for name, sc := range map[string]ThirtyDaySLO{
		"with-budget":    {BudgetRule: true},
		"without-budget": {},
	} {
		p, err := sc.Write(filepath.Join(*scenarioDir, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Log("wrote", p)
	}
}

func TestThirtyDaySLOPasses(t *testing.T) {
	for _, sc := range []ThirtyDaySLO{{}, {BudgetRule: true}, {BudgetRule: true, SLOs: 3}} {
		budget := sc.BudgetRule
		p, err := sc.Write(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		res, err := RunFile(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Passed() {
			t.Fatalf("budget=%v: scenario failed:\n%s", budget, strings.Join(res.Errors(), "\n"))
		}
		st := res.Groups[0].Stats
		// Every rule is proven unable to fail, so nothing is scanned over
		// the 31 days (errscan.go).
		if st.Exhaustive || st.ScannedRules != 0 || st.EvaluatedSteps*100 > st.Steps || (budget && st.MaterializedSteps < 43200*2*max(sc.SLOs, 1)) {
			t.Errorf("budget=%v: on-demand evaluated %d of %d steps (fallback %q)", budget, st.EvaluatedSteps, st.Steps, st.Fallback)
		}
		t.Logf("budget=%v: %+v", budget, st)
	}
}

// TestShortSLOModesAgree runs a 1-day variant, short enough to evaluate
// exhaustively, in both modes; the failing variant breaks the alert
// assertions so the failure text is compared too.
func TestShortSLOModesAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("exhaustive evaluation of the budget rule is quadratic")
	}
	for _, slos := range []int{1, 3} {
		t.Run(fmt.Sprint(slos, " SLOs"), func(t *testing.T) {
			t.Parallel()
			p, err := ThirtyDaySLO{Days: 1, SLOs: slos, BudgetRule: true}.Write(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			od, ex := runBoth(t, p)
			if !od.Passed() || !ex.Passed() {
				t.Fatalf("want pass, got:\n%s\n---\n%s", strings.Join(od.Errors(), "\n"), strings.Join(ex.Errors(), "\n"))
			}
		})
	}
}

// BenchmarkThirtyDaySLO evaluates the 30-day SLO scenario. "promtool-scenario"
// is the variant without the budget rule that bench/promtool_bench.sh also
// times with promtool; exhaustive evaluation of the budget rule at every
// step is quadratic and left out.
func BenchmarkThirtyDaySLO(b *testing.B) {
	p, err := ThirtyDaySLO{BudgetRule: true}.Write(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	tenSLOs, err := ThirtyDaySLO{BudgetRule: true, SLOs: 10}.Write(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	noBudget, err := ThirtyDaySLO{}.Write(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		file string
		opts Options
	}{
		{"on-demand", p, Options{}},
		{"on-demand/10-slos", tenSLOs, Options{}},
		{"on-demand/promtool-scenario", noBudget, Options{}},
		{"exhaustive/promtool-scenario", noBudget, Options{Options: simulate.Options{Exhaustive: true}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				res, err := RunFile(bc.file, bc.opts)
				if err != nil {
					b.Fatal(err)
				}
				if !res.Passed() {
					b.Fatalf("scenario failed:\n%s", strings.Join(res.Errors(), "\n"))
				}
			}
		})
	}
}
