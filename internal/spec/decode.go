package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
)

// Parse decodes the spec documents in src, read from path. It returns every
// problem it finds, not only the first; File is nil only when src is not
// YAML at all.
func Parse(path string, src []byte) (*File, diag.List) {
	roots, d := Documents(path, src)
	if d != nil {
		return nil, diag.List{*d}
	}
	return ParseDocuments(path, src, roots)
}

// Documents returns the root nodes of the non-empty YAML documents of src,
// read from path, or the first YAML syntax error at its position.
func Documents(path string, src []byte) ([]*yaml.Node, *diag.Diagnostic) {
	var roots []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return roots, nil
		}
		if err != nil {
			d := YAMLError(path, src, dec, err)
			return nil, &d
		}
		if len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
			continue
		}
		roots = append(roots, doc.Content[0])
	}
}

// ParseDocuments decodes slo/v1 documents given as YAML nodes: the roots of
// the documents of src, or documents that a loader of another format
// (package input) built from src with the positions of what they were made
// from, so that every diagnostic names the line and column the user wrote.
func ParseDocuments(path string, src []byte, roots []*yaml.Node) (*File, diag.List) {
	var diags diag.List
	d := &decoder{file: path, lines: splitLines(src), diags: &diags}
	f := &File{Path: path}
	for _, root := range roots {
		if root.Kind != yaml.MappingNode {
			d.typeError(root, "document", "a mapping with version: "+Version)
			continue
		}
		if mappingHas(root, "routing") || isRoutingTypo(root) {
			r := &Routing{}
			r.Pos = d.pos(root)
			d.decodeStruct(root, r, "")
			d.checkVersion(r.Version, &r.Node)
			f.Routings = append(f.Routings, r)
			continue
		}
		s := &Service{}
		s.Pos = d.pos(root)
		d.decodeStruct(root, s, "")
		d.checkVersion(s.Version, &s.Node)
		f.Services = append(f.Services, s)
	}
	return f, diags
}

// OffsetPos returns the line and column in src of byte offset off of the
// value of scalar n, for plain, quoted and block scalars alike (see Expr).
// A loader that cuts an expression out of a longer one uses it to keep
// the piece's position.
func OffsetPos(src []byte, n *yaml.Node, off int) (line, col int) {
	return NewSource(src).OffsetPos(n, off)
}

// Source is a file split into lines once, for placing offsets into many
// of its scalars (a translator's, package input's): OffsetPos of each
// would split the whole file again.
type Source struct{ d decoder }

// NewSource splits src into lines as the decoder does.
func NewSource(src []byte) *Source { return &Source{d: decoder{lines: splitLines(src)}} }

// OffsetPos is OffsetPos of the source's file.
func (s *Source) OffsetPos(n *yaml.Node, off int) (line, col int) {
	e := &Expr{Text: n.Value, segs: s.d.segments(n)}
	e.Pos = diag.Pos{Line: n.Line, Col: n.Column}
	p := e.PosAt(off)
	return p.Line, p.Col
}

