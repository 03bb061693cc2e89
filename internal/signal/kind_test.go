package signal

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/slo-compiler/slo/internal/spec"
)

// TestEveryKind: the kinds are exactly the signal fields of the spec, in
// the spec's order, and every model signal type names one of them, so a
// kind cannot be added to one side and forgotten on the other (Of would
// panic at run time).
func TestEveryKind(t *testing.T) {
	var fields []string
	st := reflect.TypeFor[spec.Signal]()
	for i := range st.NumField() {
		f := st.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" || tag == "record" || tag == "on_absent" {
			continue
		}
		fields = append(fields, tag)
	}
	if !slices.Equal(fields, Keys()) {
		t.Errorf("spec.Signal kinds %v, package signal kinds %v", fields, Keys())
	}

	// Every Kind() method in the model returns a key of a kind.
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../model/model.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var modelKinds []string
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || fn.Name.Name != "Kind" {
			continue
		}
		ret := fn.Body.List[0].(*ast.ReturnStmt).Results[0].(*ast.BasicLit)
		k, _ := strconv.Unquote(ret.Value)
		modelKinds = append(modelKinds, k)
	}
	slices.Sort(modelKinds)
	keys := slices.Sorted(slices.Values(Keys()))
	if !slices.Equal(modelKinds, keys) {
		t.Errorf("model signal kinds %v, package signal kinds %v", modelKinds, keys)
	}
}
