package harness

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/simulate"
)

// timeline builds observed states: one alert X, firing or pending per
// minute as given by a string ('.' inactive, 'p' pending, 'F' firing), with
// ActiveAt at the start of each active run.
func timeline(s string) map[time.Duration][]simulate.AlertState {
	out := map[time.Duration][]simulate.AlertState{}
	var active time.Duration = -1
	for i, c := range s {
		t := time.Duration(i) * time.Minute
		out[t] = []simulate.AlertState{}
		if c == '.' {
			active = -1
			continue
		}
		if active < 0 {
			active = t
		}
		out[t] = []simulate.AlertState{{Name: "X", Labels: map[string]string{"alertname": "X", "severity": "warning"}, Firing: c == 'F', ActiveAt: active}}
	}
	return out
}

func TestCheckRange(t *testing.T) {
	m := time.Minute
	for _, tc := range []struct {
		name  string
		tl    string
		r     scenario.AlertRange
		fails string // substring of the failure, "" for a pass
	}{
		{"never fires: quiet", "..pp..", scenario.AlertRange{Kind: scenario.NeverFires, From: 0, To: 5 * m}, ""},
		{"never fires: fires", "..pF..", scenario.AlertRange{Kind: scenario.NeverFires, From: 0, To: 5 * m}, "but it fired at 3m"},
		{"never fires: outside the range", "FF....", scenario.AlertRange{Kind: scenario.NeverFires, From: 2 * m, To: 5 * m}, ""},
		{"never fires: other severity", "FFFFFF", scenario.AlertRange{Kind: scenario.NeverFires, Labels: map[string]string{"severity": "critical"}, To: 5 * m}, ""},
		{"always fires", ".FFFF.", scenario.AlertRange{Kind: scenario.AlwaysFires, From: m, To: 4 * m}, ""},
		{"always fires: a gap", ".FF.F.", scenario.AlertRange{Kind: scenario.AlwaysFires, From: m, To: 4 * m}, "not firing at 3m"},
		{"fires within", "...pF.", scenario.AlertRange{Kind: scenario.FiresWithin, From: 2 * m, To: 4 * m}, ""},
		{"fires within: too late", "...ppF", scenario.AlertRange{Kind: scenario.FiresWithin, From: 2 * m, To: 4 * m}, "it was pending at 3m"},
		{"resolved by", "FFF...", scenario.AlertRange{Kind: scenario.ResolvedBy, From: 3 * m, To: 3 * m}, ""},
		{"resolved by: still firing", "FFFF..", scenario.AlertRange{Kind: scenario.ResolvedBy, From: 3 * m, To: 3 * m}, "still firing"},
		{"pending then fires after for", "..ppF.", scenario.AlertRange{Kind: scenario.PendingThenFires, From: m, To: 3 * m, For: 2 * m}, ""},
		{"fires a step early", "..pF..", scenario.AlertRange{Kind: scenario.PendingThenFires, From: m, To: 3 * m, For: 2 * m}, "to fire after its for of 2m at 4m, but it fired at 3m"},
		{"fires a step late", "..pppF", scenario.AlertRange{Kind: scenario.PendingThenFires, From: m, To: 3 * m, For: 2 * m}, "but it fired at 5m"},
		{"a flicker before the run that fires", ".p.ppF..", scenario.AlertRange{Kind: scenario.PendingThenFires, From: m, To: 4 * m, For: 2 * m}, ""},
		{"never fires while pending", "..pppp", scenario.AlertRange{Kind: scenario.PendingThenFires, From: m, To: 3 * m, For: 2 * m}, "never fired"},
		{"stays inactive", "......", scenario.AlertRange{Kind: scenario.PendingThenFires, From: m, To: 3 * m, For: 2 * m}, "stayed inactive"},
		{"pending too late", ".....pF.", scenario.AlertRange{Kind: scenario.PendingThenFires, From: m, To: 3 * m, For: m}, "stayed inactive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.r.Alertname = "X"
			got := checkRange(tc.r, timeline(tc.tl), time.Minute)
			switch {
			case tc.fails == "" && got != "":
				t.Errorf("want a pass, got %q", got)
			case tc.fails != "" && !strings.Contains(got, tc.fails):
				t.Errorf("want a failure containing %q, got %q", tc.fails, got)
			}
		})
	}
}

func TestCheckAlerts(t *testing.T) {
	states := []simulate.AlertState{
		{Name: "X", Labels: map[string]string{"alertname": "X", "severity": "warning"}, Annotations: map[string]string{"summary": "s"}, Firing: true},
		{Name: "X", Labels: map[string]string{"alertname": "X", "severity": "critical"}, Firing: false},
	}
	a := scenario.AlertAt{At: time.Minute, Alertname: "X"}
	warn := scenario.ExpAlert{Labels: map[string]string{"severity": "warning"}}
	if msg := checkAlerts(a, []scenario.ExpAlert{warn}, true, states); msg != "" {
		t.Errorf("labels only: %s", msg)
	}
	warn.Annotations = map[string]string{"summary": "other"}
	if msg := checkAlerts(a, []scenario.ExpAlert{warn}, true, states); !strings.Contains(msg, `expected, not firing`) || !strings.Contains(msg, `+ firing, not expected`) {
		t.Errorf("wrong annotations: %q", msg)
	}
	if msg := checkAlerts(a, nil, true, states); !strings.Contains(msg, "not expected") {
		t.Errorf("no alert expected, one fires: %q", msg)
	}
	crit := scenario.ExpAlert{Labels: map[string]string{"severity": "critical"}}
	if msg := checkAlerts(a, []scenario.ExpAlert{crit}, false, states); msg != "" {
		t.Errorf("pending: %s", msg)
	}
}

