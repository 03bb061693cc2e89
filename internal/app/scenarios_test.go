package app

import (
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/harness"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/render"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/signal"
)

// repoPaths are the repository's own specs and scenarios.
var repoPaths = []string{"../../specs", "../../tests"}

// heavy skips t under -short, and otherwise runs it beside the other heavy
// tests: each spends tens of seconds partly on one core (the exhaustive
// side's last long scenario, the browser), which another can fill.
func heavy(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("evaluates every scenario in the repository; run without -short")
	}
	t.Parallel()
}

type verdict struct {
	File, Name string
	Failures   []string
}

func verdicts(rs []*scenario.Result) []verdict {
	var out []verdict
	for _, r := range rs {
		v := verdict{File: r.File, Name: r.Scenario.Name}
		for _, f := range r.Failures {
			v.Failures = append(v.Failures, f.Pos.String()+": "+f.Message)
		}
		out = append(out, v)
	}
	return out
}

// TestOnDemandMatchesExhaustive runs every scenario in the repository both
// ways: evaluating only what the assertions depend on must give the same
// verdicts and messages as evaluating every rule at every step.
//
// Evaluating every step of every scenario takes minutes (a baseline's week
// of history, a ticket's three days), so make test compares a fixed sample:
// every scenario of a spec or scenario file changed since the merge base
// with main (changedFiles); of the others up to maxSampleSpan long, every
// hand-written scenario and one generated scenario in three, picked by a
// hash of its name. SLO_COMPARE_ALL=1 (make test-all, and the CI
// workflow on the main branch) compares every scenario.
func TestOnDemandMatchesExhaustive(t *testing.T) {
	heavy(t)
	keep := compareSample(t)
	onDemand, exhaustive := compareModes(t, repoPaths, keep)
	if min := map[bool]int{true: 200, false: 60}[keep == nil]; len(onDemand) < min {
		t.Fatalf("only %d scenarios compared; the repository has more", len(onDemand))
	}
	var evalsOD, evalsEx int
	for i := range onDemand {
		evalsOD += onDemand[i].Evaluations
		evalsEx += exhaustive[i].Evaluations
	}
	t.Logf("%d scenarios; rule evaluations: on-demand %d, exhaustive %d", len(onDemand), evalsOD, evalsEx)
}

// compareModes runs the scenarios of paths that keep keeps (nil: every
// one) on demand and then exhaustively, reports where their verdicts or
// failure messages differ, and returns both runs' results.
func compareModes(t *testing.T, paths []string, keep func(string, *scenario.Scenario) bool) (onDemand, exhaustive []*scenario.Result) {
	t.Helper()
	od, diags, err := Test(TestOptions{Paths: paths, Keep: keep})
	if err != nil || od == nil {
		t.Fatalf("%v %v", err, diags)
	}
	ex, _, err := Test(TestOptions{Paths: paths, Exhaustive: true, Keep: keep})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(verdicts(ex.Results), verdicts(od.Results)); diff != "" {
		t.Errorf("on-demand differs from exhaustive (-exhaustive +on-demand):\n%s", diff)
	}
	return od.Results, ex.Results
}

// compareSample returns the filter of TestOnDemandMatchesExhaustive, or
// nil to compare every scenario (SLO_COMPARE_ALL=1).
func compareSample(t *testing.T) func(string, *scenario.Scenario) bool {
	if os.Getenv("SLO_COMPARE_ALL") != "" {
		t.Log("comparing every scenario (SLO_COMPARE_ALL)")
		return nil
	}
	changed := map[string]bool{}
	for _, f := range changedFiles(t) {
		changed[filepath.Clean(filepath.Join("../..", f))] = true
	}
	if len(changed) > 0 {
		t.Logf("comparing every scenario of the changed files %v", slices.Sorted(maps.Keys(changed)))
	}
	return func(file string, s *scenario.Scenario) bool {
		if changed[filepath.Clean(file)] {
			return true
		}
		if span(s) > maxSampleSpan {
			return false
		}
		if !s.Generated {
			return true
		}
		h := fnv.New32a()
		h.Write([]byte(s.Name))
		if span(s) > longGenerated {
			return h.Sum32()%6 == 0 // a subset of the one in three below
		}
		return h.Sum32()%3 == 0
	}
}

