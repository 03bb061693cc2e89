package app

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/render"
	"github.com/slo-compiler/slo/internal/target"
)

// exampleTarget is a target made of this file and a Register call alone,
// the way docs/targets.md says to add one: its name is a --target value
// and a section of slo.yaml, its files are written, pruned and checked
// like any target's, and what its read-back refuses is placed at the spec
// entry that made the rule, with nothing in app or target changed for it.
type exampleTarget struct{}

type exampleSettings struct {
	Ext string `yaml:"ext"`
}

func (exampleTarget) Name() string     { return "example" }
func (exampleTarget) Fields() []string { return []string{"ext"} }

func (exampleTarget) Configure(section *yaml.Node, at func(*yaml.Node) diag.Pos) (any, diag.List) {
	var s exampleSettings
	var ds diag.List
	if err := section.Decode(&s); err != nil {
		ds.Errorf(at(section), "project/invalid", "example: %v", err)
	}
	return s, ds
}

// Files writes a list of each service's groups.
func (exampleTarget) Files(in target.Input) ([]target.File, error) {
	s, _ := in.Config.Settings["example"].(exampleSettings)
	var files []target.File
	for i := range in.Output.RuleFiles {
		rf := &in.Output.RuleFiles[i]
		var b strings.Builder
		b.WriteString(render.Header(rf.Source))
		for _, g := range rf.Groups {
			b.WriteString("- " + g.Name + "\n")
		}
		files = append(files, target.File{
			Name: "example/" + in.Project.Services[i].Name + s.Ext, Data: []byte(b.String()),
			Source: rf.Source, OneSpec: true, Rules: []*compile.RuleFile{rf},
		})
	}
	return files, nil
}

// ReadBack refuses a group whose name says so.
func (exampleTarget) ReadBack(f target.File) []error {
	var errs []error
	for _, line := range strings.Split(string(f.Data), "\n") {
		if name := strings.TrimPrefix(line, "- "); strings.Contains(name, "refused") {
			errs = append(errs, &target.RuleProblem{Group: name, Msg: "a group called " + name})
		}
	}
	return errs
}

var registerExample sync.Once

func TestANewTargetIsOneFileAndARegisterCall(t *testing.T) {
	registerExample.Do(func() { target.Register(exampleTarget{}) })
	t.Chdir(t.TempDir())
	spec := `version: slo/v1
service: api
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio: {bad: 'http_requests_total{code=~"5.."}', total: http_requests_total}
`
	write := func(name, src string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("specs/api.yaml", spec)
	write(target.ProjectFile, "targets: [example, prometheus]\nexample: {ext: .txt}\n")
	b, diags, err := CompileTargets(nil, nil)
	if err != nil || diags.HasErrors() {
		t.Fatalf("compile: %v %v", err, diags)
	}
	var names []string
	for _, f := range b.Files {
		names = append(names, f.Name)
	}
	if !slices.Contains(names, "example/api.txt") || !slices.Contains(names, "rules/api.yml") {
		t.Errorf("files %v; want example/api.txt beside rules/api.yml", names)
	}
	if !slices.Contains(b.PruneDirs(), "example") {
		t.Errorf("PruneDirs %v; want example", b.PruneDirs())
	}
	// A problem its read-back finds is placed at the SLO.
	write("specs/api.yaml", strings.Replace(spec, "availability", "refused", 1))
	_, diags, err = CompileTargets(nil, []string{"example"})
	var got []string
	for _, d := range diags {
		got = append(got, d.String())
	}
	want := "specs/api.yaml:4:5: error: the compiled example/api.txt is refused by the example target's loader: a group called api-slo-refused [target/invalid]"
	if err != nil || !slices.Equal(got, []string{want}) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}
