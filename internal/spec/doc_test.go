package spec

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// specDoc is the reference of the spec format, kept in sync by
// TestSpecDocCoversEveryField.
const specDoc = "../../docs/spec.md"

// specTypes returns every spec struct type with YAML fields reachable from
// the document types, in a stable order (depth-first, fields in declaration
// order).
func specTypes() []reflect.Type {
	return typesFrom(reflect.TypeFor[Service](), reflect.TypeFor[Routing]())
}

// scenarioDoc documents the scenario file format, by the same convention.
const scenarioDoc = "../../docs/testing.md"

// typesFrom returns every spec struct type with YAML fields reachable from
// roots.
func typesFrom(roots ...reflect.Type) []reflect.Type {
	var out []reflect.Type
	seen := map[reflect.Type]bool{}
	pkg := reflect.TypeFor[Service]().PkgPath()
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t.PkgPath() != pkg || seen[t] {
			return
		}
		seen[t] = true
		// Scalar types (Expr, Duration) have no YAML fields of their own.
		if len(FieldNames(t)) > 0 {
			out = append(out, t)
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if tag := f.Tag.Get("yaml"); tag != "" && tag != "-" {
				walk(f.Type)
			}
		}
	}
	for _, r := range roots {
		walk(r)
	}
	return out
}

var (
	headingRE = regexp.MustCompile("^#{1,6} ")
	// fieldRowRE matches a table row whose first cell is one backticked key.
	fieldRowRE = regexp.MustCompile("^\\|\\s*`([^`]+)`\\s*\\|")
)

// docSections maps a Go type name to the rows of the section whose heading
// names it in backticks. A section runs from its heading to the next heading
// of any level. count says how many headings name each type.
func docSections(doc string, names []string) (rows map[string][]string, count map[string]int) {
	rows, count = map[string][]string{}, map[string]int{}
	current := ""
	for _, line := range strings.Split(doc, "\n") {
		if headingRE.MatchString(line) {
			current = ""
			for _, n := range names {
				if strings.Contains(line, "`"+n+"`") {
					current = n
					count[n]++
				}
			}
			continue
		}
		if current == "" {
			continue
		}
		if m := fieldRowRE.FindStringSubmatch(line); m != nil {
			rows[current] = append(rows[current], m[1])
		}
	}
	return rows, count
}

// TestSpecDocCoversEveryField keeps docs/spec.md in sync with the spec
// types. Convention: each spec struct type has exactly one Markdown heading
// that contains its Go type name in backticks ("### Burn window
// (`BurnWindow`)"); in that section, before the next heading, every YAML key
// of the type is the first cell of a table row, written "| `key` |", and
// every such row names a key of the type.
func TestSpecDocCoversEveryField(t *testing.T) {
	checkDoc(t, specDoc, specTypes())
}

// TestScenarioDocCoversEveryField does the same for docs/testing.md and the
// scenario file types.
func TestScenarioDocCoversEveryField(t *testing.T) {
	types := typesFrom(reflect.TypeFor[ScenarioFile]())
	if len(types) < 8 {
		t.Fatalf("the walk found only %d scenario types", len(types))
	}
	checkDoc(t, scenarioDoc, types)
}

func checkDoc(t *testing.T, specDoc string, types []reflect.Type) {
	t.Helper()
	b, err := os.ReadFile(specDoc)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, typ := range types {
		names = append(names, typ.Name())
	}
	rows, count := docSections(string(b), names)
	for _, typ := range types {
		name := typ.Name()
		switch count[name] {
		case 0:
			t.Errorf("%s: no heading names `%s`; add a section with a field table for it", specDoc, name)
			continue
		case 1:
		default:
			t.Errorf("%s: %d headings name `%s`; expected one", specDoc, count[name], name)
		}
		documented := map[string]bool{}
		for _, k := range rows[name] {
			documented[k] = true
		}
		known := map[string]bool{}
		for _, k := range FieldNames(typ) {
			known[k] = true
			if !documented[k] {
				t.Errorf("%s: field %s.%s (yaml %q) has no row \"| `%s` |\" in the `%s` section", specDoc, name, fieldOf(typ, k), k, k, name)
			}
		}
		for _, k := range rows[name] {
			if !known[k] {
				t.Errorf("%s: the `%s` section documents %q, which is not a field of %s", specDoc, name, k, name)
			}
		}
	}
}

// fieldOf returns the Go name of the field of t with YAML key key.
func fieldOf(t reflect.Type, key string) string {
	for i := range t.NumField() {
		if t.Field(i).Tag.Get("yaml") == key {
			return t.Field(i).Name
		}
	}
	return "?"
}

// TestSpecTypesWalk guards the walk itself: if it stopped following
// pointers, slices or maps, the doc test above would pass while checking
// almost nothing.
func TestSpecTypesWalk(t *testing.T) {
	got := map[string]bool{}
	for _, typ := range specTypes() {
		got[typ.Name()] = true
	}
	// One type reached through each kind of edge: pointer, slice, map, and
	// a scalar-or-mapping shorthand.
	for _, want := range []string{"Service", "SLO", "BurnWindow", "ProjectionSignal", "Routing", "TeamRoute", "SeverityRoute", "SeverityDurations"} {
		if !got[want] {
			t.Errorf("specTypes() does not reach %s", want)
		}
	}
	for _, scalar := range []string{"Expr", "Duration", "Node"} {
		if got[scalar] {
			t.Errorf("specTypes() lists %s, which has no YAML fields", scalar)
		}
	}
}
