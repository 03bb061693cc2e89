// Package target holds slo's output targets: each is one unit, chosen by
// name, that turns the compiled form into the files of one system (plain
// Prometheus, prometheus-operator, Mimir, Cortex, Thanos) and reads them
// back with that system's loader before anything is written. Adding a
// target is a new file with its type and a Register line in its init.
//
// The prometheus target is today's rules/ and alertmanager/ output; package
// app renders it itself, as its read-back places each problem at the spec
// entry that made the rule. The other targets write below a folder named
// after them.
package target

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/model"
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

// Names lists every target's name, sorted, the prometheus target included.
func Names() []string {
	names := []string{Prometheus}
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
	Targets  []string       `yaml:"targets"`
	Operator OperatorConfig `yaml:"prometheus-operator"`
	Mimir    RulerConfig    `yaml:"mimir"`
	Cortex   RulerConfig    `yaml:"cortex"`
	Thanos   ThanosConfig   `yaml:"thanos"`
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
// default configuration (nil error).
func LoadConfig(path string) (*Config, error) {
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Config{}, nil
	}
	if err != nil {
		return nil, err
	}
	var c Config
	dec := yaml.NewDecoder(strings.NewReader(string(src)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(c.Targets) > 0 {
		if c.Targets, err = Parse(c.Targets); err != nil {
			return nil, fmt.Errorf("%s: targets: %w", path, err)
		}
	}
	for name, r := range map[string]RulerConfig{"mimir": c.Mimir, "cortex": c.Cortex} {
		if r.NamespaceBy != "" && r.NamespaceBy != "service" && r.NamespaceBy != "team" {
			return nil, fmt.Errorf("%s: %s.namespace_by: %q; want service or team", path, name, r.NamespaceBy)
		}
	}
	if s := c.Thanos.PartialResponseStrategy; s != "" && s != "warn" && s != "abort" {
		return nil, fmt.Errorf("%s: thanos.partial_response_strategy: %q; want warn or abort", path, s)
	}
	return &c, nil
}
