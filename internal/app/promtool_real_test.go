package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// realPromtoolVerdicts are the exit codes of `promtool test rules FILE` of
// prometheus v0.315.0 (built as promtoolVerdicts says), run inside FILE's
// folder, on public monitoring mixins' own unit-test files under
// testdata/promtool-real (each folder's README.md names the project,
// commit, licence and how its rule files were generated). Where promtool
// fails, FILE.promtool is its output, verbatim. long marks what takes
// seconds: the file is run only without -short, and exhaustive marks
// that only the exhaustive run is long.
var realPromtoolVerdicts = []struct {
	file string
	code int
	long string // "", "exhaustive" or "both"
}{
	{file: "celery-exporter/tests/tests.yaml", code: 0},
	{file: "etcd/test.yaml", code: 1},
	{file: "grafana-windows-observ-lib/tests/prometheus_alerts_test.yaml", code: 0},
	{file: "ingress-nginx-mixin/tests.yaml", code: 0},
	{file: "kubernetes-autoscaling-mixin/tests/tests.yaml", code: 0, long: "exhaustive"},
	{file: "kubernetes-mixin/tests/absent_alert-test.yaml", code: 0, long: "exhaustive"},
	{file: "kubernetes-mixin/tests/apiserver-availability-test.yaml", code: 0, long: "exhaustive"},
	{file: "kubernetes-mixin/tests/apps_alerts-test.yaml", code: 0, long: "exhaustive"},
	{file: "kubernetes-mixin/tests/kube_scheduler-test.yaml", code: 0, long: "exhaustive"},
	{file: "kubernetes-mixin/tests/kubelet-test.yaml", code: 0, long: "exhaustive"},
	{file: "kubernetes-mixin/tests/mutated-apps_alerts-test.yaml", code: 1},
	{file: "kubernetes-mixin/tests/mutated-kube_scheduler-test.yaml", code: 1},
	{file: "kubernetes-mixin/tests/resource_alerts-test.yaml", code: 0, long: "exhaustive"},
	{file: "kubernetes-mixin/tests/rules-pod-owner-test.yaml", code: 0, long: "exhaustive"},
	{file: "kubernetes-mixin/tests/tests.yaml", code: 0, long: "both"},
	{file: "thanos-receive-controller/tests.yaml", code: 1},
	{file: "thanos/tests.yaml", code: 0},
}

// TestRealPromtoolParity runs slo test, on demand and exhaustively, on
// real projects' promtool unit-test files and requires promtool's exit
// code and, where it fails, its failure text line for line (indentation
// aside: slo indents promtool's report under its own result line).
func TestRealPromtoolParity(t *testing.T) {
	root := filepath.Join("testdata", "promtool-real")
	// Every unit-test file there is in the table.
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), "\ntests:") {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, v := range realPromtoolVerdicts {
		want[v.file] = true
	}
	for _, f := range files {
		if !want[f] {
			t.Errorf("%s has tests but no recorded promtool verdict", f)
		}
	}
	if len(files) != len(realPromtoolVerdicts) {
		t.Errorf("%d unit-test files, %d verdicts", len(files), len(realPromtoolVerdicts))
	}
	for _, v := range realPromtoolVerdicts {
		var wantText []string
		if v.code != 0 {
			b, err := os.ReadFile(filepath.Join(root, v.file+".promtool"))
			if err != nil {
				t.Fatal(err)
			}
			wantText = promtoolLines(strings.Split(string(b), "\n"))
		}
		for _, exhaustive := range []bool{false, true} {
			name := v.file
			if exhaustive {
				name += " --exhaustive"
			}
			t.Run(name, func(t *testing.T) {
				if testing.Short() && (v.long == "both" || v.long == "exhaustive" && exhaustive) {
					t.Skip("seconds long; run without -short")
				}
				run, diags, err := Test(TestOptions{Paths: []string{filepath.Join(root, v.file)}, Exhaustive: exhaustive})
				if got := testExitCode(run, err); got != v.code {
					t.Fatalf("exit code %d, promtool's %d (err %v, diagnostics %v)", got, v.code, err, diags)
				}
				var got []string
				for _, r := range run.Results {
					for _, f := range r.Failures {
						got = append(got, strings.Split(f.Message, "\n")...)
					}
				}
				if diff := cmp.Diff(wantText, promtoolLines(got)); diff != "" {
					t.Errorf("failure text (-promtool +slo):\n%s", diff)
				}
			})
		}
	}
}

// promtoolLines are the lines of a failure report without their
// indentation, blank lines and promtool's FAILED: header.
func promtoolLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l != "" && l != "FAILED:" {
			out = append(out, l)
		}
	}
	return out
}

// TestPromtoolGroupsAreTimed: a promtool file's test groups carry their
// run time, which --verbose and the json and junit reports show (they
// showed 0ms).
func TestPromtoolGroupsAreTimed(t *testing.T) {
	run, _, err := Test(TestOptions{Paths: []string{filepath.Join("testdata", "promtool-real", "thanos", "tests.yaml")}, Exhaustive: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range run.Results {
		if r.Duration <= 0 {
			t.Errorf("%s: duration %v", r.Scenario.Name, r.Duration)
		}
	}
}
