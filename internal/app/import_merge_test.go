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
	"github.com/slo-compiler/slo/internal/golden"
)

// TestImportSameService imports Kuadrant's two PrometheusServiceLevel
// files, both service kuadrant, one SLO each, as their users write them:
// one spec, named after the first, with both SLOs, which compiles to the
// rule groups of the two files compiled one by one, and whose scenarios
// pass. The spec is a golden, reviewed by eye.
func TestImportSameService(t *testing.T) {
	dir := filepath.Join(inputTestdata, "sloth-kuadrant")
	a, b := filepath.Join(dir, "slo-availability.yaml"), filepath.Join(dir, "slo-latency.yaml")
	out := t.TempDir()
	files, diags, err := Import(ImportOptions{Paths: []string{a, b}, Out: out})
	if err != nil || files == nil {
		t.Fatalf("import: %v\n%s", err, diagText(diags))
	}
	if len(files) != 1 {
		t.Fatalf("%d specs, want 1", len(files))
	}
	f := files[0]
	if diff := cmp.Diff([]string{a, b}, f.From); diff != "" {
		t.Errorf("From (-want +got):\n%s", diff)
	}
	if want := filepath.Join(out, "slo-availability.yaml"); f.Path != want {
		t.Errorf("Path %s, want %s", f.Path, want)
	}
	golden.Check(t, filepath.Join("testdata", "import", "kuadrant", "slo-availability.yaml"), f.Data)
	if first, _, _ := strings.Cut(string(f.Data), "\n"); !strings.Contains(first, "slo-availability.yaml, slo-latency.yaml") {
		t.Errorf("header %q does not name both inputs", first)
	}

	// The folder imports the same bytes: its files are taken sorted.
	byDir, _, err := Import(ImportOptions{Paths: []string{dir}, Out: out})
	if err != nil || len(byDir) != 1 || !bytes.Equal(byDir[0].Data, f.Data) {
		t.Errorf("importing the folder: err %v, %d specs, same bytes %v", err, len(byDir), len(byDir) == 1 && bytes.Equal(byDir[0].Data, f.Data))
	}

	// The two documents in one file: the same spec, and compile's hint
	// says to import the file.
	src := concat(t, a, b)
	one := filepath.Join(t.TempDir(), "kuadrant.yaml")
	if err := os.WriteFile(one, src, 0o644); err != nil {
		t.Fatal(err)
	}
	byFile, _, err := Import(ImportOptions{Paths: []string{one}, Out: out})
	if err != nil || len(byFile) != 1 || body(byFile[0].Data) != body(f.Data) {
		t.Errorf("importing one file of both documents: err %v, %d specs, not the same spec", err, len(byFile))
	}
	_, diags, _ = Compile([]string{one})
	if !slices.ContainsFunc(diags, func(d diag.Diagnostic) bool {
		return d.Code == "lint/duplicate-service" && strings.Contains(d.Message, "import the file (slo import --out DIR "+one+")")
	}) {
		t.Errorf("no import hint for one file:\n%s", diagText(diags))
	}

	if _, err := WriteImported(files, false); err != nil {
		t.Fatal(err)
	}
	merged, diags, err := Compile([]string{f.Path})
	if err != nil || merged == nil || diags.HasErrors() {
		t.Fatalf("compile of the import: %v\n%s", err, diagText(diags))
	}
	// Each file compiled alone: the merged spec's rules are their groups,
	// in input order.
	var want []yaml.Node
	for _, p := range []string{a, b} {
		one, diags, err := Compile([]string{p})
		if err != nil || one == nil {
			t.Fatalf("compile of %s: %v\n%s", p, err, diagText(diags))
		}
		want = append(want, ruleGroups(t, one, "rules/kuadrant.yml")...)
	}
	if diff := cmp.Diff(yamlText(t, want), yamlText(t, ruleGroups(t, merged, "rules/kuadrant.yml"))); diff != "" {
		t.Errorf("rule groups of the import differ from those of the two files (-files +import):\n%s", diff)
	}

	run, diags, err := Test(TestOptions{Paths: []string{f.Path}})
	if err != nil || run == nil {
		t.Fatalf("slo test of the import: %v\n%s", err, diagText(diags))
	}
	t.Logf("%d scenarios", len(run.Results))
	if len(run.Results) < 10 {
		t.Errorf("%d scenarios, want the burn scenarios of both SLOs", len(run.Results))
	}
	for _, r := range run.Results {
		if len(r.Failures) > 0 {
			t.Errorf("%s: failed: %v", r.Scenario.Name, r.Failures)
		}
	}
}

