package input

import (
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/spec"
)

// Ctx is what a loader works with: the file, its diagnostics, and builders
// of slo/v1 nodes that keep the position of the node they stand for.
type Ctx struct {
	Path  string
	src   []byte
	diags *diag.List
	// lines is src split into lines, made on first use (see source).
	lines *spec.Source
}

// source returns the file's lines, split once however many offsets are
// placed into it.
func (c *Ctx) source() *spec.Source {
	if c.lines == nil {
		c.lines = spec.NewSource(c.src)
	}
	return c.lines
}

func (c *Ctx) pos(n *yaml.Node) diag.Pos {
	return diag.Pos{File: c.Path, Line: n.Line, Col: n.Column}
}

func (c *Ctx) errorf(at *yaml.Node, code, format string, args ...any) {
	c.diags.Errorf(c.pos(at), code, format, args...)
}

// errorAt is an error at byte offset off of scalar n's value.
func (c *Ctx) errorAt(n *yaml.Node, off int, code, format string, args ...any) {
	line, col := c.source().OffsetPos(n, off)
	c.diags.Errorf(diag.Pos{File: c.Path, Line: line, Col: col}, code, format, args...)
}

func (c *Ctx) warnf(at *yaml.Node, code, format string, args ...any) {
	c.diags.Warnf(c.pos(at), code, format, args...)
}

// unmapped warns that a field has no slo/v1 equivalent and is left out.
func (c *Ctx) unmapped(key *yaml.Node, what, why string) {
	c.warnf(key, "input/unmapped", "%s: not imported: %s", what, why)
}

// unsupported is an error: the document cannot be read without it.
func (c *Ctx) unsupported(at *yaml.Node, what, why string) {
	c.errorf(at, "input/unsupported", "%s: %s", what, why)
}

func quote(s string) string { return strconv.Quote(s) }

// get returns the value of key in mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return resolve(n.Content[i+1])
		}
	}
	return nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// field is a key of a source mapping and its value.
type field struct{ key, val *yaml.Node }

// fields reads mapping n of a source document: every key it has, after
// reporting keys outside known (spec/unknown-field, with a "did you mean")
// and keys given twice. It returns nil, after a spec/type error, when n is
// not a mapping.
func (c *Ctx) fields(n *yaml.Node, what string, known ...string) map[string]field {
	n = resolve(n)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "spec/type", "%s: expected a mapping, got %s", what, describe(n))
		return nil
	}
	out := map[string]field{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		name := k.Value
		if !slices.Contains(known, name) {
			msg := "unknown field " + quote(name) + " in " + what
			if best := spec.Closest(name, known); best != "" {
				msg += "; did you mean " + quote(best) + "?"
			} else {
				sorted := slices.Sorted(slices.Values(known))
				msg += "; expected one of " + strings.Join(sorted, ", ")
			}
			c.errorf(k, "spec/unknown-field", "%s", msg)
			continue
		}
		if _, dup := out[name]; dup {
			c.errorf(k, "spec/duplicate-field", "%s.%s: field given twice", what, name)
			continue
		}
		out[name] = field{k, v}
	}
	return out
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if n.Tag == "!!null" {
		return "null"
	}
	return quote(n.Value)
}

// scalar returns the string value of f, or "" after a spec/type error when
// it is no scalar.
func (c *Ctx) scalar(f field, what string) (string, bool) {
	if f.val == nil {
		return "", false
	}
	if f.val.Kind != yaml.ScalarNode || f.val.Tag == "!!null" {
		c.errorf(f.val, "spec/type", "%s: expected a string, got %s", what, describe(f.val))
		return "", false
	}
	return f.val.Value, true
}

// out builds slo/v1 nodes.

// mapping is an empty slo/v1 mapping standing where at stands.
func mapping(at *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: at.Line, Column: at.Column}
}

// str is a string scalar standing where at stands.
func str(v string, at *yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Line: at.Line, Column: at.Column}
	if strings.Contains(v, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

// scalarOf is a scalar with tag (!!int, !!float, !!bool) standing where at
// stands.
func scalarOf(tag, v string, at *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v, Line: at.Line, Column: at.Column}
}

// clone copies a source node for the output, without its comments (they
// describe the source, not the slo/v1 document).
func clone(n *yaml.Node) *yaml.Node {
	n = resolve(n)
	cp := *n
	cp.HeadComment, cp.LineComment, cp.FootComment = "", "", ""
	cp.Anchor = ""
	cp.Content = nil
	for _, ch := range n.Content {
		cp.Content = append(cp.Content, clone(ch))
	}
	return &cp
}

// set appends key: val to slo/v1 mapping m, the key standing where keyAt
// stands (or m, when nil).
func set(m *yaml.Node, key string, keyAt, val *yaml.Node) {
	if keyAt == nil {
		keyAt = m
	}
	m.Content = append(m.Content, str(key, keyAt), val)
}

// seq is an empty slo/v1 list standing where at stands.
func seq(at *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: at.Line, Column: at.Column}
}

// cut is the piece [off, off+len(v)) of scalar n as a scalar of its own,
// at the line and column where the piece stands in the file.
func (c *Ctx) cut(n *yaml.Node, off int, v string) *yaml.Node {
	line, col := c.source().OffsetPos(n, off)
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Line: line, Column: col}
}

// number is a number scalar standing where at stands, tagged as YAML
// reads it back (90 is an !!int, 99.9 a !!float).
func number(v string, at *yaml.Node) *yaml.Node {
	tag := "!!float"
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		tag = "!!int"
	}
	return scalarOf(tag, v, at)
}
