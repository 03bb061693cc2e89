package harness

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slo-compiler/slo/internal/scenario"
)

// TestPendingThenFiresLongRange runs "pending, then fires" ranges of 3,000
// steps, long enough for the simulator to observe them only up to where
// its probes put the first firing (simulate's prefixRange), on demand and
// exhaustively: the verdicts and messages must be the same, for a range
// that passes (after a flicker), one whose firing the probes miss, one
// whose alert went pending before it, one that fires late, one whose
// alert never fires and one where it stays inactive.
func TestPendingThenFiresLongRange(t *testing.T) {
	rules := "groups:\n  - name: g\n    rules:\n      - alert: High\n        expr: x > 1\n        for: 5m\n"
	m := time.Minute
	cases := []struct {
		name, values string
		from, pfor   time.Duration
		want         string
	}{
		// A flicker of 2 steps at 188, then pending at 1001, firing at 1006.
		{"fires", "0x187 2x1 0x810 2x2000", 0, 5 * m, ""},
		// The same flicker, met by a probe (steps 94 apart), and a run
		// that fires between two probes: the guess from the flicker
		// misses it, and the whole range is observed.
		{"fires between probes", "0x187 2x1 0x810 2x9 0x1990", 0, 5 * m, ""},
		{"fires late", "0x187 2x1 0x810 2x2000", 0, 3 * m, "to fire after its for of 3m at 16h44m, but it fired at 16h46m"},
		{"pending before", "0x1000 2x2000", 1003 * m, 5 * m, "already pending before"},
		{"flicker only", "0x187 2x1 0x2810", 0, 5 * m, "never fired (it was pending at 3h8m)"},
		{"inactive", "0x3000", 0, 5 * m, "stayed inactive"},
	}
	f := &scenario.File{Name: "f.yaml", RuleFiles: []scenario.RuleFile{{Name: "r.yml", Data: []byte(rules)}}}
	for _, c := range cases {
		f.Scenarios = append(f.Scenarios, &scenario.Scenario{
			Name: c.name, Interval: m,
			Series: []scenario.Series{{Series: `x{job="a"}`, Values: c.values}},
			Ranges: []scenario.AlertRange{{Kind: scenario.PendingThenFires, Alertname: "High", From: c.from, To: c.from + 2990*m, For: c.pfor}},
		})
	}
	wants := make(map[string]string, len(cases))
	for _, c := range cases {
		wants[c.name] = c.want
	}
	sameBothWays(t, f, 2, wants)
}

// TestPendingThenFiresForZero: with `for: 0`, an alert already active
// before the range fails "pending, then fires" exhaustively (its ActiveAt
// is before From); on demand it showed From as its ActiveAt and passed,
// until the planner evaluated observed ranges' rules from one step more
// before them. One that goes pending at From passes both ways, with a
// range on and off the evaluation grid.
func TestPendingThenFiresForZero(t *testing.T) {
	rules := "groups:\n  - name: g\n    rules:\n      - alert: High\n        expr: x > 1\n"
	m := time.Minute
	cases := []struct {
		name, values string
		from         time.Duration
		want         string
	}{
		{"active before", "2x100", 10 * m, "already pending before 10m"},
		{"active since the step before", "0x8 2x100", 10 * m, "already pending before 10m"},
		{"pending at from", "0x9 2x100", 10 * m, ""},
		{"off the grid, active before", "2x100", 10*m + 30*time.Second, "already pending before 10m30s"},
		{"off the grid, pending at the first step", "0x10 2x100", 10*m + 30*time.Second, ""},
	}
	f := &scenario.File{Name: "f.yaml", RuleFiles: []scenario.RuleFile{{Name: "r.yml", Data: []byte(rules)}}}
	for _, c := range cases {
		f.Scenarios = append(f.Scenarios, &scenario.Scenario{
			Name: c.name, Interval: m,
			Series: []scenario.Series{{Series: `x{job="a"}`, Values: c.values}},
			Ranges: []scenario.AlertRange{{Kind: scenario.PendingThenFires, Alertname: "High", From: c.from, To: c.from + 20*m}},
		})
	}
	wants := make(map[string]string, len(cases))
	for _, c := range cases {
		wants[c.name] = c.want
	}
	sameBothWays(t, f, 1, wants)
}

// sameBothWays runs f's scenarios on demand and exhaustively, parallel at
// a time: the failures must be the same both ways, and each scenario's
// must say want[its name] ("" for none).
func sameBothWays(t *testing.T, f *scenario.File, parallel int, want map[string]string) {
	t.Helper()
	messages := func(exhaustive bool) []string {
		rs, err := Run([]*scenario.File{f}, Options{Parallelism: parallel, Exhaustive: exhaustive})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, fmt.Sprint(r.Failures))
		}
		return out
	}
	od, ex := messages(false), messages(true)
	if !slices.Equal(od, ex) {
		t.Errorf("on demand %q, exhaustively %q", od, ex)
	}
	for i, s := range f.Scenarios {
		w := want[s.Name]
		if got := od[i]; (w == "") != (got == "[]") || !strings.Contains(got, w) {
			t.Errorf("%s: failures %s, want one saying %q", s.Name, got, w)
		}
	}
}

// TestPendingThenFiresStopsAtFiring: the harness asks the simulator to
// observe a "pending, then fires" range only up to its first firing
// (ObserveRange.UntilFiring). The alert reads a recording rule, whose
// outputs are computed by range queries over the steps observed: over a
// range of 3,000 steps whose alert fires at step 1,006, about a third of
// them; observed whole, as it is when the flag is dropped, every step.
func TestPendingThenFiresStopsAtFiring(t *testing.T) {
	m := time.Minute
	rules := "groups:\n  - name: g\n    rules:\n      - record: x:max\n        expr: max(x)\n      - alert: High\n        expr: x:max > 1\n        for: 5m\n"
	f := &scenario.File{Name: "f.yaml", RuleFiles: []scenario.RuleFile{{Name: "r.yml", Data: []byte(rules)}}}
	f.Scenarios = []*scenario.Scenario{{
		Name: "fires", Interval: m,
		Series: []scenario.Series{{Series: `x{job="a"}`, Values: "0x1000 2x2000"}},
		Ranges: []scenario.AlertRange{{Kind: scenario.PendingThenFires, Alertname: "High", To: 2990 * m, For: 5 * m}},
	}}
	rs, err := Run([]*scenario.File{f}, Options{Parallelism: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || len(rs[0].Failures) != 0 {
		t.Fatalf("results %+v, want one that passes", rs)
	}
	if got := rs[0].Materialized; got == 0 || got > 1500 {
		t.Errorf("the recording rule's outputs at %d steps for a range that fires at step 1,006 of 3,000: want some, and none past about 1,040", got)
	}
}
