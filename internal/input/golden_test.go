package input

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slo-compiler/slo/internal/golden"
	"github.com/slo-compiler/slo/internal/spec"
)

// TestExamplesGolden translates every upstream example under testdata and
// keeps, per example, the slo/v1 documents slo import writes
// (<name>.slo.yaml, when it translates) and the positioned diagnostics of
// the loader and the decoder (<name>.diags). The goldens are the reviewed
// record of what maps to what.
func TestExamplesGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.y*ml")
	if len(files) < 30 {
		t.Fatalf("only %d examples found", len(files))
	}
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			res, diags := Translate(path, src)
			if len(res.Formats) == 0 && !diags.HasErrors() {
				t.Fatalf("no format read %s, and no error says why", path)
			}
			_, ds := spec.ParseDocuments(path, src, res.Docs)
			diags = append(diags, ds...)
			var lines []string
			for _, d := range diags.Sorted() {
				lines = append(lines, d.String())
			}
			base := filepath.Join("testdata", "golden", filepath.Base(filepath.Dir(path)), strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
			golden.Check(t, base+".diags", []byte(strings.Join(append(lines, ""), "\n")))
			if diags.HasErrors() {
				return
			}
			data, err := encodeOne(path, res)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, base+".slo.yaml", data)
		})
	}
}

// encodeOne is Encode of the documents translated from one input file,
// as slo import writes a file whose service no other input names.
func encodeOne(path string, res Result) ([]byte, error) {
	return Encode(Merged{From: []string{path}, Formats: res.Formats, Docs: res.Docs})
}
