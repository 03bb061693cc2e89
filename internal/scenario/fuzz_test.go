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
	for _, glob := range []string{"../../tests/*/*.yaml", "../simulate/promtool/testdata/*.yml", "../app/testdata/*/*/tests/*.yaml"} {
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

// TestSampleSlotsEveryRepeat holds what FuzzFromSpec found: Prometheus's
// series notation expands the first xN of "0+1000x119120000x60" (119
// million samples, most of a minute) before it fails on "x60", so the
// limit must count that xN, not the last.
func TestSampleSlotsEveryRepeat(t *testing.T) {
	for values, want := range map[string]int{
		"0+1000x119120000x60": 119120001,
		"1x5x3":               6,
		"0+1x3 _x2 stale":     4 + 3 + 1,
		"{{schema:0}}x4":      5,
	} {
		if got := SampleSlots(values); got != want {
			t.Errorf("SampleSlots(%q) = %d, want %d", values, got, want)
		}
	}
}
