package app

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/harness"
	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/report"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/simulate"
	"github.com/slo-compiler/slo/internal/simulate/promtool"
	"github.com/slo-compiler/slo/internal/spec"
)

// DefaultTestPaths are read by slo test when no path is given.
var DefaultTestPaths = []string{"specs", "tests"}

// TestOptions configure slo test.
type TestOptions struct {
	Paths      []string
	Exhaustive bool
	Run        *regexp.Regexp
	// Parallelism bounds how many scenarios (and promtool test groups)
	// run at once; zero means GOMAXPROCS.
	Parallelism int
	// Keep, when set, keeps only the generated and hand-written scenarios
	// it returns true for (promtool files are run whole).
	Keep func(file string, s *scenario.Scenario) bool
	// Limits bound each generated and hand-written scenario; zero fields
	// are scenario.DefaultLimits. A scenario over a limit is a positioned
	// error and is not run.
	Limits scenario.Limits
	// BeforeRun, when set, is given the diagnostics found before any
	// scenario runs, which are the first of those Test returns; OnResult
	// then each result as it comes, in the order of TestRun.Results.
	BeforeRun func(diag.List)
	OnResult  func(*scenario.Result)
}

// TestRun is what slo test found.
type TestRun struct {
	Results []*scenario.Result
	// Uncovered are alerts generation could not invert.
	Uncovered []scenario.Uncovered
	// Coverage has a row per alert severity of the specs tested.
	Coverage []report.CoverageRow
}

// fileKind tells spec files, slo scenario files and promtool test files
// apart by their top-level keys. A file with tests is a promtool unit-test
// file unless it has slo's version key (promtool's format has none, and
// rule_files is optional: a test may only query its input series). A
// scenario file that lacks its version but names its spec is still a
// scenario file, so that the missing version is what gets reported.
func fileKind(src []byte) string {
	var top map[string]any
	if yaml.Unmarshal(src, &top) != nil {
		return "spec" // the spec decoder reports the YAML error
	}
	_, tests := top["tests"]
	_, version := top["version"]
	_, specs := top["spec"]
	switch {
	case tests && (version || specs):
		return "scenario"
	case tests:
		return "promtool"
	}
	return "spec"
}

// testPaths is paths, or the DefaultTestPaths that exist.
func testPaths(paths []string) []string {
	if len(paths) > 0 {
		return paths
	}
	for _, p := range DefaultTestPaths {
		if _, err := os.Stat(p); err == nil {
			paths = append(paths, p)
		}
	}
	return paths
}

// kinds are the files under some paths by what they hold (see fileKind).
type kinds struct {
	all                        []string
	specs, scenarios, promtool []string
}

// classify lists the files under paths and sorts them by kind.
func classify(paths []string) (kinds, error) {
	var k kinds
	files, err := input.SpecFiles(paths)
	if err != nil {
		return k, err
	}
	k.all = files
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return k, err
		}
		switch fileKind(src) {
		case "promtool":
			k.promtool = append(k.promtool, f)
		case "scenario":
			k.scenarios = append(k.scenarios, f)
		default:
			k.specs = append(k.specs, f)
		}
	}
	return k, nil
}

