package target

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/render"
)

func init() { Register(thanos{}) }

// thanos writes Thanos Ruler rule files: Prometheus rule files whose groups
// carry partial_response_strategy.
type thanos struct{}

func (thanos) Name() string { return "thanos" }

// Fields are the keys of the thanos section of the project file, its
// ThanosConfig.
func (thanos) Fields() []string { return []string{"partial_response_strategy"} }

// Configure reads the ThanosConfig.
func (t thanos) Configure(section *yaml.Node, at func(*yaml.Node) diag.Pos) (any, diag.List) {
	var c ThanosConfig
	ds := decodeSettings(t.Name(), section, at, &c)
	if v := value(section, "partial_response_strategy"); v != nil && v.Value != "warn" && v.Value != "abort" {
		ds.Errorf(at(v), code, "thanos.partial_response_strategy is %q; want warn or abort", v.Value)
	}
	return c, ds
}

func (t thanos) Files(in Input) ([]File, error) {
	cfg, _ := in.Config.settings(t.Name()).(ThanosConfig)
	strategy := cfg.PartialResponseStrategy
	if strategy == "" {
		strategy = "abort"
	}
	extra := func(compile.Group) []render.Field {
		return []render.Field{{Key: "partial_response_strategy", Value: strategy}}
	}
	var files []File
	for i := range in.Output.RuleFiles {
		rf := &in.Output.RuleFiles[i]
		var b strings.Builder
		b.WriteString(render.Header(rf.Source))
		b.WriteString("groups:\n")
		b.WriteString(render.Groups(0, rf.Groups, extra))
		files = append(files, File{Name: t.Name() + "/" + strings.TrimPrefix(rf.Name, "rules/"), Data: []byte(b.String()), Source: rf.Source, OneSpec: true, Rules: []*compile.RuleFile{rf}})
	}
	return files, nil
}

// ReadBack reads f as Thanos Ruler does (pkg/rules): the strategy of each
// group must be one of Thanos's (WARN or ABORT, any case), and the groups
// without it must pass Prometheus's rule loader.
func (thanos) ReadBack(f File) []error {
	top, err := mappingKeys(f.Data, "groups")
	if err != nil {
		return []error{err}
	}
	return checkGroups(top["groups"], map[string]func(*yaml.Node) error{
		"partial_response_strategy": func(v *yaml.Node) error {
			switch strings.ToUpper(v.Value) {
			case "WARN", "ABORT":
				return nil
			}
			return fmt.Errorf("%q is not a partial response strategy; want warn or abort", v.Value)
		},
	}, f.Rules)
}