// longGenerated: generated scenarios longer than this (the 3-day ticket
// windows, budget-burn scenarios) cost the exhaustive side most of its
// time (about 69 s of make test's wall with one in three of them); one
// in six of them is sampled.
const longGenerated = 24 * time.Hour

// maxSampleSpan bounds the fixed sample: comparing a scenario evaluates
// every rule of its file at every step up to its last assertion. The
// scenarios a month long (monthly churn, the cost projection's month
// boundary and mid-month budget) and the DAU drop against the Monday
// before (eleven days) were 1.14 million of an earlier sample's 2.45
// million rule evaluations, about 140 s of CPU. The two week-long
// hand-written baselines (a stage that slows against its weekly average,
// a job's cost against its weekly average) took 21 and 17 s of the
// sample's 75 s of exhaustive CPU, run one at a time: half of it, for two
// scenarios of one shape. So the sample stops at four days: it keeps the
// 3-day ticket windows (every hand-written one, and generated ones one
// in six, below); the week-long and longer scenarios are compared by
// SLO_COMPARE_ALL (make test-all, CI on main) and whenever their spec or
// scenario file changes.
const maxSampleSpan = 4 * 24 * time.Hour

// span is the time of s's last assertion.
func span(s *scenario.Scenario) time.Duration {
	var end time.Duration
	for _, a := range s.Alerts {
		end = max(end, a.At)
	}
	for _, r := range s.Ranges {
		end = max(end, r.To)
	}
	for _, q := range s.Queries {
		end = max(end, q.At)
	}
	return end
}

// changedFiles lists the files under specs/ and tests/ that differ from
// the merge base with the main branch (main, or origin/main in a CI
// checkout of a pull request): committed on the branch, changed in the
// work tree, or new and not yet added. Without git or a main branch, the
// work tree's changes alone.
func changedFiles(t *testing.T) []string {
	git := func(args ...string) ([]string, error) {
		out, err := exec.Command("git", append([]string{"-C", "../.."}, args...)...).Output()
		var lines []string
		for _, l := range strings.Split(string(out), "\n") {
			if l != "" {
				lines = append(lines, l)
			}
		}
		return lines, err
	}
	var files []string
	base := ""
	for _, main := range []string{"main", "origin/main"} {
		if out, err := git("merge-base", "HEAD", main); err == nil && len(out) == 1 {
			base = out[0]
			break
		}
	}
	if base != "" {
		out, err := git("diff", "--name-only", "--no-renames", base, "--", "specs", "tests")
		if err != nil {
			t.Logf("git diff %s: %v", base, err)
		}
		files = append(files, out...)
	} else {
		out, err := git("diff", "--name-only", "--no-renames", "HEAD", "--", "specs", "tests")
		if err != nil {
			t.Logf("git diff HEAD: %v; comparing the fixed sample only", err)
		}
		files = append(files, out...)
	}
	untracked, _ := git("ls-files", "--others", "--exclude-standard", "--", "specs", "tests")
	return append(files, untracked...)
}

// mutateRules renders rf with change applied to a copy of every rule, and
// counts the rules it changed.
func mutateRules(tb testing.TB, rf compile.RuleFile, change func(r *compile.Rule)) (data []byte, changed int) {
	tb.Helper()
	mutated := compile.RuleFile{Name: rf.Name, Source: rf.Source}
	for _, g := range rf.Groups {
		g.Rules = slices.Clone(g.Rules)
		for j := range g.Rules {
			before := g.Rules[j]
			change(&g.Rules[j])
			if g.Rules[j].Expr != before.Expr || g.Rules[j].For != before.For {
				changed++
			}
		}
		mutated.Groups = append(mutated.Groups, g)
	}
	data, err := render.RuleFile(mutated)
	if err != nil {
		tb.Fatal(err)
	}
	return data, changed
}