// Test runs the scenarios under paths: generated ones for every spec file,
// hand-written ones in scenario files, and promtool unit-test files.
func Test(opts TestOptions) (*TestRun, diag.List, error) {
	paths := testPaths(opts.Paths)
	k, err := classify(paths)
	if err != nil {
		return nil, nil, err
	}
	specFiles, scenarioFiles, promtoolFiles := k.specs, k.scenarios, k.promtool
	if len(k.all) == 0 {
		return nil, nil, fmt.Errorf("nothing to test under %s", strings.Join(paths, ", "))
	}
	run := &TestRun{}
	var diags, limitDiags diag.List
	var sfiles []*scenario.File
	var project *model.Project
	if len(specFiles) > 0 {
		compiled, only := specContext(specFiles)
		b, ds, err := Compile(compiled)
		for _, d := range ds {
			// The rest of the spec set is compiled for its references;
			// its warnings are not this run's business.
			if d.Severity == diag.Error || only == nil || only[input.RealPath(d.Pos.File)] {
				diags = append(diags, d)
			}
		}
		if err != nil {
			return nil, diags, err
		}
		if b == nil {
			return nil, diags, nil
		}
		project = b.Project
		if only != nil {
			project = &model.Project{Routing: b.Project.Routing}
		}
		for i, svc := range b.Project.Services {
			if only != nil && !only[input.RealPath(svc.Source)] {
				continue
			}
			if only != nil {
				project.Services = append(project.Services, svc)
			}
			f, unc, over := generatedScenarios(b, i, opts.Limits, nil)
			limitDiags = append(limitDiags, over...)
			run.Uncovered = append(run.Uncovered, unc...)
			if f != nil {
				sfiles = append(sfiles, f)
			}
		}
	}
	// names are problems in scenario files that still run: exit 1, like a
	// failed scenario, where a malformed file stops the run.
	var names diag.List
	for _, path := range scenarioFiles {
		f, ds, ns, err := loadScenarioFile(path, opts.Limits)
		diags = append(diags, ds...)
		names = append(names, ns...)
		if err != nil {
			return nil, diags, err
		}
		if f != nil {
			sfiles = append(sfiles, f)
		}
	}
	if diags.HasErrors() {
		return nil, append(diags, names...), nil
	}
	diags = append(diags, names...)
	// Limits are checked before anything is evaluated; a scenario over one
	// is an error that fails the run (exit 1), and the others still run.
	sfiles, over := harness.CheckLimits(sfiles, opts.Limits)
	diags = append(append(diags, limitDiags...), over...)
	if opts.BeforeRun != nil {
		opts.BeforeRun(diags)
	}
	results, err := harness.Run(sfiles, harness.Options{Exhaustive: opts.Exhaustive, Run: opts.Run, Keep: opts.Keep, Done: opts.OnResult, Parallelism: opts.Parallelism})
	if err != nil {
		return nil, diags, err
	}
	run.Results = results
	if len(promtoolFiles) > 0 {
		popts := promtool.Options{Options: simulate.Options{Exhaustive: opts.Exhaustive}, Limits: &opts.Limits, Parallelism: opts.Parallelism}
		if opts.Run != nil {
			popts.Run = []string{opts.Run.String()}
		}
		prs, err := promtool.RunFiles(promtoolFiles, popts)
		if err != nil {
			return nil, diags, err
		}
		for _, fr := range prs {
			diags = append(diags, promtoolRuleFileWarnings(fr)...)
			rs := promtoolResults(fr)
			run.Results = append(run.Results, rs...)
			if opts.OnResult != nil {
				for _, r := range rs {
					opts.OnResult(r)
				}
			}
		}
	}
	if project != nil {
		run.Coverage = report.Coverage(alertSeverities(project), run.Results)
	}
	return run, diags, nil
}

