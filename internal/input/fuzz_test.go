package input

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slo-compiler/slo/internal/spec"
)

// FuzzTranslate feeds the importers (Sloth, OpenSLO, Pyrra) any bytes,
// seeded with every upstream example and real project's file under
// testdata. Nothing may panic; every diagnostic is positioned in the file
// and one line; and a file read without an error into slo/v1 documents
// must be written, as slo import writes it, into slo/v1 that slo reads
// back without an error.
func FuzzTranslate(f *testing.F) {
	for _, glob := range []string{"testdata/*/*.y*ml", "testdata/*/*/*.y*ml"} {
		files, _ := filepath.Glob(glob)
		for _, name := range files {
			if strings.Contains(name, string(filepath.Separator)+"golden"+string(filepath.Separator)) {
				continue
			}
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("apiVersion: openslo/v1\nkind: SLO\n"))
	f.Add([]byte("- apiVersion: openslo/v1\n  kind: Service\n- 1\n"))
	f.Add([]byte("version: prometheus/v1\nslos: [{}]\n"))
	f.Add([]byte("apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nspec: {target: x}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		const path = "fuzz.yaml"
		res, diags := Translate(path, src)
		_, ds := spec.ParseDocuments(path, src, res.Docs)
		diags = append(diags, ds...)
		for _, d := range diags {
			if d.Pos.File != path {
				t.Fatalf("diagnostic without the file: %v", d)
			}
			if strings.ContainsAny(d.String(), "\r\n") {
				t.Fatalf("diagnostic of more than one line: %q", d.String())
			}
		}
		if diags.HasErrors() || len(res.Formats) == 0 || len(res.Docs) == 0 {
			return // nothing slo import writes (an OpenSLO Service alone, say)
		}
		out, err := encodeOne(path, res)
		if err != nil {
			t.Fatalf("read without an error, but not written: %v", err)
		}
		if _, back := spec.Parse("imported.yaml", out); back.HasErrors() {
			t.Fatalf("read without an error, but what slo import writes is refused:\n%s\n%s", back, out)
		}
	})
}