// mutation is a change to one compiled alerting rule that a scenario must
// notice.
type mutation struct {
	what   string
	alert  string
	sev    string
	change func(r *compile.Rule, step time.Duration)
}

// upValuesRE matches the condition of a status alert with up values
// (`rec != 1`, `rec != 0 != 2`).
var upValuesRE = regexp.MustCompile(` != (-?[0-9.]+)(?: != -?[0-9.]+)*`)

var thresholdRE = regexp.MustCompile(`([<>]) (-?[0-9.]+)$`)
var burnRE = regexp.MustCompile(`\(([0-9.]+) \* ([0-9.]+)\)`)

// scaleFactors scales the burn factors of a burn-rate alert.
func scaleFactors(factor float64) func(r *compile.Rule, _ time.Duration) {
	return func(r *compile.Rule, _ time.Duration) {
		r.Expr = burnRE.ReplaceAllStringFunc(r.Expr, func(s string) string {
			m := burnRE.FindStringSubmatch(s)
			var f float64
			fmt.Sscan(m[1], &f)
			return "(" + num.Format(f*factor) + " * " + m[2] + ")"
		})
	}
}

// mutationsFor picks, for a generated scenario, the mutations it must
// catch: a threshold moved across the tested value (burn factors scaled
// by 1.25 or 0.75), `for` one step longer for firing scenarios, "down"
// redefined for status alerts, and for a spike, the short window alone
// being allowed to fire.
func mutationsFor(s *scenario.Scenario) []mutation {
	if s.Family != "" {
		return nil // failure modes: TestFailureModesCatchMutations
	}
	c := s.Covers[0]
	var ms []mutation
	status := strings.Contains(s.Name, " when ")
	switch {
	case strings.Contains(s.Name, "spike"):
		ms = append(ms, mutation{"and -> or", c.Alert, c.Severity, func(r *compile.Rule, _ time.Duration) {
			r.Expr = strings.ReplaceAll(r.Expr, "\nand\n", "\nor\n")
		}})
	case c.Firing && status && strings.Contains(s.Name, "absent"):
		ms = append(ms, mutation{"no absent()", c.Alert, c.Severity, func(r *compile.Rule, _ time.Duration) {
			r.Expr = r.Expr[:strings.Index(r.Expr, " or absent(")]
		}})
	case c.Firing && status:
		ms = append(ms, mutation{"down is -1", c.Alert, c.Severity, func(r *compile.Rule, _ time.Duration) {
			r.Expr = strings.Replace(r.Expr, "== 0", "== -1", 1)
			r.Expr = upValuesRE.ReplaceAllString(r.Expr, " == -1")
		}})
	case !c.Firing && status:
		ms = append(ms, mutation{"down is the up value", c.Alert, c.Severity, func(r *compile.Rule, _ time.Duration) {
			r.Expr = strings.Replace(r.Expr, "== 0", "== 1", 1)
			r.Expr = upValuesRE.ReplaceAllString(r.Expr, " == $1")
		}})
	case s.Probe != nil:
		// Reflect the threshold across the tested value: a firing value
		// is then short of it, a silent value past it.
		moved := 2*s.Probe.Value - s.Probe.Threshold
		ms = append(ms, mutation{"threshold moved across the tested value", c.Alert, c.Severity, func(r *compile.Rule, _ time.Duration) {
			r.Expr = thresholdRE.ReplaceAllString(r.Expr, "${1} "+num.Format(moved))
		}})
	case c.Firing:
		ms = append(ms, mutation{"burn factors x1.25", c.Alert, c.Severity, scaleFactors(1.25)})
	default:
		ms = append(ms, mutation{"burn factors x0.75", c.Alert, c.Severity, scaleFactors(0.75)})
	}
	if c.Firing && !strings.Contains(s.Name, "absent") {
		ms = append(ms, mutation{"for one step longer", c.Alert, c.Severity, func(r *compile.Rule, step time.Duration) {
			r.For += step
		}})
	}
	return ms
}