// splitLines splits src into lines without their line breaks (\n or
// \r\n), as yaml.v3 reads them.
func splitLines(src []byte) []string {
	lines := strings.Split(string(bytes.TrimPrefix(src, utf8BOM)), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

func (d *decoder) checkVersion(v string, n *Node) {
	switch {
	case !n.Has("version"):
		d.diags.Errorf(n.Pos, "spec/version", "version: missing; expected %q", Version)
	case n.Invalid("version"): // the decoder reported it
	case v != Version:
		d.diags.Errorf(n.At("version"), "spec/version", "version: expected %q, got %q", Version, v)
	}
}

// isRoutingTypo reports whether mapping n, which has no routing key, is a
// routing document whose routing key is misspelt (routng:): it has no
// service, and a key that is a typo of routing. Decoded as a routing
// document, the misspelt key is its one diagnostic, not a service's
// missing fields.
func isRoutingTypo(n *yaml.Node) bool {
	if mappingHas(n, "service") {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; k != "version" && closest(k, []string{"routing"}) != "" {
			return true
		}
	}
	return false
}

func mappingHas(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

type decoder struct {
	file  string
	lines []string
	diags *diag.List
}

// customDecoder is implemented by spec types that are not plain mappings of
// their fields (scalars, or scalar-or-mapping shorthands).
type customDecoder interface {
	decodeYAML(d *decoder, n *yaml.Node, what string)
}

func (d *decoder) pos(n *yaml.Node) diag.Pos {
	return diag.Pos{File: d.file, Line: n.Line, Col: n.Column}
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "null"
		case "!!str":
			return strconv.Quote(n.Value)
		}
		return n.Value
	}
	return "an unsupported value"
}

func (d *decoder) typeError(n *yaml.Node, what, want string) {
	d.diags.Errorf(d.pos(n), "spec/type", "%s: expected %s, got %s%s", what, want, describe(n), quotedNumber(n, want))
}

// quotedNumber hints that a number in quotes is a string, when a number
// was expected.
func quotedNumber(n *yaml.Node, want string) string {
	v := strings.TrimSpace(n.Value)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" || !strings.Contains(want, "number") || strings.ContainsAny(v, "iInNxX") {
		return ""
	}
	if _, err := strconv.ParseFloat(v, 64); err != nil {
		return ""
	}
	return fmt.Sprintf("; quotes make it a string: write %s without them", v)
}

func join(what, field string) string {
	if what == "" {
		return field
	}
	return what + "." + field
}

var nodeType = reflect.TypeFor[Node]()

// decodeStruct decodes mapping n into the struct that v points to. It
// reports false, after a spec/type error, when n is not a mapping.
func (d *decoder) decodeStruct(n *yaml.Node, v hasNode, what string) bool {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		name := what
		if name == "" {
			name = "document"
		}
		d.typeError(n, name, want(reflect.TypeOf(v).Elem()))
		return false
	}
	nd := v.node()
	nd.Pos = d.pos(n)
	rv := reflect.ValueOf(v).Elem()
	fields := fieldsOf(rv.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], resolve(n.Content[i+1])
		name := k.Value
		path := join(what, name)
		idx, ok := fields[name]
		if !ok {
			// A typo of a field not written under its own name counts as
			// that field written with a bad value: the did-you-mean is the
			// one diagnostic, and checks that the field is given (which
			// skip invalid fields) say nothing more.
			if i >= 2 && commaInValue(n, i) {
				pk, pv := n.Content[i-2], n.Content[i-1]
				d.diags.Errorf(d.pos(k), "spec/unknown-field", "unknown field %q in %s: in a {...} mapping a comma ends the value before it; if it belongs to the value of %s, quote the value: %s: %q", name, whereOf(what), pk.Value, pk.Value, pv.Value+", "+name)
				continue
			}
			if best := d.unknownField(k, what, name, fields); best != "" && !nd.Has(best) {
				nd.setField(best, d.pos(k), d.pos(val))
				nd.setInvalid(best)
			}
			continue
		}
		if seen[name] {
			d.diags.Errorf(d.pos(k), "spec/duplicate-field", "%s: field given twice", path)
			continue
		}
		seen[name] = true
		nd.setField(name, d.pos(k), d.pos(val))
		f := rv.Field(idx)
		if f.Kind() == reflect.Map && val.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(val.Content); j += 2 {
				nd.setField(name+"."+val.Content[j].Value, d.pos(val.Content[j]), d.pos(resolve(val.Content[j+1])))
			}
		}
		if !d.decodeValue(val, f, path) {
			nd.setInvalid(name)
		}
	}
	return true
}

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// fieldsOf maps YAML keys to field indexes of struct type t. The map is
// shared: callers only read it.
func fieldsOf(t reflect.Type) map[string]int {
	if m, ok := fieldsByType.Load(t); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if f.Type == nodeType || tag == "-" || tag == "" {
			continue
		}
		m[tag] = i
	}
	fieldsByType.Store(t, m)
	return m
}

// fieldsByType caches fieldsOf: a spec of 40,000 alerts decodes hundreds
// of thousands of structs of a dozen types.
var fieldsByType sync.Map // reflect.Type → map[string]int

