package app

import (
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/harness"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/simulate"
)

// timelineCmp compares timelines: floats bit for bit (NaN equal to NaN),
// errors by their text.
var timelineCmp = cmp.Options{
	cmp.Comparer(func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
	}),
	cmp.Comparer(func(a, b error) bool { return fmt.Sprint(a) == fmt.Sprint(b) }),
}

// replayCase is a scenario as slo report plots it: with the signals of
// the alert it names.
type replayCase struct {
	f       *scenario.File
	s       *scenario.Scenario
	signals []string
}

// reportCases returns the scenarios slo report plots under paths, those
// keep accepts.
func reportCases(t *testing.T, paths []string, keep func(*scenario.Scenario) bool) []replayCase {
	t.Helper()
	rep, diags, err := reportScenarios(ReportOptions{Paths: paths})
	if rep == nil {
		t.Fatalf("%v %v", err, diags)
	}
	var out []replayCase
	for _, f := range rep.files {
		for _, s := range f.Scenarios {
			if keep(s) {
				out = append(out, replayCase{f, s, rulesOf(f.RuleFiles, namedAlert(s)).signals})
			}
		}
	}
	return out
}

// replaySample keeps the scenarios up to 6 hours long whose name hashes
// to 0 mod n (each costs about 0.1 s of CPU, mostly the exhaustive
// replay's); SLO_COMPARE_ALL=1 keeps every scenario.
func replaySample(n uint32) func(*scenario.Scenario) bool {
	all := os.Getenv("SLO_COMPARE_ALL") != ""
	return func(s *scenario.Scenario) bool {
		h := fnv.New32a()
		h.Write([]byte(s.Name))
		return all || span(s) <= 6*time.Hour && h.Sum32()%n == 0
	}
}

// checkReplay compares the timeline of slo report's replay (one on-demand
// run gives the lines and the alert states) with an exhaustive one's.
func checkReplay(t *testing.T, c replayCase) *harness.Timeline {
	t.Helper()
	got, err := harness.Replay(c.f, c.s, c.signals)
	if err != nil {
		t.Fatalf("%s: %v", c.s.Name, err)
	}
	want, err := harness.ReplayWith(c.f, c.s, c.signals, simulate.Options{Exhaustive: true})
	if err != nil {
		t.Fatalf("%s exhaustively: %v", c.s.Name, err)
	}
	if d := cmp.Diff(want, got, timelineCmp); d != "" {
		t.Errorf("%s of %s: timeline differs from an exhaustive replay's (-exhaustive +replay):\n%s", c.s.Name, c.f.Name, d)
	}
	return got
}

