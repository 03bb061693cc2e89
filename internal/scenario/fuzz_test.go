package scenario

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/slo-compiler/slo/internal/spec"
)

// FuzzFromSpec feeds the scenario-file loader arbitrary bytes: decoding
// (spec.ParseScenario) and conversion (FromSpec), which also runs on a file
// that decoded with errors, so that it never meets a nil the decoder let
// through. It may report anything, but must not panic; every diagnostic
// carries the file, and a file that does not decode says why with an error.
// Seeds are the repository's scenario files and promtool test files; make
// fuzz runs it for FUZZTIME.
func FuzzFromSpec(f *testing.F) {
	for _, glob := range []string{"../../tests/*/*.yaml", "../simulate/testdata/*.yml", "../app/testdata/*/*/tests/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("version: slo/v1\nspec: s.yaml\ntests: [~, x, [], {input_series: [~], alert_rule_test: [{exp_alerts: [~], exp_pending: [1]}]}]\n"))
	f.Add([]byte("version: slo/v1\nspec: s.yaml\ntests:\n  - promql_expr_test: [{expr: ~, exp_samples: [~]}]\n    alert_range_test: [~, {never_fires: ~, fires_within: x}]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		const path = "tests/fuzz.yaml"
		sf, diags := spec.ParseScenario(path, src)
		if sf == nil && !diags.HasErrors() {
			t.Fatalf("no file and no error")
		}
		if sf != nil {
			_, ds := FromSpec(sf)
			diags = append(diags, ds...)
		}
		for _, d := range diags {
			if d.Pos.File != path {
				t.Fatalf("diagnostic without the file: %v", d)
			}
		}
	})
}
