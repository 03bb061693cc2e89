package promtool

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v2"

	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/simulate"
)

// fuzzLimits keep each fuzzed file small enough to run exhaustively in a
// blink: the fuzzer's worker is killed when one input runs 10 s.
var fuzzLimits = scenario.Limits{
	MaxLength:       24 * time.Hour,
	MaxSteps:        2000,
	MaxSamples:      2000,
	MaxTotalSamples: 10000,
	MinInterval:     time.Second,
}

// FuzzModesAgree runs a promtool unit-test file and its rule file, both
// fuzzed, on demand and exhaustively (promtool's way: every rule at every
// step): the verdicts and failure text must be the same, and nothing may
// panic. Seeded with every unit-test file of this package's testdata and
// the repository's tests/, each with its first rule file, and with the
// unit-test files of Prometheus's own cmd/promtool/testdata when the
// module is in the cache.
func FuzzModesAgree(f *testing.F) {
	roots := []string{"testdata", filepath.Join("..", "..", "..", "tests")}
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/prometheus/prometheus").Output(); err == nil {
		roots = append(roots, filepath.Join(strings.TrimSpace(string(out)), "cmd", "promtool", "testdata"))
	}
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
				return nil
			}
			if test, rules, ok := fuzzSeed(p); ok {
				f.Add(test, rules)
			}
			return nil
		})
	}
	f.Add([]byte("rule_files: [rules.yml]\ntests:\n- input_series:\n  - series: up\n    values: 1x10\n  alert_rule_test:\n  - eval_time: 5m\n    alertname: Down\n"),
		[]byte("groups:\n- name: g\n  rules:\n  - alert: Down\n    expr: up == 0\n    for: 1m\n"))
	f.Fuzz(func(t *testing.T, test, rules []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "rules.yml"), rules, 0o644); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "test.yml")
		if err := os.WriteFile(path, test, 0o644); err != nil {
			t.Fatal(err)
		}
		od, err := RunFile(path, Options{Limits: &fuzzLimits, Parallelism: 1})
		if err != nil {
			t.Fatal(err)
		}
		ex, err := RunFile(path, Options{Options: simulate.Options{Exhaustive: true}, Limits: &fuzzLimits, Parallelism: 1})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(ex.Errors(), od.Errors()); d != "" {
			t.Fatalf("modes differ (-exhaustive +on-demand):\n%s", d)
		}
		if d := cmp.Diff(ex.Warnings, od.Warnings); d != "" {
			t.Fatalf("warnings differ (-exhaustive +on-demand):\n%s", d)
		}
	})
}

// fuzzSeed reads the unit-test file at p and its first rule file, and
// returns the test with rule_files pointing at rules.yml, as the fuzz
// function writes them. ok is false for anything but a unit-test file
// whose first rule file is there.
func fuzzSeed(p string) (test, rules []byte, ok bool) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, nil, false
	}
	var doc yaml.MapSlice
	if yaml.Unmarshal(b, &doc) != nil {
		return nil, nil, false
	}
	hasTests := false
	for i, item := range doc {
		switch item.Key {
		case "tests":
			hasTests = true
		case "rule_files":
			files, _ := item.Value.([]any)
			if len(files) == 0 {
				return nil, nil, false
			}
			name, _ := files[0].(string)
			if rules, err = os.ReadFile(filepath.Join(filepath.Dir(p), name)); err != nil {
				return nil, nil, false
			}
			doc[i].Value = []any{"rules.yml"}
		}
	}
	if !hasTests || rules == nil {
		return nil, nil, false
	}
	if test, err = yaml.Marshal(doc); err != nil {
		return nil, nil, false
	}
	return test, rules, true
}
