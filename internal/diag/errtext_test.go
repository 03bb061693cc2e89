package diag

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// textFuncs take a string apart or look into it: fed an error's text, they
// parse it.
var textFuncs = map[string][]string{
	"strings": {"Contains", "ContainsAny", "ContainsRune", "Count", "Cut", "CutPrefix", "CutSuffix", "EqualFold",
		"Fields", "FieldsFunc", "HasPrefix", "HasSuffix", "Index", "IndexAny", "IndexByte", "IndexRune", "LastIndex",
		"LastIndexAny", "LastIndexByte", "Split", "SplitAfter", "SplitN", "TrimPrefix", "TrimSuffix"},
	"fmt":     {"Sscan", "Sscanf", "Sscanln"},
	"strconv": {"Atoi", "ParseInt", "ParseFloat", "Unquote"},
}

// regexpMethods are the methods of *regexp.Regexp that read a string.
var regexpMethods = []string{"FindString", "FindStringIndex", "FindStringSubmatch", "FindStringSubmatchIndex",
	"FindAllString", "FindAllStringIndex", "FindAllStringSubmatch", "FindAllStringSubmatchIndex", "MatchString",
	"ReplaceAllString", "ReplaceAllStringFunc", "ReplaceAllLiteralString", "Split"}

// errTextAllowed lists, by file and function, the few places that still
// read an error's text, each because the library offers nothing else.
var errTextAllowed = map[string]string{
	// text/template/parse formats "template: NAME:LINE: MSG" into a plain
	// error (no position or message field); the message is cut out so
	// that the caller positions it in the spec.
	"internal/promx/promx.go:CheckTemplate": "text/template gives parse errors as text only",
	// Removing parts of the config until the loader's error changes
	// compares two whole errors of config.Load for equality (they are
	// fmt.Errorf values without types); nothing is taken out of them.
	"internal/app/amlocate.go:byRemoval": "config.Load's semantic errors are untyped; compared whole, never parsed",
	// Alertmanager's errors quote the values they refuse, secrets
	// included, and carry no field for them: redaction rewrites the text
	// that is shown (Redact), and this compares the result with it.
	"internal/promx/secrets.go:RedactError": "secrets are redacted from the text that is shown",
}

// TestNoErrorTextParsed fails when a Go file outside tests feeds an
// error's text (err.Error(), a Message or Msg field, or a variable
// assigned from one in the same function) to a function that takes strings apart (strings.Cut,
// HasPrefix, fmt.Sscanf, a regexp, strconv.Atoi, ...), or compares it with
// == or !=. Positions and field names come from typed errors and the
// input's own structure, never from a message that a library may reword.
func TestNoErrorTextParsed(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	used := map[string]bool{}
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "testdata" || strings.HasPrefix(name, ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			key := rel + ":" + fn.Name.Name
			for _, pos := range errTextUses(fn.Body) {
				if _, ok := errTextAllowed[key]; ok {
					used[key] = true
					continue
				}
				found = append(found, fset.Position(pos).String())
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("scanned only %d files under %s", files, root)
	}
	for _, f := range found {
		t.Errorf("%s: parses an error's text; use the error's type or fields, or the input's structure", f)
	}
	for key := range errTextAllowed {
		if !used[key] {
			t.Errorf("errTextAllowed: %s no longer reads an error's text; remove it from the list", key)
		}
	}
}

// errTextUses returns the positions in body where an error's text is
// taken apart or compared.
func errTextUses(body *ast.BlockStmt) []token.Pos {
	// Variables that hold an error's text: assigned from an expression
	// holding x.Error().
	tainted := map[string]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
			for i, r := range as.Rhs {
				if _, lit := r.(*ast.CompositeLit); lit {
					continue // a value built around the text, not the text
				}
				if id, ok := as.Lhs[i].(*ast.Ident); ok && callsError(r, nil) {
					tainted[id.Name] = true
				}
			}
		}
		return true
	})
	var out []token.Pos
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if !readsText(n) {
				return true
			}
			for _, a := range n.Args {
				if callsError(a, tainted) {
					out = append(out, n.Pos())
					break
				}
			}
			// A regexp method's receiver is the pattern, not the text.
		case *ast.BinaryExpr:
			if (n.Op == token.EQL || n.Op == token.NEQ) && !emptyOrLen(n.X) && !emptyOrLen(n.Y) &&
				(callsError(n.X, tainted) || callsError(n.Y, tainted)) {
				out = append(out, n.Pos())
			}
		}
		return true
	})
	return out
}

// emptyOrLen reports whether e is "", nil or a len(...) call: comparing
// with them asks whether there is a text, not what it says.
func emptyOrLen(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Value == `""`
	case *ast.Ident:
		return e.Name == "nil"
	case *ast.CallExpr:
		id, ok := e.Fun.(*ast.Ident)
		return ok && id.Name == "len"
	}
	return false
}

// readsText reports whether call is one of textFuncs or a regexp method.
func readsText(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	if pkg, ok := sel.X.(*ast.Ident); ok {
		if names, ok := textFuncs[pkg.Name]; ok {
			return slices.Contains(names, sel.Sel.Name)
		}
	}
	return slices.Contains(regexpMethods, sel.Sel.Name)
}

// callsError reports whether e holds a call x.Error() or one of the
// tainted variables.
func callsError(e ast.Expr, tainted map[string]bool) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Error" && len(n.Args) == 0 {
				found = true
			}
		case *ast.SelectorExpr:
			// A message field of an error or a diagnostic
			// (cog.BuildError.Message, Diagnostic.Message) is
			// text too.
			if n.Sel.Name == "Message" || n.Sel.Name == "Msg" {
				found = true
			}
		case *ast.Ident:
			if tainted[n.Name] {
				found = true
			}
		}
		return !found
	})
	return found
}

// TestErrTextUses: the scan finds what it must and nothing else.
func TestErrTextUses(t *testing.T) {
	for _, tc := range []struct {
		body string
		want int
	}{
		{`if m := re.FindStringSubmatch(err.Error()); m != nil {}`, 1},
		{`msg := err.Error(); if strings.HasPrefix(msg, "yaml: ") {}`, 1},
		{`var a, b int; fmt.Sscanf(err.Error(), "%d:%d:", &a, &b)`, 1},
		{`if pe.Err.Error() == "no arguments" {}`, 1},
		{`n, _ := strconv.Atoi(strings.TrimPrefix(e.Error(), "line "))`, 2},
		{`fmt.Printf("slo: %s\n", err.Error())`, 0},
		{`msg := err.Error(); if msg == "" {}; return errors.New(msg)`, 0},
		{`errs := List{{Message: err.Error()}}; if len(errs) == 0 {}`, 0},
		{`if strings.HasPrefix(name, "x") {}`, 0},
		{`if m := re.FindStringSubmatch(e.Message); m != nil {}`, 1},
		{`key := d.Message[strings.LastIndex(d.Message, "(--"):]`, 1},
	} {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", "package x\nfunc f() {\n"+tc.body+"\n}\n", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(errTextUses(f.Decls[0].(*ast.FuncDecl).Body)); got != tc.want {
			t.Errorf("%s: %d uses, want %d", tc.body, got, tc.want)
		}
	}
}
