// Package spec decodes slo spec files (YAML, version slo/v1) into Go types
// that remember where every field stands in the file, so that later steps can
// report problems at the exact line and column. It knows YAML and nothing of
// Prometheus: meaning is given to the fields by package model.
package spec

import (
	"github.com/slo-compiler/slo/internal/diag"
)

// Node records where a mapping and each of its fields stand in the file. It
// is embedded in every spec type. The zero Node has no positions; At then
// returns the zero Pos.
type Node struct {
	// Pos is where the mapping (or the scalar, for types decoded from one)
	// starts.
	Pos    diag.Pos
	fields map[string]fieldPos
}

type fieldPos struct {
	key, value diag.Pos
	// invalid is set when the value did not decode (see Invalid).
	invalid bool
}

// At returns the position of the value of field name (a YAML key, or
// "key.sub" for an entry of a map field), or the node's own position when the
// field is absent.
func (n *Node) At(name string) diag.Pos {
	if f, ok := n.fields[name]; ok {
		return f.value
	}
	return n.Pos
}

// KeyAt returns the position of the key of field name, or the node's own
// position when the field is absent.
func (n *Node) KeyAt(name string) diag.Pos {
	if f, ok := n.fields[name]; ok {
		return f.key
	}
	return n.Pos
}

// Has reports whether field name was written in the file.
func (n *Node) Has(name string) bool {
	_, ok := n.fields[name]
	return ok
}

// Invalid reports whether field name was written but its value, or an item
// of it, did not decode: null, or the wrong kind of value. The decoder has
// reported it at the value; the field holds its zero value (a nil pointer)
// or, for a list or map, the items that did decode. Checks that a field is
// given skip invalid fields, so that one mistake is one diagnostic.
func (n *Node) Invalid(name string) bool { return n.fields[name].invalid }

// Refused marks field name as Invalid for a reader that translated the
// document from another format (package input) and reported, at the
// source, a value it could not translate and left out: the field counts
// as written, so checks that it is given stay silent. Where the field is
// absent, its position is the node's.
func (n *Node) Refused(name string) {
	if _, ok := n.fields[name]; !ok {
		n.setField(name, n.Pos, n.Pos)
	}
	n.setInvalid(name)
}

func (n *Node) setInvalid(name string) {
	if f, ok := n.fields[name]; ok {
		f.invalid = true
		n.fields[name] = f
	}
}

func (n *Node) node() *Node { return n }

func (n *Node) setField(name string, key, value diag.Pos) {
	if n.fields == nil {
		n.fields = map[string]fieldPos{}
	}
	n.fields[name] = fieldPos{key: key, value: value}
}

type hasNode interface{ node() *Node }
