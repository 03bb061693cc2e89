package app

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/promx/amx"
	"github.com/slo-compiler/slo/internal/render"
	"github.com/slo-compiler/slo/internal/simulate"
	"github.com/slo-compiler/slo/internal/simulate/promtool"
	"github.com/slo-compiler/slo/internal/target"
	"github.com/slo-compiler/slo/internal/testfs"
)

const locateSpec = `version: slo/v1
service: api
team: platform
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio: {bad: 'http_requests_total{code=~"5.."}', total: http_requests_total}
alerts:
  - name: DiskFull
    signal: {expr: 'max by (instance) (disk_used_ratio)'}
    above: {critical: 0.9, warning: 0.8}
    inhibits: {alerts: [QueueSlow]}
  - name: QueueSlow
    signal: {expr: 'max(queue_seconds)'}
    above: {warning: 30}
`

const locateRouting = `version: slo/v1
routing:
  default_receiver: ops
  teams:
    platform:
      critical: {receiver: ops, repeat_interval: 1h}
`

// loadLocate compiles the specs above in a temporary folder.
func loadLocate(t *testing.T) (*model.Project, *compile.Output) {
	t.Helper()
	return loadLocateFiles(t, map[string]string{"specs/api.yaml": locateSpec, "specs/routing.yaml": locateRouting})
}

// loadLocateFiles writes files (path: content) into a temporary folder and
// compiles the specs under its specs/.
func loadLocateFiles(t *testing.T, files map[string]string) (*model.Project, *compile.Output) {
	t.Helper()
	dir := t.TempDir()
	testfs.Write(t, dir, files)
	t.Chdir(dir)
	p, diags, err := input.Load(nil)
	if err != nil || p == nil || diags.HasErrors() {
		t.Fatalf("load: %v %v", err, diags)
	}
	return p, compile.Project(p)
}

// refusedAlertmanager renders out's Alertmanager config, which
// Alertmanager's loader must refuse, and returns the diagnostics slo makes
// of the refusal.
func refusedAlertmanager(t *testing.T, p *model.Project, out *compile.Output) []string {
	t.Helper()
	data, err := render.Alertmanager(out.Alertmanager)
	if err != nil {
		t.Fatal(err)
	}
	raw := amx.AlertmanagerConfigProblem(data)
	if raw == nil {
		t.Fatal("the loader accepts the broken config")
	}
	var got []string
	for _, d := range alertmanagerDiags(out.Alertmanager, p, data, raw) {
		got = append(got, d.String())
	}
	return got
}