// TestReplayMatchesExhaustive: the timeline slo report draws of a
// scenario (input and signal lines, signal errors, episodes and routes),
// from one on-demand run that evaluates the rules the lines read at every
// step and the others where the alert states need them, is the one an
// exhaustive run gives, on a fixed sample of the scenarios of the
// repository and of examples/checkout.
func TestReplayMatchesExhaustive(t *testing.T) {
	cases := reportCases(t, repoPaths, replaySample(12))
	repo := len(cases)
	dir, err := filepath.Abs(filepath.Join("..", "..", "examples", "checkout"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	cases = append(cases, reportCases(t, nil, replaySample(5))...)
	if repo < 10 || len(cases)-repo < 4 {
		t.Fatalf("sampled %d scenarios of the repository and %d of examples/checkout; want more", repo, len(cases)-repo)
	}
	episodes, signals := 0, 0
	for _, c := range cases {
		tl := checkReplay(t, c)
		episodes += len(tl.Episodes)
		for _, ls := range tl.Signals {
			signals += len(ls)
		}
	}
	// The sample must show alerts and signals, or it compares nothing.
	if episodes == 0 || signals == 0 {
		t.Errorf("the sample has %d episodes and %d signal lines", episodes, signals)
	}
	t.Logf("compared %d scenarios of the repository, %d of examples/checkout", repo, len(cases)-repo)
}

// replayRecords record a queue's depth; replayAlert alerts on it.
const (
	replayRecords = `groups:
  - name: q
    interval: 1m
    rules:
      - record: q:depth:sum
        expr: sum(queue_depth)
      - record: q:depth:max10m
        expr: max_over_time(q:depth:sum[10m])
`
	replayAlert = `      - alert: Deep
        expr: q:depth:sum > 100
        for: 2m
        labels: {severity: warning}
`
)

// TestReplayEdgeCases: a signal that fails to evaluate (its error in
// SignalErrs, the other lines drawn), a scenario with no alerting rule (no
// alert states asked for), and a plot that reads ALERTS, all as an
// exhaustive replay gives them.
func TestReplayEdgeCases(t *testing.T) {
	file := func(rules string) *scenario.File {
		return &scenario.File{Name: "q", RuleFiles: []scenario.RuleFile{{Name: "rules/q.yml", Data: []byte(rules)}}}
	}
	f, noAlerts := file(replayRecords+replayAlert), file(replayRecords)
	s := &scenario.Scenario{
		Name:     "ramp",
		Interval: time.Minute,
		Series:   []scenario.Series{{Series: `queue_depth{queue="a"}`, Values: "50x4 150x5 250x10"}, {Series: `queue_depth{queue="b"}`, Values: "0x20"}},
		Ranges:   []scenario.AlertRange{{Kind: scenario.FiresWithin, Alertname: "Deep", To: 18 * time.Minute}},
	}
	// Both queues' series on the "one" side of a group_left match: the
	// engine refuses it when run, not when parsed.
	failing := `q:depth:sum / on() group_left queue_depth`
	for _, tc := range []struct {
		name     string
		f        *scenario.File
		signals  []string
		episodes bool
		errs     []bool
	}{
		{"a signal fails", f, []string{"q:depth:max10m", failing}, true, []bool{false, true}},
		{"no alerts", noAlerts, []string{"q:depth:max10m"}, false, []bool{false}},
		{"ALERTS plotted", f, []string{`ALERTS{alertname="Deep"}`}, true, []bool{false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := checkReplay(t, replayCase{tc.f, s, tc.signals})
			if got := len(tl.Episodes) > 0; got != tc.episodes {
				t.Errorf("episodes %v, want %v: %+v", got, tc.episodes, tl.Episodes)
			}
			for i, want := range tc.errs {
				if got := tl.SignalErrs[i] != nil; got != want {
					t.Errorf("signal %s: error %v, want an error: %v", tc.signals[i], tl.SignalErrs[i], want)
				}
				if !want && len(tl.Signals[i]) == 0 {
					t.Errorf("signal %s: no lines", tc.signals[i])
				}
			}
		})
	}
}

// TestReplayRuleFails: a run stops at a rule's first failing evaluation,
// as promtool's does, so it has no plot to draw: Replay says which rule
// failed and when, instead of lines that end there.
func TestReplayRuleFails(t *testing.T) {
	bad := replayRecords + `      - alert: Bad
        expr: q:depth:sum / on() group_left queue_depth > 0
`
	f := &scenario.File{Name: "q", RuleFiles: []scenario.RuleFile{{Name: "rules/q.yml", Data: []byte(bad)}}}
	s := &scenario.Scenario{
		Name:     "two queues",
		Interval: time.Minute,
		Series:   []scenario.Series{{Series: `queue_depth{queue="a"}`, Values: "0x5 1x5"}, {Series: `queue_depth{queue="b"}`, Values: "_x5 1x5"}},
		Ranges:   []scenario.AlertRange{{Kind: scenario.FiresWithin, Alertname: "Bad", To: 10 * time.Minute}},
	}
	_, err := harness.Replay(f, s, []string{"q:depth:sum"})
	if err == nil || !strings.Contains(err.Error(), "rule: Bad, time: 5m0s, err: ") {
		t.Errorf("got %v, want the rule's failure at 5m", err)
	}
}