// TestGeneratedScenariosCatchMutations changes the compiled rule each
// generated scenario is about and checks that the scenario then fails:
// a scenario that passes whatever the threshold or `for` is proves nothing.
func TestGeneratedScenariosCatchMutations(t *testing.T) {
	heavy(t)
	b, diags, err := Compile([]string{"../../specs"})
	if err != nil || b == nil {
		t.Fatalf("%v %v", err, diags)
	}
	type job struct {
		name string
		file *scenario.File
	}
	var jobs []job
	for i, svc := range b.Project.Services {
		ss, _ := signal.Generate(svc)
		for _, s := range ss {
			for _, m := range mutationsFor(s) {
				rf := b.Output.RuleFiles[i]
				data, hit := mutateRules(t, rf, func(r *compile.Rule) {
					if r.Alert == m.alert && slices.Contains(r.Labels, compile.Label{Name: "severity", Value: m.sev}) {
						m.change(r, svc.Interval)
					}
				})
				if hit == 0 {
					t.Errorf("%s: mutation %q changed no rule", s.Name, m.what)
					continue
				}
				jobs = append(jobs, job{
					name: s.Name + " / " + m.what,
					file: &scenario.File{Name: svc.Source, RuleFiles: []scenario.RuleFile{{Name: rf.Name, Data: data}}, Scenarios: []*scenario.Scenario{s}},
				})
			}
		}
	}
	files := make([]*scenario.File, len(jobs))
	for i, j := range jobs {
		files[i] = j.file
	}
	results, err := harness.Run(files, harness.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if r.Passed() {
			t.Errorf("%s: the scenario still passes on the mutated rule", jobs[i].name)
		}
	}
	t.Logf("%d mutations, each caught", len(jobs))
}

// failureMutation puts back one way an alert used to break in production:
// it rewrites the alert's rules (its records and its alerting rules) and
// names the failure-mode family whose generated scenario must then fail.
type failureMutation struct {
	what    string
	family  string
	applies func(a *model.Alert) bool
	change  func(a *model.Alert, r *compile.Rule)
}

var floorRE = regexp.MustCompile(`^\((.*)\) and .* >= [0-9.e+]+$`)

// cutAt drops expr from the first occurrence of sep.
func cutAt(expr, sep string) string {
	if i := strings.Index(expr, sep); i >= 0 {
		return expr[:i]
	}
	return expr
}

