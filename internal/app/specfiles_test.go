package app

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestSpecFiles: a file named twice (specs and ./specs/a.yaml) is listed
// once; a symlinked folder, given as a path or met inside one, is walked;
// a link cycle ends.
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
