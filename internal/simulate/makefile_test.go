package simulate_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path"
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
// (unit-race skips those), must not read testing.Short(), directly or
// through functions or methods of its own package however deep: it would
// then assert more in heavy-sim than in unit-race, and skipping it would
// lose that; and its file must have no build constraint on the race
// detector, which could keep it out of unit-race.
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
	racefree := raceFree(t, mk)

	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	more, err := filepath.Glob("*/*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, more...)
	// Per package folder: the functions (and methods, by name) that read
	// testing.Short(), and the names each one calls; and the files whose
	// build constraints mention the race detector (a test in one may not
	// run under unit-race at all).
	type fn struct {
		dir, file string
		short     bool
		calls     []string
	}
	funcs := map[string][]*fn{} // by name; tests of two packages may share one
	raceFiles := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, cg := range af.Comments {
			for _, c := range cg.List {
				if c.Pos() < af.Package && strings.HasPrefix(c.Text, "//go:build") && strings.Contains(c.Text, "race") {
					raceFiles[f] = true
				}
			}
		}
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			x := &fn{dir: filepath.Dir(f), file: f}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					if id, ok := n.X.(*ast.Ident); ok && id.Name == "testing" && n.Sel.Name == "Short" {
						x.short = true
					}
				case *ast.CallExpr:
					switch f := n.Fun.(type) {
					case *ast.Ident:
						x.calls = append(x.calls, f.Name)
					case *ast.SelectorExpr:
						x.calls = append(x.calls, f.Sel.Name)
					}
				}
				return true
			})
			funcs[fd.Name.Name] = append(funcs[fd.Name.Name], x)
		}
	}
	// A function reads testing.Short() if one it calls, however
	// indirectly, does (a method by its name alone: erring on "reads").
	for changed := true; changed; {
		changed = false
		for _, defs := range funcs {
			for _, d := range defs {
				for _, c := range d.calls {
					for _, callee := range funcs[c] {
						if !d.short && callee.short && callee.dir == d.dir {
							d.short, changed = true, true
						}
					}
				}
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
			if pkg := path.Join("internal/simulate", filepath.ToSlash(d.dir)); racefree[pkg] {
				t.Errorf("SIM_RACED names %s, a test of %s, which is in RACEFREE: unit-race leaves that package out, so heavy-sim must run it", name, pkg)
			}
			if d.short {
				t.Errorf("SIM_RACED names %s (%s), which reads testing.Short(): it does more without -short, so heavy-sim must run it", name, d.dir)
			}
			if raceFiles[d.file] {
				t.Errorf("SIM_RACED names %s, whose file %s has a build constraint on the race detector: unit-race may not run it", name, d.file)
			}
		}
	}
}

