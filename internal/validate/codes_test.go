package validate

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const diagnosticsDoc = "../../docs/diagnostics.md"

var (
	// codeRE is the form of a diagnostic code, "area/name".
	codeRE = regexp.MustCompile(`^[a-z]+/[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	// docCodeRE matches the heading of a code's section.
	docCodeRE = regexp.MustCompile(`^## ([a-z]+/[a-z][a-z0-9-]*)\s*$`)
)

// sourceCodes returns the diagnostic codes used by the non-test Go sources
// under root, with where each is first used. Codes do not all reach
// Errorf/Warnf as literals (some go through a variable or a helper, or
// straight into a Diagnostic), so it works in two steps: the areas are read
// off the literal second arguments of Errorf/Warnf calls, then every string
// literal outside imports that has the form "area/name" with one of those
// areas counts as a code.
func sourceCodes(t *testing.T, root string) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	str := func(e ast.Expr) (string, bool) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(lit.Value)
		return s, err == nil
	}
	areas := map[string]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Errorf" && sel.Sel.Name != "Warnf") {
				return true
			}
			if s, ok := str(call.Args[1]); ok && codeRE.MatchString(s) {
				areas[s[:strings.Index(s, "/")]] = true
			}
			return true
		})
	}
	if len(areas) == 0 {
		t.Fatalf("no Errorf/Warnf calls with a literal code under %s; the scan is broken", root)
	}
	codes := map[string]string{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if _, ok := n.(*ast.ImportSpec); ok {
				return false
			}
			lit, ok := n.(*ast.BasicLit)
			if !ok {
				return true
			}
			s, ok := str(lit)
			if !ok || !codeRE.MatchString(s) || !areas[s[:strings.Index(s, "/")]] {
				return true
			}
			if _, seen := codes[s]; !seen {
				codes[s] = fset.Position(n.Pos()).String()
			}
			return true
		})
	}
	return codes
}

// docCodes returns the codes that have a "## area/name" section in the
// diagnostics reference.
func docCodes(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(diagnosticsDoc)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	for i, line := range strings.Split(string(b), "\n") {
		m := docCodeRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if codes[m[1]] {
			t.Errorf("%s:%d: %s has a second section", diagnosticsDoc, i+1, m[1])
		}
		codes[m[1]] = true
	}
	return codes
}

// TestDiagnosticCodesDocumented keeps docs/diagnostics.md in sync with the
// codes the compiler emits: every code needs a "## area/name" section, and
// every section must name a code still in use.
func TestDiagnosticCodesDocumented(t *testing.T) {
	used := sourceCodes(t, "..")
	documented := docCodes(t)
	var missing, stale []string
	for code, where := range used {
		if !documented[code] {
			missing = append(missing, code+" (used at "+where+")")
		}
	}
	for code := range documented {
		if _, ok := used[code]; !ok {
			stale = append(stale, code)
		}
	}
	slices.Sort(missing)
	slices.Sort(stale)
	for _, m := range missing {
		t.Errorf("%s: no \"## %s\" section for code %s", diagnosticsDoc, strings.Fields(m)[0], m)
	}
	for _, s := range stale {
		t.Errorf("%s: section \"## %s\" documents a code no source under internal/ uses any more; remove it", diagnosticsDoc, s)
	}
}

// TestSourceCodesScan guards the scan: codes that reach Errorf through a
// variable, a helper or a Diagnostic literal must be found too.
func TestSourceCodesScan(t *testing.T) {
	used := sourceCodes(t, "..")
	for _, want := range []string{
		"spec/unknown-field",     // Errorf literal, package spec
		"promql/selector",        // through a variable
		"lint/duplicate-service", // through a helper
		"spec/yaml",              // a diag.Diagnostic literal
		"rules/invalid",          // package app
	} {
		if _, ok := used[want]; !ok {
			t.Errorf("sourceCodes does not find %s", want)
		}
	}
	for _, notCode := range []string{"path/filepath", "io/fs"} {
		if _, ok := used[notCode]; ok {
			t.Errorf("sourceCodes takes the import %q for a code", notCode)
		}
	}
}