func fileData(b *Build, name string) []byte {
	for _, f := range b.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

// loadScenarioFile reads a hand-written scenario file and compiles the
// specs it names. names are the alerts and receivers it names that the
// compiled specs lack (see scenarioNames).
//
// Test groups over a limit on their input (scenario.FromSpecWith) are left
// out; their errors are returned with names, as they do not stop the other
// groups.
func loadScenarioFile(path string, lim scenario.Limits) (f *scenario.File, diags, names diag.List, err error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, nil, err
	}
	sf, diags := spec.ParseScenario(path, src)
	if sf == nil || diags.HasErrors() {
		return nil, diags, nil, nil
	}
	h, ds := scenario.FromSpecWith(sf, lim)
	var over diag.List
	for _, d := range ds {
		if d.Code == scenario.LimitCode {
			over = append(over, d)
		} else {
			diags = append(diags, d)
		}
	}
	if diags.HasErrors() {
		return nil, append(diags, over...), nil, nil
	}
	for _, p := range h.Specs {
		if _, err := os.Stat(p); err != nil {
			diags.Errorf(sf.At("spec"), "scenario/spec", "spec: %s does not exist (paths are relative to the scenario file)", p)
		}
	}
	if diags.HasErrors() {
		return nil, diags, nil, nil
	}
	b, ds, err := Compile(h.Specs)
	diags = append(diags, ds...)
	if err != nil || b == nil {
		return nil, diags, nil, err
	}
	f = &scenario.File{Name: path, Scenarios: h.Scenarios}
	for _, file := range b.Files {
		if strings.HasPrefix(file.Name, "rules/") {
			f.RuleFiles = append(f.RuleFiles, scenario.RuleFile{Name: file.Name, Data: file.Data})
		} else if file.Name == "alertmanager/alertmanager.yml" {
			f.Alertmanager = file.Data
		}
	}
	return f, diags, append(over, scenarioNames(sf, b)...), nil
}

// promtoolResults turns a promtool file's outcome into one result per test
// group (a file-level error is one failed result).
func promtoolResults(fr *promtool.FileResult) []*scenario.Result {
	pos := diag.Pos{File: fr.File}
	if len(fr.Groups) == 0 {
		r := &scenario.Result{File: fr.File, Scenario: &scenario.Scenario{Name: filepath.Base(fr.File), Pos: pos}}
		for _, f := range fr.Failures {
			r.Failures = append(r.Failures, promtoolFailures(pos, -1, f)...)
		}
		return []*scenario.Result{r}
	}
	var out []*scenario.Result
	for _, g := range fr.Groups {
		r := &scenario.Result{File: fr.File, Scenario: &scenario.Scenario{Name: g.Name, Pos: pos}, Evaluations: g.Stats.RuleEvals, Duration: g.Duration}
		for _, f := range g.Failures {
			r.Failures = append(r.Failures, promtoolFailures(pos, g.Index, f)...)
		}
		out = append(out, r)
	}
	return out
}

// alertSeverities lists every alert severity of the project, in spec order.
// specContext returns the spec files to compile for a run on specFiles, and
// the files whose scenarios to run (nil: all). One spec of the project
// names alerts and teams of others (inhibitions, routing), so when every
// given spec lies inside the default specs folder, the whole folder is
// compiled for those references and only the given specs are tested.
func specContext(specFiles []string) (compile []string, only map[string]bool) {
	root := input.DefaultSpecs
	rootAbs := input.RealPath(root)
	for _, f := range specFiles {
		rel, err := filepath.Rel(rootAbs, input.RealPath(f))
		if err != nil || strings.HasPrefix(rel, "..") {
			return specFiles, nil
		}
	}
	all, err := input.SpecFiles([]string{root})
	if err != nil {
		return specFiles, nil
	}
	only = map[string]bool{}
	for _, f := range specFiles {
		only[input.RealPath(f)] = true
	}
	compile = slices.Clone(specFiles)
	for _, f := range all {
		if only[input.RealPath(f)] {
			continue
		}
		if src, err := os.ReadFile(f); err == nil && fileKind(src) == "spec" {
			compile = append(compile, f)
		}
	}
	if len(compile) == len(specFiles) {
		return specFiles, nil
	}
	return compile, only
}

func alertSeverities(p *model.Project) report.Alerts {
	var out report.Alerts
	add := func(name string, sev model.Severity) {
		out = append(out, struct{ Alert, Severity string }{name, string(sev)})
	}
	for _, s := range p.Services {
		for _, slo := range s.SLOs {
			for _, b := range []*model.BurnAlert{slo.Alerting.Page, slo.Alerting.Ticket} {
				if b != nil {
					add(slo.Alerting.Name, b.Severity)
				}
			}
		}
		for _, a := range s.Alerts {
			for _, l := range a.Levels {
				add(a.Name, l.Severity)
			}
		}
	}
	return slices.Clip(out)
}
