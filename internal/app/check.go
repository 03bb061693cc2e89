package app

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/overlay"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/report"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/target"
)

// CheckOptions configure slo check.
type CheckOptions struct {
	// Specs and Tests are the folders of specs and scenarios.
	Specs, Tests []string
	// Out is where the committed rules/, alertmanager/ and overlays/ are.
	Out string
	// Dashboards is the folder of overlaid Grafana dashboards.
	Dashboards string
	// Targets are the output targets compared (see CompileTargets); nil
	// takes them from the project file.
	Targets []string
	// Limits bound each scenario, as in TestOptions.
	Limits scenario.Limits
}

// Drift is a generated file that differs from what the specs compile to.
type Drift struct {
	Name string
	// Kind is "changed", "missing" (not committed) or "extra" (committed,
	// but no spec generates it).
	Kind string
	Diff string
}

// CheckRun is everything slo check found.
type CheckRun struct {
	Drift []Drift
	// Diags holds the lint findings, the drift and the stale dashboards.
	Diags diag.List
	Test  *TestRun
	// MissingCoverage counts alert severities without a firing or a silent
	// scenario.
	MissingCoverage int
}

// OK reports whether the gate passes.
func (c *CheckRun) OK() bool {
	return len(c.Drift) == 0 && !c.Diags.HasErrors() && c.MissingCoverage == 0 &&
		c.Test != nil && report.Summarize(c.Test.Results).Failed == 0
}

// Check is the CI gate: the committed output is what the specs compile to,
// the lints pass, every scenario passes, every alert severity has a firing
// and a silent scenario, and the dashboards show the specs' thresholds.
func Check(opts CheckOptions) (*CheckRun, error) {
	if len(opts.Specs) == 0 {
		opts.Specs = []string{input.DefaultSpecs}
	}
	if opts.Out == "" {
		opts.Out = "."
	}
	run := &CheckRun{}
	b, diags, err := CompileTargets(opts.Specs, opts.Targets)
	run.Diags = append(run.Diags, diags...)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return run, nil
	}
	// A subset of the specs owns only its rule files, as slo compile of it
	// does (see Build.Outputs): only those are compared, and no committed
	// file is extra.
	files, _ := b.Outputs()
	for _, f := range files {
		path := filepath.Join(opts.Out, filepath.FromSlash(f.Name))
		have, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			run.Drift = append(run.Drift, Drift{Name: f.Name, Kind: "missing", Diff: unified(f.Name, nil, f.Data)})
		case err != nil:
			return nil, err
		case !bytes.Equal(have, f.Data):
			run.Drift = append(run.Drift, Drift{Name: f.Name, Kind: "changed", Diff: unified(f.Name, have, f.Data)})
		}
	}
	if b.Whole {
		stale, err := StaleIn(opts.Out, b.PruneDirs(), b.Files)
		if err != nil {
			return nil, err
		}
		for _, name := range stale {
			run.Drift = append(run.Drift, Drift{Name: name, Kind: "extra"})
		}
	}
	for _, d := range run.Drift {
		pos := diag.Pos{File: d.Name}
		switch d.Kind {
		case "missing":
			run.Diags.Errorf(pos, "check/missing", "not committed: the specs compile to this file; run slo compile and commit it")
		case "extra":
			run.Diags.Errorf(pos, "check/extra", "committed, but no spec generates it any more; run slo compile (it removes it) and commit")
		default:
			run.Diags.Errorf(pos, "check/changed", "differs from what the specs compile to (edited by hand, or a spec changed without slo compile); run slo compile and commit")
		}
	}
	if opts.Dashboards != "" {
		ds, err := overlay.Check(b.Project, opts.Dashboards)
		if err != nil {
			return nil, err
		}
		run.Diags = append(run.Diags, ds...)
	}
	paths := append(append([]string{}, opts.Specs...), opts.Tests...)
	var existing []string
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			existing = append(existing, p)
		}
	}
	t, tdiags, err := Test(TestOptions{Paths: existing, Limits: opts.Limits})
	run.Diags = append(run.Diags, tdiags...)
	if err != nil {
		return nil, err
	}
	run.Test = t
	if t != nil {
		for _, row := range t.Coverage {
			if !row.Firing || !row.Silent {
				run.MissingCoverage++
			}
		}
	}
	return run, nil
}

// unified is a unified diff of a committed file (want is what the specs
// compile to).
func unified(name string, have, want []byte) string {
	d := difflib.UnifiedDiff{
		A:        difflib.SplitLines(string(have)),
		B:        difflib.SplitLines(string(want)),
		FromFile: "committed " + name,
		ToFile:   "compiled " + name,
		Context:  2,
	}
	s, err := difflib.GetUnifiedDiffString(d)
	if err != nil {
		return fmt.Sprintf("(no diff: %v)", err)
	}
	if strings.HasPrefix(name, "alertmanager/") || strings.HasSuffix(name, "/"+target.AlertmanagerFile) {
		// The diff goes to CI logs; the base config's secrets stay in the
		// file.
		s = promx.Redact(want, promx.Redact(have, s))
	}
	return strings.TrimRight(s, "\n")
}
