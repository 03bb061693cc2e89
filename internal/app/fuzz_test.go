package app

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzCompile runs one spec file through the whole pipeline, as slo compile
// does: decode, validate, compile, render, and read back with Prometheus's
// and Alertmanager's own loaders. It must not panic or fail as a tool, and
// its outcome must pass pipelineProblem (mutate_test.go): a failure says
// why with a positioned error, and nothing validation accepts is refused by
// the loaders. Seeds are the shipped specs and the test cases' specs; make
// fuzz runs it for FUZZTIME.
func FuzzCompile(f *testing.F) {
	for _, glob := range []string{"../../specs/*.yaml", "../../specs/*/*.yaml", "testdata/*/*/specs/*.yaml", "../input/testdata/*/*.y*ml"} {
		files, _ := filepath.Glob(glob)
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec: {service: ~, indicatorRef: [], objectives: [~], alertPolicies: [~, {alertPolicyRef: ~}]}\n"))
	f.Add([]byte("- apiVersion: pyrra.dev/v1alpha1\n  kind: ServiceLevelObjective\n  metadata: {name: x}\n  spec: {target: ~, indicator: {latency: {success: ~, total: []}}}\n"))
	f.Add([]byte("version: prometheus/v1\nslos: [~, {sli: {events: ~}, alerting: {page_alert: ~}}]\n"))
	f.Add([]byte("version: slo/v1\nservice: x\nalerts: [~, x, {signal: {ratio: ~}}, {signal: {expr: ~}}]\nslos: [~, {alerting: {page: {windows: [~]}}}]\n"))
	// The routing seed's base (../config/alertmanager.base.yml) is there.
	dir := f.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "config"), os.DirFS("../../config")); err != nil {
		f.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "specs"), 0o755); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(dir, "specs", "fuzz.yaml")
	f.Fuzz(func(t *testing.T, src []byte) {
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		b, diags, err := Compile([]string{path})
		if err != nil {
			t.Fatalf("tool failure: %v", err)
		}
		if msg := pipelineProblem(b == nil, diags); msg != "" {
			t.Fatalf("%s\n--- input:\n%s", msg, src)
		}
	})
}