// TestRuleProblemsAtTheirSpecEntry: a rule Prometheus's loader refuses is
// reported at the spec entry that made it, not at the file or at a line of
// the compiled file: an alerting rule at its severity's threshold, a
// recording rule at its alert, an SLO's rule at the SLO.
func TestRuleProblemsAtTheirSpecEntry(t *testing.T) {
	p, out := loadLocate(t)
	rf := out.RuleFiles[0]
	s := p.Services[0]
	var got []string
	for gi, g := range rf.Groups {
		for ri, r := range g.Rules {
			bad := rf
			bad.Groups = append([]compile.Group(nil), rf.Groups...)
			bad.Groups[gi].Rules = append([]compile.Rule(nil), g.Rules...)
			r.Labels = append([]compile.Label{{Name: "0bad", Value: "x"}}, r.Labels...)
			bad.Groups[gi].Rules[ri] = r
			res := renderRuleFile(bad, locateRules(s, bad))
			if len(res.diags) != 1 {
				t.Fatalf("group %s rule %d: %v", g.Name, ri+1, res.diags)
			}
			d := res.diags[0]
			if strings.Contains(d.Message, "\n") || !strings.Contains(d.Message, "invalid label name: 0bad") {
				t.Errorf("message: %q", d.Message)
			}
			got = append(got, r.Record+r.Alert+" "+d.Pos.String())
		}
	}
	// The SLO's group: every rule at the SLO.
	var want []string
	for _, g := range rf.Groups[:1] {
		for _, r := range g.Rules {
			want = append(want, r.Record+r.Alert+" specs/api.yaml:5:5")
		}
	}
	want = append(want,
		"instance:disk_full:value specs/api.yaml:10:5",
		"DiskFull specs/api.yaml:12:23", // critical: 0.9
		"DiskFull specs/api.yaml:12:37", // warning: 0.8
		"api:queue_slow:value specs/api.yaml:14:5",
		"QueueSlow specs/api.yaml:16:22",
	)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestTargetRuleProblemsAtTheirSpecEntry: what a target's own read-back
// refuses in a rule is placed as the prometheus target's is, at the spec
// entry that made the rule, in every target's files (one rule file each,
// or several in a ruler's namespace).
func TestTargetRuleProblemsAtTheirSpecEntry(t *testing.T) {
	cases := []struct {
		group, rule int
		want        string
	}{
		{0, 0, "specs/api.yaml:5:5"},   // the SLO
		{1, 2, "specs/api.yaml:12:37"}, // DiskFull's warning: 0.8
		{1, 3, "specs/api.yaml:14:5"},  // QueueSlow's recording rule
	}
	for _, name := range []string{"prometheus-operator", "mimir", "cortex", "thanos"} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/%d/%d", name, c.group, c.rule), func(t *testing.T) {
				p, out := loadLocate(t)
				r := &out.RuleFiles[0].Groups[c.group].Rules[c.rule]
				r.Labels = append([]compile.Label{{Name: "0bad", Value: "x"}}, r.Labels...)
				rendered := renderTargets([]string{name}, target.Input{Project: p, Output: out, Config: &target.Config{}}, nil, nil)
				place := newPlacer(p, out)
				var got diag.List
				for i, f := range rendered[0].files {
					got = append(got, place.diags(name, f, rendered[0].problems[i])...)
				}
				if len(got) != 1 {
					t.Fatalf("diags: %v", got)
				}
				d := got[0]
				if d.Pos.String() != c.want || d.Code != "target/invalid" || !strings.Contains(d.Message, "the compiled "+name+"/") || !strings.Contains(d.Message, "invalid label name: 0bad") {
					t.Errorf("got %s, want at %s", d, c.want)
				}
			})
		}
	}
}