var failureMutations = []failureMutation{
	{"no traffic floor", signal.FamilyLowVolume,
		func(a *model.Alert) bool { r, ok := a.Signal.(*model.RatioSignal); return ok && r.MinTotal > 0 },
		func(_ *model.Alert, r *compile.Rule) {
			if m := floorRE.FindStringSubmatch(r.Expr); m != nil && r.Record != "" {
				r.Expr = m[1]
			}
		}},
	{"no absent guard", signal.FamilyAbsent,
		func(a *model.Alert) bool {
			_, status := a.Signal.(*model.StatusSignal)
			v, known, _ := signal.AbsentValue(a.Signal)
			return !status && (a.OnAbsent == model.AbsentFire || known && model.Past(a.Direction, v, a.Levels[len(a.Levels)-1].Threshold))
		},
		func(_ *model.Alert, r *compile.Rule) {
			if r.Record != "" {
				r.Expr = cutAt(r.Expr, " or max")
			} else {
				r.Expr = cutAt(r.Expr, " or absent(")
			}
		}},
	{"unguarded baseline division", signal.FamilyIdle,
		func(a *model.Alert) bool { _, ok := a.Signal.(*model.BaselineSignal); return ok },
		func(_ *model.Alert, r *compile.Rule) {
			if strings.HasSuffix(r.Expr, ") < +Inf > -Inf") {
				r.Expr = strings.TrimSuffix(strings.TrimPrefix(r.Expr, "("), ") < +Inf > -Inf")
			}
		}},
	{"a join that drops groups", signal.FamilyOneSided,
		func(a *model.Alert) bool {
			r, ok := a.Signal.(*model.RatioSignal)
			return ok && r.Bad != "" && r.Good != ""
		},
		func(a *model.Alert, r *compile.Rule) {
			s := a.Signal.(*model.RatioSignal)
			if r.Record != a.Record {
				return
			}
			by := strings.Join(s.By, ", ")
			w := promx.FormatDuration(s.Window)
			b := fmt.Sprintf("sum by (%s) (rate(%s[%s]))", by, s.Bad, w)
			g := fmt.Sprintf("sum by (%s) (rate(%s[%s]))", by, s.Good, w)
			r.Expr = fmt.Sprintf("(%[1]s / (%[2]s + %[1]s)) and (%[2]s + %[1]s) * %[3]s >= %[4]s", b, g, num.Format(s.Window.Seconds()), num.Format(s.MinTotal))
		}},
	{"for reset by one dip (one down state watched)", signal.FamilyStates,
		func(a *model.Alert) bool { s, ok := a.Signal.(*model.StatusSignal); return ok && len(s.UpValues) > 0 },
		func(a *model.Alert, r *compile.Rule) {
			if r.Alert == "" {
				return
			}
			s := a.Signal.(*model.StatusSignal)
			down := 0.0
			for slices.Contains(s.UpValues, down) {
				down++
			}
			sel, rest, _ := strings.Cut(r.Expr, " != ")
			_, absent, _ := strings.Cut(rest, " or ")
			r.Expr = sel + " == " + num.Format(down)
			if absent != "" {
				r.Expr += " or " + absent
			}
		}},
	{"uptime averages replicas", signal.FamilyOneOfMany,
		func(a *model.Alert) bool { _, ok := a.Signal.(*model.UptimeSignal); return ok },
		func(_ *model.Alert, r *compile.Rule) {
			if r.Record != "" && strings.HasPrefix(r.Expr, "max") {
				r.Expr = "avg" + strings.TrimPrefix(r.Expr, "max")
			}
		}},
	{"group labels aggregated away", signal.FamilyOneOfMany,
		func(a *model.Alert) bool {
			by, known := a.Signal.Labels()
			_, isStatus := a.Signal.(*model.StatusSignal)
			_, isUptime := a.Signal.(*model.UptimeSignal)
			return known && len(by) > 0 && !isStatus && !isUptime
		},
		func(a *model.Alert, r *compile.Rule) {
			if r.Record != "" {
				r.Expr = regexp.MustCompile(` by \([^)]*\)`).ReplaceAllString(r.Expr, "")
			}
		}},
}

