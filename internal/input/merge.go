package input

import (
	"bytes"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
)

// Translated is one input file read as slo/v1 documents, for Merge.
type Translated struct {
	Path   string
	Result Result
}

// Merged is one slo/v1 spec slo import writes: the documents of one or
// more inputs, named after the first of From.
type Merged struct {
	// From are the inputs the documents came from, in input order.
	From []string
	// Formats name the formats of the inputs, in order of first use.
	Formats []string
	Docs    []*yaml.Node
}

// mergedKeys are the service document's keys that Merge joins rather
// than requires to agree: the service's name, and its lists.
var mergedKeys = []string{"version", "service", "slos", "alerts"}

// Merge gathers the service documents that name one service into the
// first of them, in input order: Sloth and OpenSLO users write one file
// per SLO, several naming one service, and slo keeps a service in one
// spec (one rules/<service>.yml). The later documents' SLOs and alerts are
// appended to the first's; every other field of the service (labels,
// team, ...) must be the same in both, or it is an input/service-conflict
// error at the later document's field. An input whose documents all went
// into an earlier spec has none of its own. The documents are changed in
// place.
func Merge(in []Translated) ([]Merged, diag.List) {
	var diags diag.List
	type first struct {
		doc  *yaml.Node
		path string
		spec int // index into out
	}
	firsts := map[string]first{}
	var out []Merged
	for _, t := range in {
		m := Merged{From: []string{t.Path}, Formats: slices.Clone(t.Result.Formats)}
		for _, d := range t.Result.Docs {
			name := get(d, "service")
			if name == nil || name.Kind != yaml.ScalarNode || get(d, "version") == nil {
				m.Docs = append(m.Docs, d)
				continue
			}
			f, seen := firsts[name.Value]
			if !seen {
				firsts[name.Value] = first{doc: d, path: t.Path, spec: len(out)}
				m.Docs = append(m.Docs, d)
				continue
			}
			if !agree(&diags, t.Path, d, f.path, f.doc, name) {
				continue
			}
			for _, k := range []string{"slos", "alerts"} {
				appendList(f.doc, d, k)
			}
			if f.spec == len(out) {
				continue // an earlier document of this file
			}
			to := &out[f.spec]
			if !slices.Contains(to.From, t.Path) {
				to.From = append(to.From, t.Path)
			}
			for _, fm := range t.Result.Formats {
				if !slices.Contains(to.Formats, fm) {
					to.Formats = append(to.Formats, fm)
				}
			}
		}
		out = append(out, m)
	}
	// An input whose every document joined an earlier one's is not a spec.
	kept := out[:0]
	for _, m := range out {
		if len(m.Docs) > 0 {
			kept = append(kept, m)
		}
	}
	return kept, diags
}

// agree reports whether service document d, of the file at path, carries
// the same fields as prev, the first document of its service (of the file
// at prevPath); each field that differs is an error at d's.
func agree(diags *diag.List, path string, d *yaml.Node, prevPath string, prev, name *yaml.Node) bool {
	ok := true
	var keys []string
	for _, m := range []*yaml.Node{prev, d} {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if k := m.Content[i].Value; !slices.Contains(mergedKeys, k) && !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	for _, k := range keys {
		a, b := get(prev, k), get(d, k)
		if a != nil && b != nil && reflect.DeepEqual(value(a), value(b)) {
			continue
		}
		ok = false
		at := name
		if b != nil {
			at = b
		}
		aAt := prev
		if a != nil {
			aAt = a
		}
		prevPos := diag.Pos{File: prevPath, Line: aAt.Line, Col: aAt.Column}
		diags.Errorf(diag.Pos{File: path, Line: at.Line, Col: at.Column}, "input/service-conflict",
			"%s of service %q: %s here, %s at %s; slo import merges the documents of one service into one spec, so its %s must be the same in every one",
			k, name.Value, show(b), show(a), prevPos, k)
	}
	return ok
}

// value decodes n for comparison as package spec reads a service's
// fields (team, runbook_url and interval are strings, labels a map of
// strings): maps compare whatever their key order, and tier: 1 is
// tier: "1". A field of another shape compares as YAML reads it; one
// that does not decode is unequal to any other.
func value(n *yaml.Node) any {
	var s string
	if n.Decode(&s) == nil {
		return s
	}
	var m map[string]string
	if n.Decode(&m) == nil {
		return m
	}
	var v any
	if n.Decode(&v) == nil {
		return v
	}
	return n
}

// show writes a field's value on one line, or "not given".
func show(n *yaml.Node) string {
	if n == nil {
		return "not given"
	}
	cp := clone(n)
	flow(cp)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(cp); err != nil {
		return quote(n.Value)
	}
	_ = enc.Close()
	return strings.TrimSpace(buf.String())
}

func flow(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = yaml.FlowStyle
	}
	if n.Kind == yaml.ScalarNode && n.Style == yaml.LiteralStyle {
		n.Style = yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		flow(c)
	}
}

// appendList appends the items of list key of from to the list of to,
// which gets the key when it had none.
func appendList(to, from *yaml.Node, key string) {
	src := get(from, key)
	if src == nil || src.Kind != yaml.SequenceNode || len(src.Content) == 0 {
		return
	}
	dst := get(to, key)
	if dst == nil {
		dst = seq(src)
		set(to, key, src, dst)
	}
	if dst.Kind != yaml.SequenceNode {
		return // the decoder reports it
	}
	dst.Content = append(dst.Content, src.Content...)
}

// Encode renders the slo/v1 documents of m as slo import writes them: a
// comment naming every input (not slo's "Code generated" header: the spec
// is the user's to edit), then the documents, indented by two.
func Encode(m Merged) ([]byte, error) {
	var bases []string
	for _, p := range m.From {
		bases = append(bases, filepath.Base(p))
	}
	from := strings.Join(bases, ", ")
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Imported by slo import from %s (%s); edit it as your own.\n", from, strings.Join(m.Formats, ", "))
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	for _, d := range m.Docs {
		if err := enc.Encode(d); err != nil {
			return nil, fmt.Errorf("encoding the import of %s: %w", from, err)
		}
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
