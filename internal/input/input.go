// Package input reads SLOs written for other tools (Sloth, OpenSLO, Pyrra)
// beside slo's own specs. Each format is one loader, a file of this package
// registered in registry.go: it recognises its documents by apiVersion and
// kind (or Sloth's version) and translates them into slo/v1 documents, as
// YAML nodes that carry the line and column of what each was made from.
// Package spec then decodes those as it decodes slo's own files, so a
// mistake in a Sloth file is reported at its own file:line:col, and
// validate, model and compile run unchanged. The same nodes, encoded, are
// what `slo import` writes.
//
// Load (load.go) is where every command starts: it finds the spec files
// under the paths given, reads each in whichever format it is written and
// validates them as one project.
package input

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/spec"
)

// Format is one input format: one loader.
type Format struct {
	// Name is how diagnostics and slo import name the format ("Sloth").
	Name string
	// Documents says which documents the loader reads, for the diagnostic
	// of a document no loader reads.
	Documents string
	// Reads reports whether the loader reads a document with header h.
	Reads func(h Header) bool
	// LooksLike reports whether a document no loader reads resembles this
	// format (a Sloth spec with a version slo does not know, or none), so
	// that it gets one hint instead of slo/v1's errors.
	LooksLike func(h Header) bool
	// Load translates the format's documents of one file, in file order,
	// into slo/v1 service documents. A document may refer to another of
	// the same file (OpenSLO's SLO to its SLI), so Load sees them all.
	Load func(c *Ctx, docs []*yaml.Node) []*yaml.Node
}

// Header is what picks the loader of a document.
type Header struct {
	APIVersion, Kind string
	// Version is the top-level version key (slo/v1, Sloth's prometheus/v1).
	Version string
	// Root is the document's root mapping.
	Root *yaml.Node
}

func header(root *yaml.Node) Header {
	h := Header{Root: root}
	if root.Kind != yaml.MappingNode {
		return h
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		v := root.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			continue
		}
		switch root.Content[i].Value {
		case "apiVersion":
			h.APIVersion = v.Value
		case "kind":
			h.Kind = v.Value
		case "version":
			h.Version = v.Value
		}
	}
	return h
}

// has reports whether mapping n has key.
func (h Header) has(key string) bool { return get(h.Root, key) != nil }

// Result is a file read as slo/v1 documents.
type Result struct {
	// Docs are the slo/v1 documents, in file order.
	Docs []*yaml.Node
	// Formats name the formats other than slo/v1 the file was written in,
	// in order of first use; empty for a plain slo/v1 file.
	Formats []string
}

// Translate reads the documents of src, the file at path, and turns every
// document of another format into slo/v1 documents. Documents of slo's own
// format are kept as they are. A YAML syntax error is the only diagnostic
// that leaves Result empty.
func Translate(path string, src []byte) (Result, diag.List) {
	var diags diag.List
	docs, d := spec.Documents(path, src)
	if d != nil {
		return Result{}, diag.List{*d}
	}
	var roots []*yaml.Node
	for _, root := range docs {
		if root.Kind == yaml.SequenceNode && len(root.Content) > 0 && get(root.Content[0], "apiVersion") != nil {
			// A list of objects, as OpenSLO's tools also read.
			roots = append(roots, root.Content...)
			continue
		}
		roots = append(roots, root)
	}
	c := &Ctx{Path: path, src: src, diags: &diags}
	var res Result
	// Each format's documents are loaded together, where its first one
	// stands; slo's own documents stay where they are.
	type slot struct {
		f    *Format
		docs []*yaml.Node
		root *yaml.Node
	}
	var slots []*slot
	byFormat := map[*Format]*slot{}
	for _, root := range roots {
		h := header(root)
		f := reader(h)
		if f == nil {
			if !c.foreign(h) {
				slots = append(slots, &slot{root: root})
			}
			continue
		}
		s := byFormat[f]
		if s == nil {
			s = &slot{f: f}
			byFormat[f] = s
			slots = append(slots, s)
			res.Formats = append(res.Formats, f.Name)
		}
		s.docs = append(s.docs, root)
	}
	for _, s := range slots {
		if s.f == nil {
			res.Docs = append(res.Docs, s.root)
			continue
		}
		res.Docs = append(res.Docs, s.f.Load(c, s.docs)...)
	}
	return res, diags
}

// Parse decodes src as package spec does, with the documents of other
// formats translated first (see Translate), and names the formats other
// than slo/v1 the file was written in (see Result.Formats).
func Parse(path string, src []byte) (*spec.File, []string, diag.List) {
	res, diags := Translate(path, src)
	if len(diags) == 1 && diags[0].Code == "spec/yaml" {
		return nil, nil, diags // not YAML: no file, as spec.Parse
	}
	f, ds := spec.ParseDocuments(path, src, res.Docs)
	if f != nil && diags.HasErrors() {
		// A translation error left out what it could not translate (an
		// SLO whose query does not parse, say): a service left without
		// SLOs is not one written without any (spec/empty).
		for _, s := range f.Services {
			if len(s.SLOs) == 0 {
				s.Refused("slos")
			}
		}
	}
	return f, res.Formats, append(diags, ds...)
}

func reader(h Header) *Format {
	for _, f := range formats {
		if f.Reads(h) {
			return f
		}
	}
	return nil
}

// foreign reports, with one diagnostic, a document that is no format slo
// reads but declares another one (an apiVersion or kind) or looks like
// one; it reports false for a document to decode as slo/v1.
func (c *Ctx) foreign(h Header) bool {
	if h.Version == spec.Version && h.APIVersion == "" {
		return false
	}
	var like *Format
	for _, f := range formats {
		if f.LooksLike != nil && f.LooksLike(h) {
			like = f
			break
		}
	}
	at := h.Root
	switch {
	case h.has("apiVersion") || h.has("kind"):
		if n := get(h.Root, "apiVersion"); n != nil {
			at = n
		}
		msg := "apiVersion " + quote(h.APIVersion) + ", kind " + quote(h.Kind) + ": not a format slo reads"
		if like != nil {
			msg += "; this looks like " + article(like.Name) + " spec, of a version or kind slo does not read"
		}
		c.errorf(at, "input/format", "%s; slo reads %s", msg, readable())
		return true
	case like != nil:
		if n := get(h.Root, "version"); n != nil {
			at = n
		}
		c.errorf(at, "input/format", "this looks like %s spec, but its version is %s; slo reads %s", article(like.Name), quoteOrMissing(h), readable())
		return true
	}
	return false
}

func quoteOrMissing(h Header) string {
	if !h.has("version") {
		return "missing"
	}
	return quote(h.Version)
}

// readable lists what slo reads, for the foreign-document hint.
func readable() string {
	out := "version: " + spec.Version
	for _, f := range formats {
		out += ", " + f.Documents
	}
	return out
}

// article puts "a" or "an" before a format's name.
func article(name string) string {
	if strings.ContainsAny(name[:1], "AEIOU") {
		return "an " + name
	}
	return "a " + name
}
