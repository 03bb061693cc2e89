package app

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/harness"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/signal"
)

const inputTestdata = "../input/testdata"

// importExamples are the upstream example files that compile, by format.
var importExamples = []string{
	"sloth/getting-started.yml",
	"sloth/k8s-getting-started.yml",
	"sloth/kubernetes-apiserver.yml",
	"sloth/home-wifi.yml",
	"sloth/k8s-home-wifi.yml",
	"sloth/raw-home-wifi.yml",
	"sloth/no-alerts.yml",
	"sloth/multifile.yml",
	"sloth/k8s-multifile.yml",
	// OpenSLO v1alpha, as Sloth reads it.
	"sloth/openslo-getting-started.yml",
	"openslo/all-kinds.yaml",
	"openslo/oslo-v1.yaml",
	// A threshold SLI over a data source of type Any whose query is PromQL.
	"openslo/occurences-slo.yaml",
	"pyrra/caddy-response-latency.yaml",
	"pyrra/nginx.yaml",
	"pyrra/parca-grpc-queryrange-errors.yaml",
	"pyrra/prometheus-http.yaml",
	"pyrra/prometheus-operator.yaml",
	"pyrra/prometheus-probe-success.yaml",
	"pyrra/pyrra-connect-errors.yaml",
	"pyrra/pyrra-connect-latency.yaml",
	"pyrra/pyrra-filesystem-errors.yaml",
	"pyrra/pyrra-kubernetes-errors.yaml",
	"pyrra/slo-apiserver-read-resource-latency.yaml",
	"pyrra/slo-coredns-response-errors.yaml",
	"pyrra/thanos-grpc.yaml",
	"pyrra/thanos-http.yaml",
}

// importRefused are upstream examples slo cannot read, and the codes of
// the errors that say why, at the example's own lines.
var importRefused = map[string][]string{
	// A Go plugin SLI.
	"sloth/plugin-getting-started.yml": {"input/unsupported"},
	// MetricsQL (VictoriaMetrics), not PromQL, and snake_case alert names.
	"sloth/victoria-metrics.yml": {"input/unsupported", "lint/burn-never-fires", "promql/syntax", "spec/name"},
	// OpenSLO's ratio examples leave out ratioMetric.counter, which
	// OpenSLO v1's schema requires (slo reads counters only), and one has
	// two objectives.
	"openslo/ratio-timeslices.yaml":           {"spec/required"},
	"openslo/timeslices-slo.yaml":             {"input/unsupported", "spec/required"},
	"openslo/low-traffic-timeslices-slo.yaml": {"spec/required"},
}

// TestImportExamples compiles each upstream example as it is, imports it
// with slo import into slo/v1, and requires the imported spec to compile
// to the same rules.
func TestImportExamples(t *testing.T) {
	for _, ex := range importExamples {
		t.Run(ex, func(t *testing.T) {
			path := filepath.Join(inputTestdata, ex)
			b, diags, err := Compile([]string{path})
			if err != nil || b == nil {
				t.Fatalf("compile: %v\n%s", err, diagText(diags))
			}
			out := t.TempDir()
			files, diags, err := Import(ImportOptions{Paths: []string{path}, Out: out})
			if err != nil || files == nil {
				t.Fatalf("import: %v\n%s", err, diagText(diags))
			}
			if _, err := WriteImported(files, false); err != nil {
				t.Fatal(err)
			}
			again, _, err := Import(ImportOptions{Paths: []string{path}, Out: out})
			if err != nil || again == nil || !bytes.Equal(again[0].Data, files[0].Data) {
				t.Errorf("a second import gives other bytes (err %v)", err)
			}
			if _, err := WriteImported(files, false); err == nil || !strings.Contains(err.Error(), "--force") {
				t.Errorf("overwriting without --force: err %v, want a refusal", err)
			}
			b2, diags, err := Compile([]string{files[0].Path})
			if err != nil || b2 == nil {
				t.Fatalf("compile of the import: %v\n%s", err, diagText(diags))
			}
			if diags.HasErrors() || slices.ContainsFunc(diags, func(d diag.Diagnostic) bool { return d.Code == "input/unmapped" }) {
				t.Errorf("the imported spec has diagnostics:\n%s", diagText(diags))
			}
			if diff := cmp.Diff(ruleBodies(b.Files), ruleBodies(b2.Files)); diff != "" {
				t.Errorf("imported spec compiles to other rules (-example +imported):\n%s", diff)
			}
		})
	}
	for ex, codes := range importRefused {
		t.Run(ex, func(t *testing.T) {
			path := filepath.Join(inputTestdata, ex)
			b, diags, err := Compile([]string{path})
			if err != nil || b != nil {
				t.Fatalf("compile: err %v, build %v; want errors", err, b != nil)
			}
			var got []string
			for _, d := range diags {
				if d.Severity != diag.Error {
					continue
				}
				if d.Pos.File != path || d.Pos.Line == 0 {
					t.Errorf("%s: not at a line of the example", d)
				}
				if !slices.Contains(got, d.Code) {
					got = append(got, d.Code)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, codes) {
				t.Errorf("error codes %q, want %q\n%s", got, codes, diagText(diags))
			}
			if files, _, _ := Import(ImportOptions{Paths: []string{path}, Out: t.TempDir()}); files != nil {
				t.Errorf("import gave files for a refused example")
			}
		})
	}
}

// ruleBodies are the rule files of a build without their header, which
// names the source file.
func ruleBodies(files []File) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		if !strings.HasPrefix(f.Name, "rules/") {
			continue
		}
		_, body, _ := strings.Cut(string(f.Data), "\n")
		out[f.Name] = body
	}
	return out
}

