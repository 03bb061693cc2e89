package input

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/slo-compiler/slo/internal/render"
)

// TestSpecFiles: a file named twice (specs and ./specs/a.yaml) is listed
// once; a symlinked folder, given as a path or met inside one, is walked;
// a link cycle ends; slo's own output found in a folder (an --out inside
// the specs) is not read as a spec.
func TestSpecFiles(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, f := range []string{"real/a.yaml", "real/sub/b.yml", "other/c.yaml"} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("version: slo/v1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile("real/gen.yml", []byte(render.Header("specs/a.yaml")+"groups: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{"specs": "real", "real/linked": "../other", "real/sub/loop": ".."} {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	got, err := SpecFiles([]string{"specs", "./specs/a.yaml", "real/a.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"specs/a.yaml", "specs/linked/c.yaml", "specs/sub/b.yml"}
	if !slices.Equal(got, want) {
		t.Errorf("SpecFiles = %q, want %q", got, want)
	}
}

// TestLoadSkipsGeneratedInFolders: Load, which opens each file once, leaves
// out slo's own output found in a folder as SpecFiles does, and reads a
// generated file named on its own (also when its folder is named too), as
// SpecFiles lists it.
func TestLoadSkipsGeneratedInFolders(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	spec := "version: slo/v1\nservice: api\nteam: platform\nslos:\n  - name: availability\n    objective: 99.9\n    sli:\n      ratio:\n        bad: errors_total\n        total: requests_total\n"
	if err := os.MkdirAll("specs/rules", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("specs/api.yaml", []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("specs/rules/api.yml", []byte(render.Header("specs/api.yaml")+"groups: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, diags, err := Load([]string{"specs"})
	if err != nil || p == nil || len(p.Services) != 1 || len(diags) > 0 {
		t.Fatalf("Load(specs) = %v services, %v, %v; want the one spec, the generated file left out", p, diags, err)
	}
	for _, paths := range [][]string{{"specs/rules/api.yml"}, {"specs", "specs/rules/api.yml"}, {"specs/rules/api.yml", "specs"}} {
		listed, err := SpecFiles(paths)
		if err != nil || !slices.Contains(listed, "specs/rules/api.yml") {
			t.Fatalf("SpecFiles(%q) = %q, %v; want the named file listed", paths, listed, err)
		}
		_, diags, err := Load(paths)
		if err != nil {
			t.Fatal(err)
		}
		read := false
		for _, d := range diags {
			read = read || d.Pos.File == "specs/rules/api.yml"
		}
		if !read {
			t.Errorf("Load(%q): no diagnostic at the generated file named on its own, so it was not read: %v", paths, diags)
		}
	}
	if err := os.Remove("specs/api.yaml"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load([]string{"specs"}); err == nil {
		t.Error("Load of a folder holding only slo's own output: no error")
	}
}
