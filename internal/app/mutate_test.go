package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/spec"
)

// TestMutatedInputs takes every valid shipped spec and scenario file (specs/,
// tests/ and the compile test cases) and replaces each value of its YAML
// tree in turn by null, a scalar, a list and a mapping. Each mutant goes
// through the whole pipeline: a spec is decoded, validated, compiled,
// rendered and read back with the specs it is compiled with; a scenario
// file is decoded, converted (scenario.FromSpec) and the specs it names
// compiled. No mutant may panic, and one that fails must say why with at
// least one positioned error. Under -short (make test) it takes one mutant
// in mutateShortStride, a fixed sample; without -short, every one.
func TestMutatedInputs(t *testing.T) {
	root := t.TempDir()
	repo := filepath.Join("..", "..")
	for _, dir := range []string{"specs", "tests", "config"} {
		if err := os.CopyFS(filepath.Join(root, dir), os.DirFS(filepath.Join(repo, dir))); err != nil {
			t.Fatal(err)
		}
	}
	cases, _ := filepath.Glob(filepath.Join("testdata", "compile", "*"))
	for _, c := range cases {
		for _, dir := range []string{"specs", "config"} {
			src := filepath.Join(c, dir)
			if _, err := os.Stat(src); err != nil {
				continue
			}
			if err := os.CopyFS(filepath.Join(root, "cases", filepath.Base(c), dir), os.DirFS(src)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Each spec file is compiled with the other files of its folder of
	// specs, so that team names meet their routing.
	var inputs []mutationInput
	specSets, _ := filepath.Glob(filepath.Join(root, "cases", "*", "specs"))
	specSets = append([]string{filepath.Join(root, "specs")}, specSets...)
	for _, set := range specSets {
		files, err := input.SpecFiles([]string{set})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			inputs = append(inputs, mutationInput{path: f, set: files})
		}
	}
	tests, err := input.SpecFiles([]string{filepath.Join(root, "tests")})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tests {
		inputs = append(inputs, mutationInput{path: f, scenario: true})
	}

	stride := 1
	if testing.Short() {
		stride = mutateShortStride
	}
	n, ran := 0, 0
	for _, in := range inputs {
		name, _ := filepath.Rel(root, in.path)
		orig, err := os.ReadFile(in.path)
		if err != nil {
			t.Fatal(err)
		}
		if msg := in.run(); msg != "" {
			t.Fatalf("%s: the unmutated file fails: %s", name, msg)
		}
		docs := yamlDocs(t, orig)
		for _, site := range valueSites(docs) {
			for _, repl := range replacements() {
				n++
				if n%stride != 0 {
					continue
				}
				ran++
				saved := *site.node
				*site.node = *repl.node
				src := encodeDocs(t, docs)
				*site.node = saved
				if err := os.WriteFile(in.path, src, 0o644); err != nil {
					t.Fatal(err)
				}
				if msg := in.run(); msg != "" {
					t.Errorf("%s: %s replaced by %s: %s\n--- mutated file:\n%s", name, site.path, repl.name, msg, src)
				}
			}
		}
		if err := os.WriteFile(in.path, orig, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d mutants of %d files run (%d possible)", ran, len(inputs), n)
}

// mutateShortStride keeps make test (-race -short) to about ten seconds
// here (about 170 of 6,200 mutants); without -short every mutant runs, in
// about a minute without the race detector.
const mutateShortStride = 37

type mutationInput struct {
	path string
	// set is the spec files compiled together, path among them.
	set      []string
	scenario bool
}

// run runs the pipeline on the file and describes what is wrong with the
// outcome: a panic, a tool failure, or a failure without a positioned error.
func (in mutationInput) run() (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprintf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	if in.scenario {
		return scenarioProblem(in.path)
	}
	b, diags, err := Compile(in.set)
	if err != nil {
		return "tool failure: " + err.Error()
	}
	return pipelineProblem(b == nil, diags)
}

// scenarioProblem runs what slo test does with a scenario file before it
// simulates anything: decode it, convert it (scenario.FromSpec), compile the
// specs it names and check the names it uses.
func scenarioProblem(path string) string {
	src, err := os.ReadFile(path)
	if err != nil {
		return "tool failure: " + err.Error()
	}
	sf, diags := spec.ParseScenario(path, src)
	if sf == nil || diags.HasErrors() {
		return pipelineProblem(true, diags)
	}
	h, ds := scenario.FromSpec(sf)
	diags = append(diags, ds...)
	if diags.HasErrors() {
		return pipelineProblem(true, diags)
	}
	for _, p := range h.Specs {
		if _, err := os.Stat(p); err != nil {
			diags.Errorf(sf.At("spec"), "scenario/spec", "spec: %s does not exist", p)
		}
	}
	if diags.HasErrors() {
		return pipelineProblem(true, diags)
	}
	b, ds, err := Compile(h.Specs)
	if err != nil {
		return "tool failure: " + err.Error()
	}
	diags = append(diags, ds...)
	if b == nil {
		return pipelineProblem(true, diags)
	}
	// Unknown names are errors that still let the scenarios run.
	names := scenarioNames(sf, b)
	return pipelineProblem(names.HasErrors(), append(diags, names...))
}

// pipelineProblem checks the diagnostics of a pipeline run: a failed run
// has an error, some error carries a file, line and column, and no error
// says that Prometheus or Alertmanager refused what validation accepted.
// It returns "" when all is well.
func pipelineProblem(failed bool, diags diag.List) string {
	positioned := false
	for _, d := range diags {
		if d.Pos.File == "" {
			return "a diagnostic without a file: " + d.String()
		}
		if d.Severity != diag.Error {
			continue
		}
		switch {
		case d.Code == "rules/invalid" || d.Code == "alertmanager/invalid":
			return "validation let through output that does not load: " + d.String()
		}
		positioned = positioned || d.Pos.Line > 0 && d.Pos.Col > 0
	}
	switch {
	case failed && !diags.HasErrors():
		return "failed without an error diagnostic"
	case failed && !positioned:
		return "failed without a positioned error:\n" + diagText(diags)
	case !failed && diags.HasErrors():
		return "errors, yet a result:\n" + diagText(diags)
	}
	return ""
}

func diagText(l diag.List) string {
	var b strings.Builder
	for _, d := range l.Sorted() {
		b.WriteString(d.String() + "\n")
	}
	return b.String()
}

type valueSite struct {
	path string
	node *yaml.Node
}

// valueSites lists every value of the documents (the roots, the values of
// mappings and the items of lists, not the keys), with a path for reports.
func valueSites(docs []*yaml.Node) []valueSite {
	var sites []valueSite
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		sites = append(sites, valueSite{path, n})
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], joinPath(path, n.Content[i].Value))
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, path+"["+strconv.Itoa(i)+"]")
			}
		}
	}
	for i, d := range docs {
		if len(d.Content) > 0 {
			walk(d.Content[0], "doc"+strconv.Itoa(i)+":")
		}
	}
	return sites
}