// slothRules reads a rule file Sloth generated: a plain Prometheus rule
// file, or a PrometheusRule object whose spec holds the groups.
func slothRules(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var obj struct {
		Kind string `yaml:"kind"`
		Spec struct {
			Groups []yaml.Node `yaml:"groups"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(data, &obj); err != nil {
		t.Fatal(err)
	}
	if obj.Kind != "PrometheusRule" {
		return data
	}
	out, err := yaml.Marshal(map[string]any{"groups": obj.Spec.Groups})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// toSloth rewrites the alerts a generated scenario selects into the labels
// Sloth's alerts carry: sloth_slo for slo, and sloth_severity page or
// ticket for the severity of slo's page (critical) and ticket (warning).
func toSloth(s *scenario.Scenario) *scenario.Scenario {
	cp := *s
	cp.Ranges = nil
	for _, r := range s.Ranges {
		ls := map[string]string{}
		for k, v := range r.Labels {
			switch k {
			case "slo":
				ls["sloth_slo"] = v
			case "severity":
				ls["sloth_severity"] = map[string]string{"critical": "page", "warning": "ticket"}[v]
			default:
				ls[k] = v
			}
		}
		r.Labels = ls
		cp.Ranges = append(cp.Ranges, r)
	}
	return &cp
}

// TestSlothParity shows that the burn-rate alerts slo compiles from a
// Sloth spec fire and stay silent on the same scenarios as the rules Sloth
// itself generated from the same file (its committed examples/_gen): the
// scenarios slo generates for the imported SLOs run once against slo's
// rules and once against Sloth's, and every verdict must be equal, and a
// pass. Sloth's rules with their burn factors moved up, then down, by a
// quarter must fail every burn-rate scenario at 1.1x and 0.9x of a
// threshold: the comparison can fail.
func TestSlothParity(t *testing.T) {
	examples := []string{"getting-started", "k8s-getting-started", "kubernetes-apiserver"}
	if testing.Short() {
		examples = examples[:1]
	}
	for _, ex := range examples {
		t.Run(ex, func(t *testing.T) {
			path := filepath.Join(inputTestdata, "sloth", ex+".yml")
			b, diags, err := Compile([]string{path})
			if err != nil || b == nil {
				t.Fatalf("%v\n%s", err, diagText(diags))
			}
			sloth := string(slothRules(t, filepath.Join(inputTestdata, "sloth", "_gen", ex+".yml")))
			up := strings.NewReplacer("(14.4 * ", "(18 * ", "(6 * ", "(7.5 * ", "(3 * ", "(3.75 * ", "(1 * ", "(1.25 * ")
			down := strings.NewReplacer("(14.4 * ", "(10.8 * ", "(6 * ", "(4.5 * ", "(3 * ", "(2.25 * ", "(1 * ", "(0.75 * ")
			var mine, theirs, movedUp, movedDown []*scenario.File
			for i, svc := range b.Project.Services {
				ss, _ := signal.Generate(svc)
				if len(ss) == 0 {
					t.Fatalf("no scenarios for %s", svc.Name)
				}
				rf := b.Output.RuleFiles[i]
				mine = append(mine, &scenario.File{Name: svc.Source, RuleFiles: []scenario.RuleFile{{Name: rf.Name, Data: fileData(b, rf.Name)}}, Scenarios: ss})
				var translated []*scenario.Scenario
				for _, s := range ss {
					translated = append(translated, toSloth(s))
				}
				on := func(rules string) *scenario.File {
					return &scenario.File{Name: svc.Source, RuleFiles: []scenario.RuleFile{{Name: "sloth.yml", Data: []byte(rules)}}, Scenarios: translated}
				}
				theirs = append(theirs, on(sloth))
				movedUp = append(movedUp, on(up.Replace(sloth)))
				movedDown = append(movedDown, on(down.Replace(sloth)))
			}
			run := func(files []*scenario.File) []*scenario.Result {
				rs, err := harness.Run(files, harness.Options{})
				if err != nil {
					t.Fatal(err)
				}
				return rs
			}
			a, s, mu, md := run(mine), run(theirs), run(movedUp), run(movedDown)
			threshold := 0
			for i := range a {
				name := a[i].Scenario.Name
				if !a[i].Passed() {
					t.Errorf("%s: fails on slo's own rules: %v", name, a[i].Failures)
				}
				if a[i].Passed() != s[i].Passed() {
					t.Errorf("%s: passes on slo's rules %v, on Sloth's %v: %v", name, a[i].Passed(), s[i].Passed(), s[i].Failures)
				}
				if strings.Contains(name, "x the ") { // 1.1x or 0.9x of a threshold
					threshold++
					if mu[i].Passed() && md[i].Passed() {
						t.Errorf("%s: passes on Sloth's rules with the factors moved up and down", name)
					}
				}
			}
			if threshold < 8 {
				t.Errorf("only %d threshold scenarios compared, want the 8 of a page and a ticket with two window pairs each", threshold)
			}
			t.Logf("%d scenarios, %d at a threshold: equal verdicts on slo's and Sloth's rules", len(a), threshold)
		})
	}
}