// FieldNames returns the YAML keys of spec struct type t, in declaration
// order; the reference doc test uses it.
func FieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("yaml")
		if tag != "" && tag != "-" {
			names = append(names, tag)
		}
	}
	return names
}

func whereOf(what string) string {
	if what == "" {
		return "the document"
	}
	return what
}

// commaInValue reports whether key i of mapping n looks like the rest of
// the value before it, cut at a comma: n is a flow mapping ({...}), key i
// has no value of its own, and the value before it is a plain string
// (title: Cost this month, projected).
func commaInValue(n *yaml.Node, i int) bool {
	k, v, pv := n.Content[i], n.Content[i+1], n.Content[i-1]
	return n.Style&yaml.FlowStyle != 0 && k.Kind == yaml.ScalarNode && k.Style == 0 &&
		v.Kind == yaml.ScalarNode && v.Tag == "!!null" && v.Value == "" &&
		pv.Kind == yaml.ScalarNode && pv.Style == 0 && pv.Tag == "!!str"
}

// unknownField reports key k, which names no field, and returns the field
// it suggests instead, or "".
func (d *decoder) unknownField(k *yaml.Node, what, name string, fields map[string]int) string {
	known := make([]string, 0, len(fields))
	for f := range fields {
		known = append(known, f)
	}
	slices.Sort(known)
	msg := fmt.Sprintf("unknown field %q in %s", name, whereOf(what))
	best := closest(name, known)
	if best != "" {
		msg += fmt.Sprintf("; did you mean %q?", best)
	} else {
		msg += fmt.Sprintf("; expected one of %s", strings.Join(known, ", "))
	}
	d.diags.Errorf(d.pos(k), "spec/unknown-field", "%s", msg)
	return best
}