func joinPath(path, key string) string {
	if strings.HasSuffix(path, ":") {
		return path + key
	}
	return path + "." + key
}

type replacement struct {
	name string
	node *yaml.Node
}

func replacements() []replacement {
	scalar := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }
	return []replacement{
		{"null", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}},
		{"a scalar", scalar("x")},
		{"a list", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{scalar("x")}}},
		{"a mapping", &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{scalar("x"), scalar("y")}}},
	}
}

func yamlDocs(t *testing.T, src []byte) []*yaml.Node {
	t.Helper()
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var d yaml.Node
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, &d)
	}
}

func encodeDocs(t *testing.T, docs []*yaml.Node) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestMutationSitesCover checks the mutator's own walk on a small tree, so
// that a change to it cannot silently mutate nothing.
func TestMutationSitesCover(t *testing.T) {
	docs := yamlDocs(t, []byte("a: {b: [1, {c: 2}]}\n---\nd: e\n"))
	var got []string
	for _, s := range valueSites(docs) {
		got = append(got, s.path)
	}
	want := []string{"doc0:", "doc0:a", "doc0:a.b", "doc0:a.b[0]", "doc0:a.b[1]", "doc0:a.b[1].c", "doc1:", "doc1:d"}
	if !slices.Equal(got, want) {
		t.Errorf("sites: got %q, want %q", got, want)
	}
}
