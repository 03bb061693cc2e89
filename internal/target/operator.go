package target

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation"
	k8syaml "sigs.k8s.io/yaml"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/render"
)

func init() { Register(operator{}) }

// operator writes one monitoring.coreos.com/v1 PrometheusRule per service,
// in the namespace and with the labels the project file sets (the labels a
// Prometheus's ruleSelector picks them by).
type operator struct{}

func (operator) Name() string { return "prometheus-operator" }

// Fields are the keys of the prometheus-operator section of the project
// file, its OperatorConfig.
func (operator) Fields() []string { return []string{"namespace", "labels"} }

// Configure reads the OperatorConfig, and refuses a namespace or label
// the Kubernetes API server would refuse on the objects.
func (o operator) Configure(section *yaml.Node, at func(*yaml.Node) diag.Pos) (any, diag.List) {
	var c OperatorConfig
	ds := decodeSettings(o.Name(), section, at, &c)
	if v := value(section, "namespace"); v != nil {
		for _, msg := range validation.IsDNS1123Label(v.Value) {
			ds.Errorf(at(v), code, "prometheus-operator.namespace %q: %s", v.Value, msg)
		}
	}
	if m := value(section, "labels"); m != nil && m.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], m.Content[i+1]
			for _, msg := range validation.IsQualifiedName(k.Value) {
				ds.Errorf(at(k), code, "prometheus-operator.labels: name %q: %s", k.Value, msg)
			}
			for _, msg := range validation.IsValidLabelValue(v.Value) {
				ds.Errorf(at(v), code, "prometheus-operator.labels.%s: value %q: %s", k.Value, v.Value, msg)
			}
		}
	}
	return c, ds
}

func (o operator) Files(in Input) ([]File, error) {
	cfg, _ := in.Config.settings(o.Name()).(OperatorConfig)
	ns := cfg.Namespace
	if ns == "" {
		ns = "monitoring"
	}
	var files []File
	for i := range in.Output.RuleFiles {
		rf := &in.Output.RuleFiles[i]
		name := in.Project.Services[i].Name
		var b strings.Builder
		b.WriteString(render.Header(rf.Source))
		b.WriteString("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n")
		b.WriteString("  name: " + yamlScalar(name))
		b.WriteString("  namespace: " + yamlScalar(ns))
		if len(cfg.Labels) > 0 {
			b.WriteString("  labels:\n")
			for _, k := range slices.Sorted(maps.Keys(cfg.Labels)) {
				b.WriteString("    " + strings.TrimSuffix(yamlScalar(k), "\n") + ": " + yamlScalar(cfg.Labels[k]))
			}
		}
		b.WriteString("spec:\n  groups:\n")
		b.WriteString(render.Groups(2, rf.Groups, nil))
		files = append(files, File{Name: o.Name() + "/" + name + ".yaml", Data: []byte(b.String()), Source: rf.Source, OneSpec: true, Rules: []*compile.RuleFile{rf}})
	}
	return files, nil
}

// ReadBack decodes f strictly into prometheus-operator's v1 PrometheusRule
// (unknown fields refused, as the API server's schema does), checks its
// name, namespace and labels as the API server does, and checks its
// groups with Prometheus's rule loader, as the operator does before it
// hands them to Prometheus.
func (operator) ReadBack(f File) []error {
	js, err := k8syaml.YAMLToJSON(f.Data)
	if err != nil {
		return []error{err}
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var pr monitoringv1.PrometheusRule
	if err := dec.Decode(&pr); err != nil {
		return []error{fmt.Errorf("not a PrometheusRule: %w", err)}
	}
	if pr.APIVersion != "monitoring.coreos.com/v1" || pr.Kind != monitoringv1.PrometheusRuleKind {
		return []error{fmt.Errorf("apiVersion %q kind %q; want monitoring.coreos.com/v1 PrometheusRule", pr.APIVersion, pr.Kind)}
	}
	// The API server's checks of the object's metadata.
	var meta []string
	for _, msg := range validation.IsDNS1123Subdomain(pr.Name) {
		meta = append(meta, fmt.Sprintf("name %q: %s", pr.Name, msg))
	}
	for _, msg := range validation.IsDNS1123Label(pr.Namespace) {
		meta = append(meta, fmt.Sprintf("namespace %q: %s", pr.Namespace, msg))
	}
	for _, k := range slices.Sorted(maps.Keys(pr.Labels)) {
		for _, msg := range append(validation.IsQualifiedName(k), validation.IsValidLabelValue(pr.Labels[k])...) {
			meta = append(meta, fmt.Sprintf("label %s=%q: %s", k, pr.Labels[k], msg))
		}
	}
	if len(meta) > 0 {
		return []error{fmt.Errorf("metadata: %s", strings.Join(meta, "; "))}
	}
	top, err := mappingKeys(f.Data, "apiVersion", "kind", "metadata", "spec")
	if err != nil {
		return []error{err}
	}
	spec := top["spec"]
	var groups *yaml.Node
	for i := 0; spec != nil && i+1 < len(spec.Content); i += 2 {
		if spec.Content[i].Value == "groups" {
			groups = spec.Content[i+1]
		}
	}
	return checkGroups(groups, nil, f.Rules)
}
