package simulate_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestHeavySimSkipsOnlyRacedTests keeps the Makefile's SIM_RACED honest.
// make heavy-sim runs internal/simulate/... without -race and without
// -short, and skips the tests SIM_RACED lists because unit-race already
// runs them, the same assertions, under the race detector. So a listed
// test must be a test of internal/simulate/..., must not be in NORACE
// (unit-race skips those), and must not read testing.Short(), directly
// or through a function of its own package: it would then assert more
// in heavy-sim than in unit-race, and skipping it would lose that.
func TestHeavySimSkipsOnlyRacedTests(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	list := func(name string) []string {
		m := regexp.MustCompile(`(?m)^` + name + `\s*:=\s*\^\(([^)]*)\)\$\$$`).FindSubmatch(mk)
		if m == nil {
			t.Fatalf("the Makefile sets no %s := ^(A|B|...)$$", name)
		}
		return strings.Split(string(m[1]), "|")
	}
	raced, norace := list("SIM_RACED"), list("NORACE")

	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	more, err := filepath.Glob("*/*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, more...)
	// Per package folder: the functions that read testing.Short(), and
	// the functions each test function calls by name.
	type fn struct {
		dir   string
		short bool
		calls []string
	}
	funcs := map[string][]fn{} // by name; tests of two packages may share one
	readsShort := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Dir(f)
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Body == nil {
				continue
			}
			var x fn
			x.dir = dir
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					if id, ok := n.X.(*ast.Ident); ok && id.Name == "testing" && n.Sel.Name == "Short" {
						x.short = true
					}
				case *ast.CallExpr:
					if id, ok := n.Fun.(*ast.Ident); ok {
						x.calls = append(x.calls, id.Name)
					}
				}
				return true
			})
			funcs[fd.Name.Name] = append(funcs[fd.Name.Name], x)
			if x.short {
				readsShort[dir+"\x00"+fd.Name.Name] = true
			}
		}
	}
	for _, name := range raced {
		defs := funcs[name]
		if len(defs) == 0 {
			t.Errorf("SIM_RACED names %s, which is no function of internal/simulate/...'s tests", name)
		}
		if slices.Contains(norace, name) {
			t.Errorf("SIM_RACED names %s, which is in NORACE: unit-race skips it, so heavy-sim must run it", name)
		}
		for _, d := range defs {
			short := d.short
			for _, c := range d.calls {
				short = short || readsShort[d.dir+"\x00"+c]
			}
			if short {
				t.Errorf("SIM_RACED names %s (%s), which reads testing.Short(): it does more without -short, so heavy-sim must run it", name, d.dir)
			}
		}
	}
}