// TestAlertmanagerProblemsInGeneratedParts: when Alertmanager's loader
// refuses a part slo generated (a route, an inhibit rule), the problem is
// reported at the routing or alert spec that made it, one line each. The
// compiled config is broken by hand, as validation keeps such input out.
func TestAlertmanagerProblemsInGeneratedParts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(am *compile.Alertmanager)
		want   string
	}{{
		name:   "a time interval of a severity route",
		break_: func(am *compile.Alertmanager) { am.Route.Routes[0].Routes[0].MuteTimeIntervals = []string{"nights"} },
		want:   `specs/routing.yaml:6:17: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: undefined time interval "nights" used in route [alertmanager/invalid]`,
	}, {
		name:   "a matcher of a team route",
		break_: func(am *compile.Alertmanager) { am.Route.Routes[0].Matchers = []string{`team=~"("`} },
		want:   "specs/routing.yaml:6:7: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: error parsing regexp: missing closing ): `^(?:()$` [alertmanager/invalid]",
	}, {
		name: "an alert's inhibit rule",
		break_: func(am *compile.Alertmanager) {
			for i, r := range am.Inhibit {
				if strings.HasPrefix(r.SourceMatchers[1], "service=") {
					am.Inhibit[i].TargetMatchers = []string{`alertname=~"("`}
				}
			}
		},
		want: "specs/api.yaml:13:15: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: error parsing regexp: missing closing ): `^(?:()$` [alertmanager/invalid]",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p, out := loadLocate(t)
			tc.break_(out.Alertmanager)
			if diff := cmp.Diff([]string{tc.want}, refusedAlertmanager(t, p, out)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestPromtoolFailuresAtTheirLines: the runner's refusal of a promtool test
// file becomes one failure per unknown field, at the field, and a YAML
// syntax error one failure where the parser stopped.
func TestPromtoolFailuresAtTheirLines(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tc := range []struct {
		name, src string
		want      []string
	}{{
		name: "unknown fields",
		src:  "rule_files: [r.yml]\r\ntests:\r\n  - interval: 1m\r\n    input_seris: []\r\n    alert_rule_test:\r\n      - eval_tim: 5m\r\n",
		want: []string{
			"p.yaml:4:5: yaml: field input_seris not found in type promtool.testGroup",
			"p.yaml:6:9: yaml: field eval_tim not found in type promtool.alertTestCase",
		},
	}, {
		name: "a list where a mapping goes",
		src:  "rule_files: [r.yml]\ntests:\n  - [1m]\n",
		want: []string{"p.yaml:3:5: yaml: cannot unmarshal !!seq into promtool.testGroup"},
	}, {
		// A value its type refuses keeps promtool's words, at the value
		// (wikimedia's files would say eval_time: 5 minutes).
		name: "a duration that does not parse",
		src:  "rule_files: [r.yml]\ntests:\n  - interval: 1m\n    alert_rule_test:\n      - eval_time: 5 minutes\n",
		want: []string{`p.yaml:5:20: unknown unit " minutes" in duration "5 minutes"`},
	}, {
		// promqltest's position is in the load command it makes; the
		// failure is placed at the series (or its values) of that line.
		name: "input series that do not parse",
		src:  "rule_files: [r.yml]\ntests:\n  - interval: 1m\n  - interval: 1m\n    input_series:\n      - series: up\n        values: 1x3\n      - series: 'up{a=\"1\"}'\n        values: '1 x'\n      - series: 'up{{'\n        values: '1'\n",
		want: []string{
			`p.yaml:9:17: 3:13: parse error: unexpected "x"`,
		},
	}, {
		// A block scalar's line breaks make more lines of promqltest's
		// load command: its error line 3 is the first series' values,
		// not the second series.
		name: "input series values over two lines",
		src:  "rule_files: [r.yml]\ntests:\n  - interval: 1m\n    input_series:\n      - series: up\n        values: |-\n          1 2\n          3 x\n      - series: down\n        values: '1'\n",
		want: []string{"p.yaml:6:17: 3:1: parse error: unexpected number \"3\" in series values"},
	}, {
		name: "a duration of two units",
		src:  "rule_files: [r.yml]\ntests:\n  - interval: 1m\n    alert_rule_test:\n      - eval_time: 20m1m\n        alertname: A\n",
		want: []string{`p.yaml:5:20: not a valid duration string: "20m1m"`},
	}, {
		name: "input series that do not parse, in two groups",
		src:  "rule_files: [r.yml]\ntests:\n  - interval: 1m\n    input_series:\n      - series: up\n        values: 1 2\n  - interval: 1m\n    input_series:\n      - series: up\n        values: 1 2\n      - series: up{a=\"1\"}\n        values: 1 abc\n  - input_series:\n      - series: 'up{'\n        values: '1'\n",
		want: []string{
			`p.yaml:12:17: 3:13: parse error: unexpected identifier "abc" in series values, expected number or "stale"`,
			`p.yaml:14:17: 2:5: parse error: unexpected character inside braces: '1'`,
		},
	}, {
		name: "a group evaluated twice",
		src:  "rule_files: [r.yml]\ngroup_eval_order:\n  - a\n  - b\n  - a\ntests:\n  - interval: 1m\n",
		want: []string{"p.yaml:5:5: group name repeated in evaluation order: a"},
	}, {
		name: "YAML syntax",
		src:  "rule_files: [r.yml]\ntests:\n  - interval: 1m\n   input_series: []\n",
		want: []string{"p.yaml:4:4: invalid YAML: did not find expected '-' indicator while parsing a block collection at line 3 column 3"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile("p.yaml", []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			fr, err := promtool.RunFile("p.yaml", promtool.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range promtoolResults(fr) {
				for _, f := range r.Failures {
					got = append(got, f.Pos.String()+": "+f.Message)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// promtool's own failure reports keep their lines.
	f := simulate.Failure{Kind: simulate.AlertMismatch, Alertname: "X", At: 5 * time.Minute}
	want := strings.TrimSpace(promtool.Format(f, "    "))
	if got := promtoolFailures(diag.Pos{File: "p.yaml"}, 0, f); len(got) != 1 || got[0].Pos.Line != 0 || got[0].Message != want || !strings.Contains(want, "\n") {
		t.Errorf("a failure report: %+v", got)
	}
}

// TestLeanKeepsTheGroupsOfAProblem: a lean compile compiles a rule file
// just before its file is rendered; a file that reads back clean drops its
// groups, one with a problem keeps them, to place the problem at the spec
// entry; either way its recording rules are kept for duplicateRecords, and
// a dropped rule file compiles again as it was.
func TestLeanKeepsTheGroupsOfAProblem(t *testing.T) {
	p, full := loadLocate(t)
	out := compile.Outline(p)
	if len(out.RuleFiles) != 1 || out.RuleFiles[0].Groups != nil || out.RuleFiles[0].Name != full.RuleFiles[0].Name {
		t.Fatalf("outline: %+v", out.RuleFiles)
	}
	ln := newLean(p, out, nil)
	in := target.Input{Project: p, Output: out, Config: &target.Config{}}
	rendered := renderTargets([]string{target.Prometheus}, in, nil, ln)
	if len(rendered[0].problems[0]) > 0 {
		t.Fatalf("clean file: %v", rendered[0].problems[0])
	}
	if out.RuleFiles[0].Groups != nil {
		t.Error("the clean file's groups are kept")
	}
	if diff := cmp.Diff(full.RuleFiles[0], ln.ruleFile(0)); diff != "" {
		t.Errorf("compiled again (-first +again):\n%s", diff)
	}
	if diff := cmp.Diff(recordingRules(full.RuleFiles[0], nil), ln.records[0], cmp.AllowUnexported(recordRule{})); diff != "" {
		t.Errorf("recording rules (-want +got):\n%s", diff)
	}
	ln.compile(0)
	ln.done(0, rendered[0].files[0], false)
	if diff := cmp.Diff(full.RuleFiles[0], out.RuleFiles[0]); diff != "" {
		t.Errorf("the groups of a file with a problem (-want +kept):\n%s", diff)
	}
}

// TestAlertmanagerProblemsPlacedThroughBaseAndOverrides: with a base config,
// slo's subtree is one child among the base's routes, and the compiled
// route tree holds per-alert and label routes before the teams, and a
// team's label routes before its severities. A refused part of the base's
// own route tree is reported in the base, at the base's line; a refused
// generated route at the spec entry that made it, counted past the
// overrides and label routes.
func TestAlertmanagerProblemsPlacedThroughBaseAndOverrides(t *testing.T) {
	const routing = `version: slo/v1
routing:
  base: ../config/base.yml
  position: last
  alerts:
    DiskFull: {receiver: ops}
  routes:
    - matchers: [env="dev"]
      receiver: ops
  teams:
    platform:
      routes:
        - matchers: [category="business"]
          receiver: ops
      critical: {receiver: ops, repeat_interval: 1h}
      active_time_intervals: [office]
`
	const base = `route:
  receiver: ops
  group_interval: 5m
  routes:
    - receiver: ops
      matchers: [alertname="Watchdog"]
    - receiver: ops
      matchers: [alertname="Other"]
receivers:
  - name: ops
time_intervals:
  - name: office
    time_intervals: [{weekdays: ['monday:friday']}]
`
	for _, tc := range []struct {
		name     string
		position string // routing.position; last when empty
		break_   func(am *compile.Alertmanager)
		want     string
	}{{
		name: "a matcher of the base's first child route",
		break_: func(am *compile.Alertmanager) {
			am.Base = []byte(strings.Replace(base, `alertname="Watchdog"`, `alertname=~"("`, 1))
		},
		want: "config/base.yml:6:7: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: error parsing regexp: missing closing ): `^(?:()$` [alertmanager/invalid]",
	}, {
		// slo's subtree comes first: the base's second child is the
		// compiled file's third, and is reported at the base's second.
		name:     "a matcher of a base child route after slo's subtree",
		position: "first",
		break_: func(am *compile.Alertmanager) {
			am.Base = []byte(strings.Replace(base, `alertname="Other"`, `alertname=~"("`, 1))
		},
		want: "config/base.yml:8:7: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: error parsing regexp: missing closing ): `^(?:()$` [alertmanager/invalid]",
	}, {
		name:   "a duration of the base's root route",
		break_: func(am *compile.Alertmanager) { am.Base = []byte(strings.Replace(base, "5m", "5x", 1)) },
		want:   `config/base.yml:3:19: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: unknown unit "x" in duration "5x" [alertmanager/invalid]`,
	}, {
		name: "the severity route of a team with a label route",
		break_: func(am *compile.Alertmanager) {
			team := &am.Route.Routes[len(am.Route.Routes)-1]
			team.Routes[1].MuteTimeIntervals = []string{"nights"}
		},
		want: `specs/routing.yaml:15:17: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: undefined time interval "nights" used in route [alertmanager/invalid]`,
	}, {
		// The severity takes its time intervals from its team: the list
		// is the team's.
		name: "an inherited time interval list",
		break_: func(am *compile.Alertmanager) {
			team := &am.Route.Routes[len(am.Route.Routes)-1]
			team.Routes[1].ActiveTimeIntervals = []string{"nights"}
		},
		want: `specs/routing.yaml:16:30: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: undefined time interval "nights" used in route [alertmanager/invalid]`,
	}, {
		name:   "a per-alert route",
		break_: func(am *compile.Alertmanager) { am.Route.Routes[0].MuteTimeIntervals = []string{"nights"} },
		want:   `specs/routing.yaml:6:5: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: undefined time interval "nights" used in route [alertmanager/invalid]`,
	}, {
		name:   "a label route",
		break_: func(am *compile.Alertmanager) { am.Route.Routes[1].MuteTimeIntervals = []string{"nights"} },
		want:   `specs/routing.yaml:8:7: error: the compiled alertmanager/alertmanager.yml is refused by Alertmanager's config loader: undefined time interval "nights" used in route [alertmanager/invalid]`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			pos := tc.position
			if pos == "" {
				pos = "last"
			}
			routing := strings.Replace(routing, "position: last", "position: "+pos, 1)
			p, out := loadLocateFiles(t, map[string]string{"specs/api.yaml": locateSpec, "specs/routing.yaml": routing, "config/base.yml": base})
			tc.break_(out.Alertmanager)
			if diff := cmp.Diff([]string{tc.want}, refusedAlertmanager(t, p, out)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestPromtoolUnmatchedRuleFileWarned: a rule_files pattern that matches no
// file is a warning at its entry, as promtool warns on stderr (slo said
// nothing, and a renamed rule file showed only as failures with got:
// nil); the verdicts and exit code stay promtool's.
func TestPromtoolUnmatchedRuleFileWarned(t *testing.T) {
	t.Chdir(t.TempDir())
	rules := "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: vector(1)\n"
	if err := os.WriteFile("r.yml", []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	src := "rule_files:\n  - r.yml\n  - gone.yml\n  - 'none-*.yml'\ntests:\n  - interval: 1m\n    promql_expr_test:\n      - expr: r\n        eval_time: 1m\n        exp_samples:\n          - labels: r\n            value: 1\n"
	if err := os.WriteFile("p.yaml", []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	run, diags, err := Test(TestOptions{Paths: []string{"p.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range diags {
		got = append(got, d.String())
	}
	want := []string{
		"p.yaml:3:5: warning: rule_files: no file match pattern gone.yml (paths are relative to the test file); its rules are left out, as promtool does [promtool/no-rule-file]",
		"p.yaml:4:5: warning: rule_files: no file match pattern none-*.yml (paths are relative to the test file); its rules are left out, as promtool does [promtool/no-rule-file]",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("diagnostics (-want +got):\n%s", d)
	}
	if code := testExitCode(run, nil); code != 0 || diags.HasErrors() {
		t.Errorf("exit code %d, errors %v: promtool passes this file", code, diags.HasErrors())
	}
}