// TestNoRaceTestsRunSomewhere: unit-race skips the tests NORACE names, so
// each must be a test of a package that unit-norace runs them in (the
// packages its recipe names, and the folders of the test binaries it runs)
// or of internal/simulate/..., which heavy-sim runs whole; a name defined
// anywhere else would run in no step of make test.
func TestNoRaceTestsRunSomewhere(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^NORACE\s*:=\s*\^\(([^)]*)\)\$\$$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("the Makefile sets no NORACE := ^(A|B|...)$$")
	}
	recipe := makeRule(t, mk, "unit-norace")
	runs := map[string]bool{}
	for _, f := range strings.Fields(string(recipe)) {
		if strings.HasPrefix(f, "./cmd/") || strings.HasPrefix(f, "./internal/") {
			runs[strings.Trim(f, "./")] = true
		}
	}
	for _, p := range regexp.MustCompile(`cd (\S+) &&`).FindAllSubmatch(recipe, -1) {
		runs[string(p[1])] = true
	}
	if len(runs) < 2 {
		t.Fatalf("found only %v in unit-norace's recipe:\n%s", runs, recipe)
	}
	defined := map[string][]string{}
	err = filepath.WalkDir("../..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		af, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("../..", filepath.Dir(path))
		for _, decl := range af.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok && fd.Recv == nil {
				defined[fd.Name.Name] = append(defined[fd.Name.Name], filepath.ToSlash(rel))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range strings.Split(string(m[1]), "|") {
		dirs := defined[name]
		if len(dirs) == 0 {
			t.Errorf("NORACE names %s, which is no test function of this module", name)
		}
		for _, dir := range dirs {
			if !runs[dir] && dir != "internal/simulate" && !strings.HasPrefix(dir, "internal/simulate/") {
				t.Errorf("NORACE names %s, a test of %s, which neither unit-norace (%v) nor heavy-sim (internal/simulate/...) runs", name, dir, slices.Sorted(maps.Keys(runs)))
			}
		}
	}
}

// raceFree returns the packages the Makefile's RACEFREE names, as module
// paths without the module ("internal/signal").
func raceFree(t *testing.T, mk []byte) map[string]bool {
	t.Helper()
	m := regexp.MustCompile(`(?m)^RACEFREE\s*:=(.*)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("the Makefile sets no RACEFREE := ./a/ ./b/")
	}
	pkgs := map[string]bool{}
	for _, f := range strings.Fields(string(m[1])) {
		if !strings.HasPrefix(f, "./") || !strings.HasSuffix(f, "/") {
			t.Fatalf("RACEFREE names %s: want ./path/ (unit-race's filter-out matches that form)", f)
		}
		pkgs[strings.TrimSuffix(strings.TrimPrefix(f, "./"), "/")] = true
	}
	if len(pkgs) == 0 {
		t.Fatal("RACEFREE is empty")
	}
	return pkgs
}

// TestRaceFreePackagesShareNothing keeps the Makefile's RACEFREE honest:
// unit-race leaves those packages out, so neither their code nor their
// tests may run anything in parallel (a go statement, a channel, sync,
// sync/atomic, errgroup or par, t.Parallel or b.RunParallel, an httptest
// server), and each must run whole without -race in another step:
// unit-norace (a go test of the package with no -run) or heavy-sim (go
// test ./internal/simulate/..., for the packages under it).
func TestRaceFreePackagesShareNothing(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	recipe := makeRule(t, mk, "unit-norace")
	simWhole := strings.Contains(string(makeRule(t, mk, "heavy-sim")), " ./internal/simulate/...")
	banned := map[string]bool{"sync": true, "sync/atomic": true, "golang.org/x/sync/errgroup": true,
		"net/http/httptest": true, "github.com/slo-compiler/slo/internal/par": true}
	for pkg := range raceFree(t, mk) {
		whole := simWhole && (pkg == "internal/simulate" || strings.HasPrefix(pkg, "internal/simulate/"))
		for _, line := range strings.Split(string(recipe), "\n") {
			if strings.Contains(line, " ./"+pkg+"/") && !strings.Contains(line, " -run ") && !strings.Contains(line, "-race") {
				whole = true
			}
		}
		if !whole {
			t.Errorf("RACEFREE names %s, which no step runs whole without -race (unit-norace's recipe: go test ./%s/ with no -run; heavy-sim's: go test ./internal/simulate/...)", pkg, pkg)
		}
		files, err := filepath.Glob(filepath.Join("../..", pkg, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("RACEFREE names %s, which has no Go files (%v)", pkg, err)
		}
		for _, f := range files {
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, im := range af.Imports {
				if p := strings.Trim(im.Path.Value, `"`); banned[p] {
					t.Errorf("%s imports %s: RACEFREE's packages run nothing in parallel", f, p)
				}
			}
			ast.Inspect(af, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.GoStmt:
					t.Errorf("%s starts a goroutine: RACEFREE's packages run nothing in parallel", f)
				case *ast.ChanType:
					t.Errorf("%s uses a channel: RACEFREE's packages run nothing in parallel", f)
				case *ast.SelectorExpr:
					if n.Sel.Name == "Parallel" || n.Sel.Name == "RunParallel" {
						t.Errorf("%s calls %s: RACEFREE's packages run nothing in parallel", f, n.Sel.Name)
					}
				}
				return true
			})
		}
	}
}

// makeRule returns the Makefile's rule for target: its line and recipe, up
// to the blank line after it.
func makeRule(t *testing.T, mk []byte, target string) []byte {
	t.Helper()
	r := regexp.MustCompile(`(?ms)^` + regexp.QuoteMeta(target) + `:.*?\n\n`).Find(mk)
	if r == nil {
		t.Fatalf("the Makefile has no %s rule", target)
	}
	return r
}
