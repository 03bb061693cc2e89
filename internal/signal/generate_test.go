package signal_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/scenario"
	. "github.com/slo-compiler/slo/internal/signal"
)

// TestGenerateShipped: every alert severity of the shipped specs whose
// signal slo can invert gets a firing and a silent scenario, and the ones
// it cannot are exactly those it says need a hand-written scenario.
func TestGenerateShipped(t *testing.T) {
	p, diags, err := input.Load([]string{"../../specs"})
	if err != nil || p == nil {
		t.Fatalf("%v %v", err, diags)
	}
	var uncovered, failureGaps []string
	for _, svc := range p.Services {
		ss, unc := Generate(svc)
		for _, u := range unc {
			if strings.HasPrefix(u.Why, "failure mode ") {
				failureGaps = append(failureGaps, u.Alert)
				continue
			}
			uncovered = append(uncovered, u.Alert)
		}
		type key struct {
			alert, sev string
			firing     bool
		}
		got := map[key]int{}
		for _, s := range ss {
			if !s.Generated || len(s.Series) == 0 || len(s.Ranges) == 0 {
				t.Errorf("%s: generated scenario without series or expectations", s.Name)
			}
			for _, c := range s.Covers {
				got[key{c.Alert, c.Severity, c.Firing}]++
			}
		}
		for _, a := range svc.Alerts {
			if slices.Contains(uncovered, a.Name) {
				continue
			}
			for _, l := range a.Levels {
				for _, firing := range []bool{true, false} {
					if got[key{a.Name, string(l.Severity), firing}] == 0 {
						t.Errorf("%s %s: no generated scenario with firing=%v", a.Name, l.Severity, firing)
					}
				}
			}
		}
		for _, slo := range svc.SLOs {
			for _, b := range []string{"critical", "warning"} {
				// Two window pairs, each at 1.1x and 0.9x, and a spike.
				if n := got[key{slo.Alerting.Name, b, true}]; n != 2 {
					t.Errorf("%s %s: %d firing scenarios, want 2", slo.Alerting.Name, b, n)
				}
				if n := got[key{slo.Alerting.Name, b, false}]; n != 3 {
					t.Errorf("%s %s: %d silent scenarios, want 3", slo.Alerting.Name, b, n)
				}
			}
		}
	}
	want := []string{"BudgetUtilizationHigh", "CostPerJobHigh", "ProcessingTimeHigh", "DiskUsageHigh",
		"SubscriptionCancellationRateHigh"}
	slices.Sort(want)
	slices.Sort(uncovered)
	if diff := cmp.Diff(want, uncovered); diff != "" {
		t.Errorf("alerts generation cannot invert (-want +got):\n%s", diff)
	}
	// DiskUsageHigh is grouped by instance and mountpoint, but its
	// expression (1 - avail / size) cannot be inverted into one group's
	// series; its one-of-many mode is a hand-written scenario's job.
	if diff := cmp.Diff([]string{"DiskUsageHigh"}, failureGaps); diff != "" {
		t.Errorf("alerts whose failure modes generation cannot build (-want +got):\n%s", diff)
	}
}

func TestValuesNotation(t *testing.T) {
	// Exported through a scenario: a threshold scenario's series.
	p, _, _ := input.Load([]string{"../../specs/dubbing/job-processing.yaml"})
	ss, _ := Generate(p.Services[0])
	got := ss[0].Series[0]
	want := scenario.Series{Series: `dubbing_queue_depth{stage="x"}`, Values: "_x10 220x15"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
