// Package yamlschema checks a YAML tree against the Go type a library
// decodes it into, by reflection over the type's yaml tags, so that the
// unknown and mistyped fields a library's decoder refuses are found with
// the line and column of their node, and never read back from the text of
// the decoder's error (yaml.v2's TypeError holds its findings as strings).
package yamlschema

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is a node of a YAML tree that its Go type does not take.
type Problem struct {
	// Path leads from the root to the node: mapping keys as strings,
	// list indexes as ints.
	Path []any
	// Node is the refused node: the key of an unknown field, else the
	// value.
	Node *yaml.Node
	// AtKey says Node is the key of the last step of Path (an unknown
	// field), not its value.
	AtKey bool
	// Message says what is wrong in yaml.v2's words ("field x not found
	// in type config.Receiver", "cannot unmarshal !!map into []string");
	// empty for a node found by Refused, whose decoder's error says why.
	Message string
}

// Checker walks trees for one library's decoder. The zero value is not
// usable: Decode is required.
type Checker struct {
	// Decode decodes n alone into a new value of t, exactly as the
	// library decodes a whole file (strict fields, its own yaml.v2
	// module).
	Decode func(n *yaml.Node, t reflect.Type) error
	// IsTypeError reports whether err is the decoder's type error (a
	// value of the wrong kind), rather than one of a type's own checks.
	IsTypeError func(err error) bool
	// TypeName names t in messages; nil means t.String().
	TypeName func(t reflect.Type) string
}

// StrictDecode returns a Checker's Decode for a library that decodes with
// unmarshalStrict, its yaml.v2 module's UnmarshalStrict: n is written out
// with yaml.v3 and read back into a new value of t.
func StrictDecode(unmarshalStrict func([]byte, any) error) func(n *yaml.Node, t reflect.Type) error {
	return func(n *yaml.Node, t reflect.Type) error {
		b, err := yaml.Marshal(n)
		if err != nil {
			return err
		}
		return unmarshalStrict(b, reflect.New(t).Interface())
	}
}

// Fields returns, in document order, every key of root that names no field
// of the struct it belongs to and every node whose kind its Go type cannot
// take, t being the type root decodes into.
//
// Types with their own UnmarshalYAML are read the way Alertmanager's and
// Prometheus's config types are written: a struct with yaml tags decoded
// from a mapping takes its own fields (they unmarshal into a plain alias
// of the struct); anything else the type decodes itself, and its kind is
// wrong when Decode fails with a type error.
func (c Checker) Fields(root *yaml.Node, t reflect.Type) []Problem {
	var out []Problem
	if root != nil {
		c.fields(root, t, nil, &out)
	}
	return out
}

// Refused returns the deepest node below root, with its path, that Decode
// refuses on its own, t being the type root decodes into; ok is false when
// root itself decodes. An empty path means only root as a whole is refused
// (a check across its parts).
func (c Checker) Refused(root *yaml.Node, t reflect.Type) (path []any, n *yaml.Node, ok bool) {
	if root == nil || c.Decode(root, t) == nil {
		return nil, nil, false
	}
	path, n = c.refused(root, t, nil)
	return path, n, true
}

func (c Checker) refused(n *yaml.Node, t reflect.Type, path []any) ([]any, *yaml.Node) {
	for _, k := range children(deref(n), t).kids {
		p := append(path[:len(path):len(path)], k.step)
		if c.Decode(k.node, k.typ) != nil {
			return c.refused(k.node, k.typ, p)
		}
	}
	return path, n
}

func (c Checker) fields(n *yaml.Node, t reflect.Type, path []any, out *[]Problem) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	ch := children(n, t)
	switch {
	case !ch.ok:
		*out = append(*out, Problem{Path: path, Node: n, Message: c.kindMismatch(n, t)})
		return
	case ch.leaf:
		if c.IsTypeError != nil && c.IsTypeError(c.Decode(n, t)) {
			*out = append(*out, Problem{Path: path, Node: n, Message: c.kindMismatch(n, t)})
		}
		return
	}
	u := 0
	unknown := func(k *yaml.Node) {
		*out = append(*out, Problem{
			Path:    append(path[:len(path):len(path)], k.Value),
			Node:    k,
			AtKey:   true,
			Message: fmt.Sprintf("field %s not found in type %s", k.Value, c.name(t)),
		})
	}
	for _, k := range ch.kids {
		for ; u < len(ch.unknown) && k.key != nil && before(ch.unknown[u], k.key); u++ {
			unknown(ch.unknown[u])
		}
		c.fields(k.node, k.typ, append(path[:len(path):len(path)], k.step), out)
	}
	for ; u < len(ch.unknown); u++ {
		unknown(ch.unknown[u])
	}
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func before(a, b *yaml.Node) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column
}

