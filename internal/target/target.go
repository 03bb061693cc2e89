// Package target holds slo's output targets: each is one unit, chosen by
// name, that turns the compiled form into the files of one system (plain
// Prometheus, prometheus-operator, Mimir, Cortex, Thanos) and reads them
// back with that system's loader before anything is written. Adding a
// target is a new file with its type and a Register line in its init.
//
// The prometheus target, the default, writes rules/ and alertmanager/; the
// others write below a folder named after them. Read-back problems say
// which rule or config they are about (RuleProblem, ConfigRefusal), and a
// file which compiled rule files and config it holds, so package app can
// place each problem at the spec entry that made it.
package target

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/par"
	"github.com/slo-compiler/slo/internal/spec"
)

// Prometheus is the default target's name.
const Prometheus = "prometheus"

// File is a generated file: its path below the output folder and content.
type File struct {
	Name string
	Data []byte
	// Source is the spec file a problem found on reading it back is
	// reported at.
	Source string
	// OneSpec is set when the file depends on its Source alone (a
	// service's rules), so a compile of a subset of the specs writes it.
	OneSpec bool
	// Rules are the compiled rule files whose groups the file holds, in
	// the order it holds them: a *RuleProblem a read-back finds in it is
	// placed at the spec entry that made the rule by them, and the
	// prometheus target's read-back compares what it reads with its one.
	Rules []*compile.RuleFile
	// Alertmanager is the compiled config the file holds, when it does: a
	// *ConfigRefusal of it is placed by it.
	Alertmanager *compile.Alertmanager
}

// Input is what a target renders from.
type Input struct {
	Project *model.Project
	Output  *compile.Output
	Config  *Config
}

// Target is one output target.
type Target interface {
	// Name is what --target and the project file call it; its files go
	// below a folder of that name.
	Name() string
	// Files renders the target's files, in a fixed order.
	Files(in Input) ([]File, error)
	// ReadBack reads a file Files made with the target system's own
	// loader and returns what it refuses.
	ReadBack(f File) []error
}

// OneByOne is a target that renders its files one at a time, each on its
// own: a caller can read a file back as soon as it is rendered and drop
// what it no longer needs, rather than hold every file's bytes and every
// compiled rule file at once. Each compiled rule file is held by at most
// one of its files.
type OneByOne interface {
	Target
	// NumFiles is how many files Files renders for in.
	NumFiles(in Input) int
	// File renders file i (from 0) of the ones Files renders, in order.
	File(in Input, i int) (File, error)
}