// TestFmtLabelsQuotesAsFmt: fmtLabels writes each value as fmt's %q does
// (the texts of failures and of slo report quote labels this way), sorted
// by name, without alertname.
func TestFmtLabelsQuotesAsFmt(t *testing.T) {
	m := map[string]string{"alertname": "X", "b": `say "hi"\n`, "a": "line\nbreak\ttab é \x00", "c": ""}
	want := fmt.Sprintf("{a=%q, b=%q, c=%q}", m["a"], m["b"], m["c"])
	if got := fmtLabels(m); got != want {
		t.Errorf("fmtLabels = %s, want %s", got, want)
	}
	if got := fmtLabels(map[string]string{"alertname": "X"}); got != "{}" {
		t.Errorf("fmtLabels of alertname alone = %s, want {}", got)
	}
}

// TestDoneInInputOrder: Options.Done gets every result once, in input
// order, as Run returns them, though the scenarios run side by side and
// the first, a fortnight of samples, ends after the short ones behind it.
func TestDoneInInputOrder(t *testing.T) {
	rules := "groups:\n  - name: g\n    rules:\n      - alert: High\n        expr: x > 1\n"
	scen := func(name, values string, to time.Duration) *scenario.Scenario {
		return &scenario.Scenario{
			Name:     name,
			Interval: time.Minute,
			Series:   []scenario.Series{{Series: "x", Values: values}},
			Ranges:   []scenario.AlertRange{{Kind: scenario.NeverFires, Alertname: "High", From: 0, To: to}},
		}
	}
	f := &scenario.File{Name: "f.yaml", RuleFiles: []scenario.RuleFile{{Name: "r.yml", Data: []byte(rules)}}}
	f.Scenarios = append(f.Scenarios, scen("long", "0+0x20160", 20160*time.Minute))
	for i := range 8 {
		f.Scenarios = append(f.Scenarios, scen(fmt.Sprintf("short %d", i), "0x10", 10*time.Minute))
	}
	var got []*scenario.Result
	results, err := Run([]*scenario.File{f}, Options{Parallelism: 2, Done: func(r *scenario.Result) { got = append(got, r) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(results) || len(results) != len(f.Scenarios) {
		t.Fatalf("Done got %d results, Run returned %d, for %d scenarios", len(got), len(results), len(f.Scenarios))
	}
	for i, r := range got {
		if r != results[i] || r.Scenario != f.Scenarios[i] {
			t.Errorf("Done's result %d is %q, want %q", i, r.Scenario.Name, f.Scenarios[i].Name)
		}
		if !r.Passed() {
			t.Errorf("%s: %v", r.Scenario.Name, r.Failures)
		}
	}
}

// TestParallelismBoundsConcurrentScenarios: Options.Parallelism is the
// most scenarios that run at once (slo test --parallel 1 times each
// scenario alone). Each run waits a while for another to start beside it,
// so a bound that is not kept shows as two at once rather than depending
// on the scheduler; with Parallelism 3 the same wait sees three at once,
// which shows the count sees concurrency when there is some.
func TestParallelismBoundsConcurrentScenarios(t *testing.T) {
	rules := "groups:\n  - name: g\n    rules:\n      - alert: High\n        expr: x > 1\n"
	f := &scenario.File{Name: "f.yaml", RuleFiles: []scenario.RuleFile{{Name: "r.yml", Data: []byte(rules)}}}
	for i := range 4 {
		f.Scenarios = append(f.Scenarios, &scenario.Scenario{
			Name: fmt.Sprintf("s%d", i), Interval: time.Minute,
			Series: []scenario.Series{{Series: "x", Values: "0x10"}},
			Ranges: []scenario.AlertRange{{Kind: scenario.NeverFires, Alertname: "High", From: 0, To: 10 * time.Minute}},
		})
	}
	orig := runScenario
	t.Cleanup(func() { runScenario = orig })
	for _, tc := range []struct{ par, want int }{{1, 1}, {3, 3}} {
		var mu sync.Mutex
		running, most := 0, 0
		runScenario = func(p *prepared, s *scenario.Scenario, opts Options) *scenario.Result {
			mu.Lock()
			running++
			most = max(most, running)
			deadline := time.Now().Add(300 * time.Millisecond)
			for running < tc.want && time.Now().Before(deadline) {
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
				mu.Lock()
			}
			mu.Unlock()
			r := orig(p, s, opts)
			mu.Lock()
			running--
			mu.Unlock()
			return r
		}
		results, err := Run([]*scenario.File{f}, Options{Parallelism: tc.par})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			if !r.Passed() {
				t.Errorf("%s: %v", r.Scenario.Name, r.Failures)
			}
		}
		if most != tc.want {
			t.Errorf("Parallelism %d: at most %d scenarios ran at once, want %d", tc.par, most, tc.want)
		}
	}
}