// kindMismatch says that n cannot be decoded into t, as yaml.v2 says it.
func (c Checker) kindMismatch(n *yaml.Node, t reflect.Type) string {
	tag, value := n.ShortTag(), ""
	switch n.Kind {
	case yaml.MappingNode:
		tag = "!!map"
	case yaml.SequenceNode:
		tag = "!!seq"
	default:
		v := n.Value
		if len(v) > 10 {
			v = v[:7] + "..."
		}
		value = " `" + v + "`"
	}
	return fmt.Sprintf("cannot unmarshal %s%s into %s", tag, value, c.name(t))
}

func (c Checker) name(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if c.TypeName != nil {
		return c.TypeName(t)
	}
	return t.String()
}

// v2Unmarshaler is yaml.v2's Unmarshaler: the method's signature is the
// interface, whichever yaml.v2 module a type was written for.
type v2Unmarshaler interface {
	UnmarshalYAML(unmarshal func(any) error) error
}

var (
	v2UnmarshalerType   = reflect.TypeFor[v2Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func implements(t, iface reflect.Type) bool {
	return t.Implements(iface) || reflect.PointerTo(t).Implements(iface)
}

// kid is a node below another with the Go type it decodes into.
type kid struct {
	key  *yaml.Node // the mapping key; nil for a list item
	node *yaml.Node
	typ  reflect.Type
	step any
}

type split struct {
	kids    []kid
	unknown []*yaml.Node // keys that no field of a struct takes
	ok      bool         // n has a kind t can take
	leaf    bool         // t's own code decodes n
}

// children splits n by the Go type t it decodes into.
func children(n *yaml.Node, t reflect.Type) split {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case implements(t, v2UnmarshalerType) && !(t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode && tagged(t)):
		return split{ok: true, leaf: true}
	case implements(t, textUnmarshalerType) && n.Kind == yaml.ScalarNode:
		return split{ok: true, leaf: true}
	}
	var s split
	switch t.Kind() {
	case reflect.Interface:
		return split{ok: true, leaf: true}
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return s
		}
		fields := map[string]reflect.Type{}
		yamlFields(t, fields)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if ft, found := fields[k.Value]; found {
				s.kids = append(s.kids, kid{key: k, node: n.Content[i+1], typ: ft, step: k.Value})
			} else if k.Tag != "!!merge" {
				s.unknown = append(s.unknown, k)
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return s
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			s.kids = append(s.kids, kid{key: n.Content[i], node: n.Content[i+1], typ: t.Elem(), step: n.Content[i].Value})
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return s
		}
		for i, c := range n.Content {
			s.kids = append(s.kids, kid{node: c, typ: t.Elem(), step: i})
		}
	default:
		return split{ok: n.Kind == yaml.ScalarNode, leaf: true}
	}
	s.ok = true
	return s
}

// tagged reports whether a field of struct t has a yaml tag: a type with
// its own UnmarshalYAML is read by its fields only then (Alertmanager's
// timeinterval.TimeRange, untagged, decodes start_time and end_time into
// minutes of its own).
func tagged(t reflect.Type) bool {
	for i := range t.NumField() {
		if _, ok := t.Field(i).Tag.Lookup("yaml"); ok {
			return true
		}
	}
	return false
}

// yamlFields adds the fields of struct t to fields by the names yaml.v2
// gives them: the tag's name, else the field's name in lower case; the
// fields of an inline struct are t's own.
func yamlFields(t reflect.Type, fields map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(","+opts+",", ",inline,") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				yamlFields(ft, fields)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f.Type
	}
}