// TestFailureModesCatchMutations puts back, one at a time, each way the
// shipped alerts used to break on production input (no traffic floor, no
// absent guard, an unguarded baseline division, a join that drops groups,
// `for` reset by a change of down state, replicas averaged, group labels
// lost) into the compiled rules of every alert it applies to, and checks
// that a generated failure-mode scenario of the named family then fails.
func TestFailureModesCatchMutations(t *testing.T) {
	heavy(t)
	b, diags, err := Compile([]string{"../../specs"})
	if err != nil || b == nil {
		t.Fatalf("%v %v", err, diags)
	}
	type job struct {
		name, family string
		files        []*scenario.File
	}
	var jobs []job
	applied := map[string]int{}
	for i, svc := range b.Project.Services {
		ss, unc := signal.Generate(svc)
		rf := b.Output.RuleFiles[i]
		for _, a := range svc.Alerts {
			prefix := a.Record[:strings.LastIndex(a.Record, ":")+1]
			for _, m := range failureMutations {
				if !m.applies(a) {
					continue
				}
				data, hit := mutateRules(t, rf, func(r *compile.Rule) {
					if r.Alert == a.Name || r.Record != "" && strings.HasPrefix(r.Record, prefix) {
						m.change(a, r)
					}
				})
				if hit == 0 {
					t.Errorf("%s: mutation %q changed no rule", a.Name, m.what)
					continue
				}
				var files []*scenario.File
				for _, s := range ss {
					if s.Family == m.family && strings.HasPrefix(s.Name, a.Name+":") {
						files = append(files, &scenario.File{Name: svc.Source, RuleFiles: []scenario.RuleFile{{Name: rf.Name, Data: data}}, Scenarios: []*scenario.Scenario{s}})
					}
				}
				if len(files) == 0 {
					if slices.ContainsFunc(unc, func(u scenario.Uncovered) bool {
						return u.Alert == a.Name && strings.HasPrefix(u.Why, "failure mode "+m.family+":")
					}) {
						t.Logf("%s: %q is not caught by a generated scenario: generation reports it cannot build the %q mode (a hand-written scenario's job)", a.Name, m.what, m.family)
						continue
					}
					t.Errorf("%s: no %q scenario to catch %q", a.Name, m.what, m.family)
					continue
				}
				applied[m.what]++
				jobs = append(jobs, job{name: a.Name + " / " + m.what, family: m.family, files: files})
			}
		}
	}
	// The 7-day SLO's ticket used to keep the 30-day table's windows at a
	// factor of 0.233: put factors below 1 back into every ticket.
	for i, svc := range b.Project.Services {
		ss, _ := signal.Generate(svc)
		rf := b.Output.RuleFiles[i]
		for _, slo := range svc.SLOs {
			ticket := slo.Alerting.Ticket
			if ticket == nil {
				continue
			}
			data, hit := mutateRules(t, rf, func(r *compile.Rule) {
				if r.Alert == slo.Alerting.Name && slices.Contains(r.Labels, compile.Label{Name: "severity", Value: string(ticket.Severity)}) {
					least := ticket.Windows[0].Factor
					for _, w := range ticket.Windows {
						least = math.Min(least, w.Factor)
					}
					scaleFactors(0.233/least)(r, 0)
				}
			})
			if hit == 0 {
				t.Errorf("%s: the ticket factors below 1 changed no rule", slo.Alerting.Name)
				continue
			}
			var files []*scenario.File
			for _, s := range ss {
				if s.Family == signal.FamilyWithinBudget && strings.HasPrefix(s.Name, slo.Alerting.Name+":") {
					files = append(files, &scenario.File{Name: svc.Source, RuleFiles: []scenario.RuleFile{{Name: rf.Name, Data: data}}, Scenarios: []*scenario.Scenario{s}})
				}
			}
			applied["ticket factor below 1"]++
			jobs = append(jobs, job{name: slo.Alerting.Name + " / ticket factor below 1", family: signal.FamilyWithinBudget, files: files})
		}
	}
	var all []*scenario.File
	for _, j := range jobs {
		all = append(all, j.files...)
	}
	results, err := harness.Run(all, harness.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	for _, j := range jobs {
		caught := false
		for range j.files {
			if !results[k].Passed() {
				caught = true
			}
			k++
		}
		if !caught {
			t.Errorf("%s: every %q scenario still passes on the mutated rules", j.name, j.family)
		}
	}
	for _, m := range failureMutations {
		if applied[m.what] == 0 {
			t.Errorf("mutation %q applies to no shipped alert", m.what)
		}
	}
	t.Logf("%d failure mutations over %d alerts, each caught: %v", len(jobs), len(applied), applied)
}