// RenderEach returns file(i) for i from 0 to n-1, run on all cores, in
// order; the first error in that order wins. It is Files of a OneByOne
// target (file being its File), and what a caller that does more with
// each file as it is rendered runs.
func RenderEach(n int, file func(i int) (File, error)) ([]File, error) {
	files := make([]File, n)
	errs := make([]error, n)
	par.Each(n, func(i int) { files[i], errs[i] = file(i) })
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

var registry = map[string]Target{}

// Register adds t to the targets --target may name.
func Register(t Target) {
	if _, dup := registry[t.Name()]; dup {
		panic("target: registered twice: " + t.Name())
	}
	registry[t.Name()] = t
}

// Lookup returns the target called name.
func Lookup(name string) (Target, bool) {
	t, ok := registry[name]
	return t, ok
}

// Dirs are the folders below the output folder that the target called
// name writes in, and a compile for it prunes: a folder of its name, unless
// it says otherwise with a Dirs method.
func Dirs(name string) []string {
	if d, ok := registry[name].(interface{ Dirs() []string }); ok {
		return d.Dirs()
	}
	return []string{name}
}

// Names lists every target's name, sorted.
func Names() []string {
	var names []string
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Parse splits a --target value ("a,b") into known target names, in the
// order given and without repeats.
func Parse(list []string) ([]string, error) {
	var out []string
	for _, item := range list {
		for n := range strings.SplitSeq(item, ",") {
			n = strings.TrimSpace(n)
			if n == "" {
				continue
			}
			if !slices.Contains(Names(), n) {
				return nil, fmt.Errorf("unknown target %q; targets: %s", n, strings.Join(Names(), ", "))
			}
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no target named; targets: " + strings.Join(Names(), ", "))
	}
	return out, nil
}

// ProjectFile is the project file read from the working folder: the
// targets a compile writes and their settings.
const ProjectFile = "slo.yaml"

// Config is the project file's content.
type Config struct {
	// Targets are the targets compile writes and check compares; empty
	// means prometheus alone.
	Targets []string
	// Settings are the targets' settings by target name, each what the
	// target's Configure made of its section of the project file; a
	// target without a section has none.
	Settings map[string]any
}

// settings is the target called name's settings, nil when none.
func (c *Config) settings(name string) any {
	if c == nil {
		return nil
	}
	return c.Settings[name]
}

// Configurable is a target with settings: a section of the project file
// under its name.
type Configurable interface {
	Target
	// Fields are the keys its section may hold.
	Fields() []string
	// Configure makes its settings of its section, a mapping holding only
	// keys of Fields; what is wrong is a diagnostic at its node, placed
	// by at.
	Configure(section *yaml.Node, at func(*yaml.Node) diag.Pos) (any, diag.List)
}

// OperatorConfig sets the PrometheusRule objects' metadata.
type OperatorConfig struct {
	// Namespace is the objects' namespace ("monitoring" when empty).
	Namespace string `yaml:"namespace"`
	// Labels are set on every object, as the Prometheus's ruleSelector
	// needs.
	Labels map[string]string `yaml:"labels"`
}

// RulerConfig sets a Mimir or Cortex ruler's namespaces.
type RulerConfig struct {
	// NamespaceBy is "service" (the default: a namespace per service) or
	// "team" (a namespace per team, its services' groups together).
	NamespaceBy string `yaml:"namespace_by"`
	// SourceTenants, when set, is written on every group: the tenants a
	// federated rule group queries.
	SourceTenants []string `yaml:"source_tenants"`
}

// ThanosConfig sets the Thanos rule files' partial response strategy.
type ThanosConfig struct {
	// PartialResponseStrategy is "warn" or "abort" (the default, as
	// Thanos's own).
	PartialResponseStrategy string `yaml:"partial_response_strategy"`
}

// LoadConfig reads the project file at path; a missing file is the
// default configuration. A mistake in it is a diagnostic at its line and
// column (the configuration is then nil); err is a failure to read.
func LoadConfig(path string) (*Config, diag.List, error) {
	src, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{}, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var ds diag.List
	at := func(n *yaml.Node) diag.Pos { return diag.Pos{File: path, Line: n.Line, Col: n.Column} }
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		ds.Errorf(diag.Pos{File: path}, "project/invalid", "not YAML: %v", err)
		return nil, ds, nil
	}
	c := &Config{}
	if len(doc.Content) == 0 {
		return c, nil, nil
	}
	root := doc.Content[0]
	// The sections: targets, and one per target with settings.
	sections := map[string][]string{"targets": nil}
	for _, n := range Names() {
		if t, ok := registry[n].(Configurable); ok {
			sections[n] = t.Fields()
		}
	}
	keys := slices.Sorted(maps.Keys(sections))
	if k, v := specKey(root, sections); k != nil {
		// A Sloth, OpenSLO or slo spec named slo.yaml (the name Sloth's
		// and OpenSLO's users often give it) in the project file's
		// place: read as a spec when named, not as the project file.
		ds.Warnf(at(k), "project/is-spec", "%s here is a spec (%s: %s), not slo's project file (targets and their settings), which slo reads from the working folder: slo uses the default project settings; rename the spec to keep the two apart", filepath.Base(path), k.Value, v.Value)
		return c, ds, nil
	}
	if root.Kind != yaml.MappingNode {
		ds.Errorf(at(root), code, "want a mapping: targets and each target's settings")
		return nil, ds, nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		fields, ok := sections[k.Value]
		switch {
		case !ok:
			ds.Errorf(at(k), code, "unknown field %q%s; want %s", k.Value, suggest(k.Value, keys), strings.Join(keys, ", "))
		case k.Value == "targets":
			if err := v.Decode(&c.Targets); err != nil || v.Kind != yaml.SequenceNode {
				ds.Errorf(at(v), code, "targets: want a list of target names, as [prometheus, thanos]")
				continue
			}
			for _, item := range v.Content {
				if !slices.Contains(Names(), item.Value) {
					ds.Errorf(at(item), code, "unknown target %q%s; targets: %s", item.Value, suggest(item.Value, Names()), strings.Join(Names(), ", "))
				}
			}
		case v.Tag == "!!null":
		case v.Kind != yaml.MappingNode:
			ds.Errorf(at(v), code, "%s: want a mapping of its settings: %s", k.Value, strings.Join(fields, ", "))
		default:
			known := true
			for j := 0; j+1 < len(v.Content); j += 2 {
				if f := v.Content[j]; !slices.Contains(fields, f.Value) {
					ds.Errorf(at(f), code, "unknown field %q in %s%s; want %s", f.Value, k.Value, suggest(f.Value, fields), strings.Join(fields, ", "))
					known = false
				}
			}
			if !known {
				continue
			}
			settings, d := registry[k.Value].(Configurable).Configure(v, at)
			ds = append(ds, d...)
			if c.Settings == nil {
				c.Settings = map[string]any{}
			}
			c.Settings[k.Value] = settings
		}
	}
	if ds.HasErrors() {
		return nil, ds, nil
	}
	if len(c.Targets) > 0 {
		if c.Targets, err = Parse(c.Targets); err != nil {
			ds.Errorf(at(value(root, "targets")), code, "targets: %v", err)
			return nil, ds, nil
		}
	}
	return c, ds, nil
}

// seqItems are the items of a sequence node; none for anything else.
func seqItems(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// decodeSettings decodes a target's section into settings, a diagnostic
// at the section when it does not fit.
func decodeSettings(name string, section *yaml.Node, at func(*yaml.Node) diag.Pos, settings any) diag.List {
	var ds diag.List
	if err := section.Decode(settings); err != nil {
		ds.Errorf(at(section), code, "%s: %v", name, err)
	}
	return ds
}

// code is the diagnostic code of every problem in the project file.
const code = "project/invalid"

// value is the value of key in mapping m, or nil.
func value(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func suggest(s string, candidates []string) string {
	if best := spec.Closest(s, candidates); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return ""
}

// specKey is the version or apiVersion key of a spec document (or of the
// first object of a YAML list, as OpenSLO files may hold), which a
// project file has neither of, and its value; nil for any other document,
// and for one with a project file's section too (a project file with a
// stray key).
func specKey(root *yaml.Node, sections map[string][]string) (key, val *yaml.Node) {
	if root.Kind == yaml.SequenceNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if _, ok := sections[k.Value]; ok {
			return nil, nil
		}
		if key == nil && (k.Value == "version" || k.Value == "apiVersion") {
			key, val = k, root.Content[i+1]
		}
	}
	return key, val
}