// TestCompileSameServiceHint: slo compile of the two files, not imported,
// refuses the second service as any two specs of one service, and says to
// import them together.
func TestCompileSameServiceHint(t *testing.T) {
	dir := filepath.Join(inputTestdata, "sloth-kuadrant")
	a, b := filepath.Join(dir, "slo-availability.yaml"), filepath.Join(dir, "slo-latency.yaml")
	build, diags, err := Compile([]string{a, b})
	if err != nil || build != nil {
		t.Fatalf("compile: err %v, build %v; want errors", err, build != nil)
	}
	var errs []string
	for _, d := range diags {
		if d.Severity == diag.Error {
			errs = append(errs, d.String())
		}
	}
	want := []string{b + `:7:3: error: service "kuadrant" is defined twice; first at ` + a + `:7:3; slo keeps a service in one spec: import the two files together (slo import --out DIR ` + a + " " + b + `), which writes one spec with the SLOs of both [lint/duplicate-service]`}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}

	// A Sloth file beside its own import: keep one.
	out := t.TempDir()
	files, _, err := Import(ImportOptions{Paths: []string{a}, Out: out})
	if err != nil || len(files) != 1 {
		t.Fatalf("import: %v", err)
	}
	if _, err := WriteImported(files, false); err != nil {
		t.Fatal(err)
	}
	_, diags, _ = Compile([]string{a, files[0].Path})
	if !slices.ContainsFunc(diags, func(d diag.Diagnostic) bool {
		return d.Code == "lint/duplicate-service" && strings.HasSuffix(d.Message, "if one is the slo import of the other, keep one of them")
	}) {
		t.Errorf("no keep-one hint:\n%s", diagText(diags))
	}
}

// TestImportSameServiceRefused: files of one service that cannot be one
// spec. Service fields that differ are errors at the later file's field,
// naming both values and the earlier file; an SLO name given twice is an
// error at the later one. Nothing is imported; the diagnostics are goldens.
func TestImportSameServiceRefused(t *testing.T) {
	for _, c := range []struct {
		name  string
		codes []string
	}{
		{"conflict", []string{"input/service-conflict"}},
		{"same-slo", []string{"lint/duplicate-slo"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir() // the CLI's import_same_service.txtar checks nothing is written
			t.Chdir(filepath.Join("testdata", "import", c.name))
			files, diags, err := Import(ImportOptions{Paths: []string{"."}, Out: out})
			if err != nil || files != nil {
				t.Fatalf("import: err %v, %d files; want errors and no files", err, len(files))
			}
			var codes []string
			for _, d := range diags {
				if d.Severity == diag.Error && !slices.Contains(codes, d.Code) {
					codes = append(codes, d.Code)
				}
			}
			if !slices.Equal(codes, c.codes) {
				t.Errorf("error codes %q, want %q", codes, c.codes)
			}
			golden.Check(t, "want.txt", renderDiags(t, diags))
		})
	}
}

// concat joins the files at paths as documents of one file.
func concat(t *testing.T, paths ...string) []byte {
	t.Helper()
	var docs [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, data)
	}
	return bytes.Join(docs, []byte("\n---\n"))
}

// body is an imported spec without its header, which names the inputs.
func body(data []byte) string {
	_, b, _ := strings.Cut(string(data), "\n")
	return b
}

// ruleGroups are the groups of the rule file name of a build.
func ruleGroups(t *testing.T, b *Build, name string) []yaml.Node {
	t.Helper()
	for _, f := range b.Files {
		if f.Name != name {
			continue
		}
		var doc struct {
			Groups []yaml.Node `yaml:"groups"`
		}
		if err := yaml.Unmarshal(f.Data, &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Groups
	}
	t.Fatalf("no %s", name)
	return nil
}

func yamlText(t *testing.T, nodes []yaml.Node) string {
	t.Helper()
	data, err := yaml.Marshal(nodes)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestImportSameServiceOtherFormats: OpenSLO and Pyrra files go through
// the same merge. Two OpenSLO SLOs of one spec.service in two files make
// one spec with both; two Pyrra objectives of one name are one SLO twice,
// as a Pyrra objective is a service named as its SLO.
func TestImportSameServiceOtherFormats(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(inputTestdata, "openslo", "occurences-slo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	second := strings.Replace(strings.Replace(string(src), "name: search-slo", "name: browse-slo", 1), "target: 0.99", "target: 0.95", 1)
	for name, data := range map[string]string{"a.yaml": string(src), "b.yaml": second} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, diags, err := Import(ImportOptions{Paths: []string{dir}, Out: t.TempDir()})
	if err != nil || len(files) != 1 {
		t.Fatalf("OpenSLO: err %v, %d specs, want 1\n%s", err, len(files), diagText(diags))
	}
	if got := strings.Count(string(files[0].Data), "\n  - name: "); got != 2 {
		t.Errorf("OpenSLO: %d SLOs in the spec, want 2:\n%s", got, files[0].Data)
	}

	pyrra := filepath.Join(inputTestdata, "pyrra", "prometheus-http.yaml")
	copyOf := filepath.Join(t.TempDir(), "copy.yaml")
	data, err := os.ReadFile(pyrra)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copyOf, data, 0o644); err != nil {
		t.Fatal(err)
	}
	files, diags, err = Import(ImportOptions{Paths: []string{pyrra, copyOf}, Out: t.TempDir()})
	if err != nil || files != nil {
		t.Fatalf("Pyrra: err %v, %d specs; want errors", err, len(files))
	}
	if !slices.ContainsFunc(diags, func(d diag.Diagnostic) bool { return d.Code == "lint/duplicate-slo" && d.Pos.File == copyOf }) {
		t.Errorf("Pyrra: no lint/duplicate-slo at the copy:\n%s", diagText(diags))
	}
}
