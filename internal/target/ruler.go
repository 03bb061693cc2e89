package target

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/promx/amx"
	"github.com/slo-compiler/slo/internal/render"
)

func init() {
	Register(ruler{name: "mimir"})
	Register(ruler{name: "cortex"})
}

// ruler writes the files of Grafana Mimir's or Cortex's ruler and
// Alertmanager, which share their formats: a namespace file per service
// (or team) as `mimirtool rules load` and `cortextool rules load` read it,
//
//	namespace: NAME
//	groups: [Prometheus rule groups, with source_tenants when set]
//
// and alertmanager.yaml in the form their Alertmanager's configuration API
// (POST /api/v1/alerts) and `mimirtool alertmanager` take:
//
//	template_files: {}
//	alertmanager_config: |
//	  ... the Alertmanager config ...
type ruler struct {
	name string
}

func (r ruler) Name() string { return r.name }

// Fields are the keys of the ruler's section of the project file, its
// RulerConfig.
func (ruler) Fields() []string { return []string{"namespace_by", "source_tenants"} }

// Configure reads the ruler's RulerConfig.
func (r ruler) Configure(section *yaml.Node, at func(*yaml.Node) diag.Pos) (any, diag.List) {
	var c RulerConfig
	ds := decodeSettings(r.name, section, at, &c)
	if v := value(section, "namespace_by"); v != nil && v.Value != "service" && v.Value != "team" {
		ds.Errorf(at(v), code, "%s.namespace_by is %q; want service or team", r.name, v.Value)
	}
	for _, v := range seqItems(value(section, "source_tenants")) {
		if v.Value == "" {
			ds.Errorf(at(v), code, "%s.source_tenants: an empty tenant name", r.name)
		}
	}
	return c, ds
}

// AlertmanagerFile is the name of a ruler target's Alertmanager file below
// its folder.
const AlertmanagerFile = "alertmanager.yaml"

func (r ruler) Files(in Input) ([]File, error) {
	cfg, _ := in.Config.settings(r.name).(RulerConfig)
	var extra func(compile.Group) []render.Field
	if len(cfg.SourceTenants) > 0 {
		extra = func(compile.Group) []render.Field {
			return []render.Field{{Key: "source_tenants", Values: cfg.SourceTenants}}
		}
	}
	// Namespaces in the order their first service comes.
	type namespace struct {
		name    string
		sources []string
		groups  []compile.Group
		rules   []*compile.RuleFile
	}
	var order []*namespace
	byName := map[string]*namespace{}
	for i := range in.Output.RuleFiles {
		rf := &in.Output.RuleFiles[i]
		name := in.Project.Services[i].Name
		if t := in.Project.Services[i].Team; cfg.NamespaceBy == "team" && t != "" {
			name = t
		}
		ns := byName[name]
		if ns == nil {
			ns = &namespace{name: name}
			byName[name] = ns
			order = append(order, ns)
		}
		ns.sources = append(ns.sources, rf.Source)
		ns.groups = append(ns.groups, rf.Groups...)
		ns.rules = append(ns.rules, rf)
	}
	var files []File
	// A team's namespace holds every service of the team, which a
	// compile of some of the specs does not know: only a namespace per
	// service depends on its own spec alone.
	for _, ns := range order {
		var b strings.Builder
		b.WriteString(render.Header(strings.Join(ns.sources, ", ")))
		b.WriteString("namespace: ")
		b.WriteString(yamlScalar(ns.name))
		b.WriteString("groups:\n")
		b.WriteString(render.Groups(0, ns.groups, extra))
		files = append(files, File{Name: r.name + "/" + ns.name + ".yaml", Data: []byte(b.String()), Source: ns.sources[0], OneSpec: cfg.NamespaceBy != "team", Rules: ns.rules})
	}
	if am := in.Output.Alertmanager; am != nil {
		data, err := render.Alertmanager(am)
		if err != nil {
			return nil, promx.RedactError(am.Base, err)
		}
		data = bytes.TrimPrefix(data, []byte(render.Header(am.Source)))
		doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: "template_files"}, {Kind: yaml.MappingNode, Style: yaml.FlowStyle},
			{Kind: yaml.ScalarNode, Value: "alertmanager_config"}, {Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.LiteralStyle, Value: string(data)},
		}}
		var b bytes.Buffer
		b.WriteString(render.Header(am.Source))
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(doc); err != nil {
			return nil, err
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
		files = append(files, File{Name: r.name + "/" + AlertmanagerFile, Data: b.Bytes(), Source: am.Source, Alertmanager: am})
	}
	return files, nil
}

// yamlScalar writes s as a YAML string value and a newline.
func yamlScalar(s string) string {
	out, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Sprintf("%q\n", s)
	}
	return string(out)
}

// ReadBack reads a namespace file as the rules tools do (a namespace name
// and Prometheus rule groups, with source_tenants a list of tenant names),
// and the Alertmanager file as the Alertmanager API does: both keys
// strictly, and the config by Alertmanager's own loader.
func (r ruler) ReadBack(f File) []error {
	if strings.HasSuffix(f.Name, "/"+AlertmanagerFile) {
		top, err := mappingKeys(f.Data, "template_files", "alertmanager_config")
		if err != nil {
			return []error{err}
		}
		cfg := top["alertmanager_config"]
		if cfg == nil || cfg.Kind != yaml.ScalarNode {
			return []error{fmt.Errorf("alertmanager_config: want the config as a string")}
		}
		if err := amx.AlertmanagerConfigProblem([]byte(cfg.Value)); err != nil {
			return []error{&ConfigRefusal{Err: err, Config: []byte(cfg.Value)}}
		}
		return nil
	}
	top, err := mappingKeys(f.Data, "namespace", "groups")
	if err != nil {
		return []error{err}
	}
	if ns := top["namespace"]; ns == nil || ns.Kind != yaml.ScalarNode || ns.Value == "" {
		return []error{fmt.Errorf("namespace: want a name")}
	}
	return checkGroups(top["groups"], map[string]func(*yaml.Node) error{
		"source_tenants": func(v *yaml.Node) error {
			var tenants []string
			if err := v.Decode(&tenants); err != nil {
				return err
			}
			for _, t := range tenants {
				if t == "" {
					return fmt.Errorf("an empty tenant name")
				}
			}
			return nil
		},
	}, f.Rules)
}
