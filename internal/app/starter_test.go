package app

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/report"
	"github.com/slo-compiler/slo/internal/scaffold"
	"github.com/slo-compiler/slo/internal/scenario"
)

// TestStarterPasses writes the starter project of package scaffold,
// compiles it as slo init does, and runs the gate on it: it must pass with
// no diagnostic at all, and compile to exactly the files
// scaffold.Generated names. It is a test of this package rather than
// scaffold's: it runs slo init and slo check, and scaffold's own test
// binary would link all of this package for it.
func TestStarterPasses(t *testing.T) {
	dir := t.TempDir()
	for _, f := range scaffold.Files() {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	b, diags, err := Compile(nil)
	if err != nil || b == nil || len(diags) > 0 {
		t.Fatalf("compile: %v\n%v", err, diags)
	}
	var names []string
	for _, f := range b.Files {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(scaffold.Generated))
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("compiled files (-Generated +compiled):\n%s", diff)
	}
	if _, err := Write(".", b.Files, false); err != nil {
		t.Fatal(err)
	}
	run, err := Check(CheckOptions{Tests: []string{"tests"}, Dashboards: "dashboards"})
	if err != nil {
		t.Fatal(err)
	}
	if !run.OK() || len(run.Diags) > 0 {
		t.Errorf("slo check on the starter project: ok=%v, diagnostics:\n%v\ndrift: %v", run.OK(), run.Diags, run.Drift)
	}
	if s := report.Summarize(run.Test.Results); s.Failed > 0 || s.Passed == 0 {
		t.Errorf("scenarios: %d passed, %d failed", s.Passed, s.Failed)
	}
	// The hand-written story ran with the generated scenarios.
	if !slices.ContainsFunc(run.Test.Results, func(r *scenario.Result) bool { return r.File == "tests/checkout.yaml" && r.Passed() }) {
		t.Error("the starter scenario file did not run, or failed")
	}
}
