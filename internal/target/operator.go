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
	k8syaml "sigs.k8s.io/yaml"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/render"
)

func init() { Register(operator{}) }

// operator writes one monitoring.coreos.com/v1 PrometheusRule per service,
// in the namespace and with the labels the project file sets (the labels a
// Prometheus's ruleSelector picks them by).
type operator struct{}

func (operator) Name() string { return "prometheus-operator" }

func (o operator) Files(in Input) ([]File, error) {
	cfg := in.Config.Operator
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
// (unknown fields refused, as the API server's schema does), and checks
// its groups with Prometheus's rule loader, as the operator does before it
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
	if pr.Name == "" || pr.Namespace == "" {
		return []error{fmt.Errorf("metadata: want a name and a namespace")}
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
	return checkGroups(groups, nil)
}