// closest returns the candidate nearest to s by edit distance, when it is
// near enough to be a typo.
func closest(s string, candidates []string) string {
	best, bestDist := "", len(s)/3+2
	for _, c := range candidates {
		if dist := levenshtein(s, c); dist < bestDist {
			best, bestDist = c, dist
		}
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// refused reports whether a diagnostic after the first before says that
// value n itself has the wrong type or form; problems inside n (a bad field
// of a mapping form, a bad item of a list) do not refuse it.
func (d *decoder) refused(n *yaml.Node, before int) bool {
	at := d.pos(n)
	for _, dg := range (*d.diags)[before:] {
		if dg.Pos == at && (dg.Code == "spec/type" || dg.Code == "spec/duration") {
			return true
		}
	}
	return false
}

// nouns name what a mapping of each spec type is, for type errors:
// "expected a mapping (an alert), got null".
var nouns = map[reflect.Type]string{
	reflect.TypeFor[Service]():          "a service",
	reflect.TypeFor[SLO]():              "an SLO",
	reflect.TypeFor[SLI]():              "an SLI",
	reflect.TypeFor[Ratio]():            "a ratio",
	reflect.TypeFor[SLOAlerting]():      "an SLO's alerting",
	reflect.TypeFor[BurnAlert]():        "a burn-rate alert",
	reflect.TypeFor[BurnWindow]():       "a window pair",
	reflect.TypeFor[Alert]():            "an alert",
	reflect.TypeFor[Inhibits]():         "the alerts it inhibits",
	reflect.TypeFor[Thresholds]():       "a threshold per severity",
	reflect.TypeFor[Panel]():            "a panel",
	reflect.TypeFor[Signal]():           "a signal",
	reflect.TypeFor[QuantileSignal]():   "a quantile signal",
	reflect.TypeFor[Latency]():          "a latency",
	reflect.TypeFor[UptimeSignal]():     "an uptime signal",
	reflect.TypeFor[StatusSignal]():     "a status signal",
	reflect.TypeFor[IncreaseSignal]():   "an increase signal",
	reflect.TypeFor[ChangeSignal]():     "a change signal",
	reflect.TypeFor[BaselineSignal]():   "a baseline signal",
	reflect.TypeFor[ProjectionSignal](): "a projection signal",
	reflect.TypeFor[Routing]():          "a routing document",
	reflect.TypeFor[RoutingSpec]():      "a routing",
	reflect.TypeFor[TeamRoute]():        "a team route",
	reflect.TypeFor[ScenarioFile]():     "a scenario file",
	reflect.TypeFor[ScenarioTest]():     "a test group",
	reflect.TypeFor[InputSeries]():      "an input series",
	reflect.TypeFor[AlertRuleTest]():    "an alert rule test",
	reflect.TypeFor[ExpAlert]():         "an expected alert",
	reflect.TypeFor[AlertRangeTest]():   "an alert range test",
	reflect.TypeFor[TimeRange]():        "a time range",
	reflect.TypeFor[FiresWithin]():      "fires_within",
	reflect.TypeFor[PromQLExprTest]():   "a PromQL expression test",
	reflect.TypeFor[ExpSample]():        "an expected sample",
}

// want says what a mapping of struct type t is expected to be.
func want(t reflect.Type) string {
	if noun, ok := nouns[t]; ok {
		return "a mapping (" + noun + ")"
	}
	return "a mapping"
}

// decodeValue decodes n into v and reports whether it did. It reports false,
// after a positioned error, when n is null or the wrong kind of value (v
// keeps its zero value: a pointer stays nil), and when an item of a list or
// an entry of a mapping did not decode (the item is left out, so that no
// list of pointers holds a nil). A struct with a bad field still decodes;
// decodeStruct marks the field invalid (Node.Invalid).
func (d *decoder) decodeValue(n *yaml.Node, v reflect.Value, what string) bool {
	n = resolve(n)
	if v.Kind() == reflect.Pointer {
		p := reflect.New(v.Type().Elem())
		if hn, ok := p.Interface().(hasNode); ok {
			hn.node().Pos = d.pos(n)
		}
		if !d.decodeValue(n, p.Elem(), what) {
			// Null, or a value that did not decode, stays unset, so
			// validation does not report its zero value a second time.
			return false
		}
		v.Set(p)
		return true
	}
	if v.CanAddr() {
		if cd, ok := v.Addr().Interface().(customDecoder); ok {
			before := len(*d.diags)
			cd.decodeYAML(d, n, what)
			return !d.refused(n, before)
		}
		if hn, ok := v.Addr().Interface().(hasNode); ok {
			return d.decodeStruct(n, hn, what)
		}
	}
	switch v.Kind() {
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			d.typeError(n, what, "a string")
			return false
		}
		v.SetString(n.Value)
	case reflect.Float64:
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
			d.typeError(n, what, "a number")
			return false
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil {
			d.typeError(n, what, "a number")
			return false
		}
		v.SetFloat(f)
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			d.typeError(n, what, "a whole number")
			return false
		}
		i, err := strconv.ParseInt(n.Value, 0, 64)
		if err != nil {
			d.typeError(n, what, "a whole number")
			return false
		}
		v.SetInt(i)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.typeError(n, what, "true or false")
			return false
		}
		v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.typeError(n, what, "a list")
			return false
		}
		ok := true
		s := reflect.MakeSlice(v.Type(), 0, len(n.Content))
		for i, e := range n.Content {
			item := reflect.New(v.Type().Elem()).Elem()
			if !d.decodeValue(e, item, fmt.Sprintf("%s[%d]", what, i)) {
				ok = false
				continue
			}
			s = reflect.Append(s, item)
		}
		v.Set(s)
		return ok
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.typeError(n, what, "a mapping")
			return false
		}
		ok := true
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				d.typeError(k, what, "a mapping with string keys")
				ok = false
				continue
			}
			if m.MapIndex(reflect.ValueOf(k.Value)).IsValid() {
				d.diags.Errorf(d.pos(k), "spec/duplicate-field", "%s: key %q given twice", what, k.Value)
				continue
			}
			e := reflect.New(v.Type().Elem()).Elem()
			if !d.decodeValue(n.Content[i+1], e, join(what, k.Value)) {
				ok = false
				continue
			}
			m.SetMapIndex(reflect.ValueOf(k.Value), e)
		}
		v.Set(m)
		return ok
	default:
		panic(fmt.Sprintf("spec: no decoder for %s", v.Type()))
	}
	return true
}
