package engine

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// evaluationPackages are Prometheus's packages only this adapter may
// import: the query engine, the rule manager, storage and the TSDB (and
// their test helpers). promql/parser and model/* are fine anywhere.
var evaluationPackages = []string{"promql", "rules", "storage", "tsdb", "util/teststorage"}

func isEvaluationPackage(path string) bool {
	const prom = "github.com/prometheus/prometheus/"
	rest, ok := strings.CutPrefix(path, prom)
	if !ok || rest == "promql/parser" || strings.HasPrefix(rest, "promql/parser/") {
		return false
	}
	for _, p := range evaluationPackages {
		if rest == p || strings.HasPrefix(rest, p+"/") {
			return true
		}
	}
	return false
}

// TestOnlyEngineImportsEvaluation fails if any Go file of the module
// outside this package, test files included, imports one of
// evaluationPackages: Prometheus's Go APIs change between minor releases,
// and one adapter means one place to fix.
func TestOnlyEngineImportsEvaluation(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	self, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || filepath.Dir(path) == self {
			return nil
		}
		files++
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if isEvaluationPackage(p) {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s imports %s; only internal/simulate/engine may", rel, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("walked only %d Go files under %s: wrong root?", files, root)
	}
}

func TestIsEvaluationPackage(t *testing.T) {
	for path, want := range map[string]bool{
		"github.com/prometheus/prometheus/promql":                 true,
		"github.com/prometheus/prometheus/promql/promqltest":      true,
		"github.com/prometheus/prometheus/rules":                  true,
		"github.com/prometheus/prometheus/storage":                true,
		"github.com/prometheus/prometheus/tsdb/chunkenc":          true,
		"github.com/prometheus/prometheus/util/teststorage":       true,
		"github.com/prometheus/prometheus/promql/parser":          false,
		"github.com/prometheus/prometheus/promql/parser/posrange": false,
		"github.com/prometheus/prometheus/model/labels":           false,
		"github.com/prometheus/prometheus/rulesx":                 false,
		"github.com/prometheus/common/model":                      false,
	} {
		if got := isEvaluationPackage(path); got != want {
			t.Errorf("isEvaluationPackage(%q) = %v, want %v", path, got, want)
		}
	}
}
