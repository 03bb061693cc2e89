package target_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	k8syaml "sigs.k8s.io/yaml"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/golden"
	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/target"
)

var config = &target.Config{Settings: map[string]any{
	"prometheus-operator": target.OperatorConfig{Namespace: "observability", Labels: map[string]string{"release": "kube-prometheus", "role": "alert-rules"}},
	"mimir":               target.RulerConfig{NamespaceBy: "team", SourceTenants: []string{"team-a", "team-b"}},
	"thanos":              target.ThanosConfig{PartialResponseStrategy: "warn"},
}}

func loadInput(t *testing.T) target.Input {
	t.Helper()
	p, diags, err := input.Load([]string{"testdata/specs"})
	if err != nil || p == nil {
		t.Fatalf("load: %v %v", err, diags)
	}
	return target.Input{Project: p, Output: compile.Project(p), Config: config}
}

func files(t *testing.T, name string) (target.Target, []target.File) {
	t.Helper()
	tg, ok := target.Lookup(name)
	if !ok {
		t.Fatalf("no target %s", name)
	}
	fs, err := tg.Files(loadInput(t))
	if err != nil {
		t.Fatal(err)
	}
	return tg, fs
}

// Every target's files match their goldens, read back clean, and are the
// same bytes on a second render.
func TestGolden(t *testing.T) {
	want := map[string][]string{
		"prometheus-operator": {"prometheus-operator/api.yaml", "prometheus-operator/worker.yaml"},
		"mimir":               {"mimir/platform.yaml", "mimir/alertmanager.yaml"},
		"cortex":              {"cortex/api.yaml", "cortex/worker.yaml", "cortex/alertmanager.yaml"},
		"thanos":              {"thanos/api.yml", "thanos/worker.yml"},
	}
	for name, names := range want {
		t.Run(name, func(t *testing.T) {
			tg, fs := files(t, name)
			_, again := files(t, name)
			var got []string
			for i, f := range fs {
				got = append(got, f.Name)
				if errs := tg.ReadBack(f); len(errs) > 0 {
					t.Errorf("%s refused on read-back: %v", f.Name, errs)
				}
				if !bytes.Equal(f.Data, again[i].Data) {
					t.Errorf("%s differs between two renders", f.Name)
				}
				golden.Check(t, filepath.Join("testdata", "golden", f.Name), f.Data)
			}
			if strings.Join(got, " ") != strings.Join(names, " ") {
				t.Errorf("files %v, want %v", got, names)
			}
		})
	}
}

// The PrometheusRule decodes strictly into prometheus-operator's v1 types
// with the namespace, labels and rules compiled.
func TestOperatorDecodesStrictly(t *testing.T) {
	_, fs := files(t, "prometheus-operator")
	js, err := k8syaml.YAMLToJSON(fs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var pr monitoringv1.PrometheusRule
	if err := dec.Decode(&pr); err != nil {
		t.Fatal(err)
	}
	if pr.Kind != "PrometheusRule" || pr.Name != "api" || pr.Namespace != "observability" || pr.Labels["release"] != "kube-prometheus" {
		t.Errorf("metadata %+v %+v", pr.TypeMeta, pr.ObjectMeta)
	}
	out := loadInput(t).Output.RuleFiles[0]
	if len(pr.Spec.Groups) != len(out.Groups) {
		t.Fatalf("%d groups, compiled %d", len(pr.Spec.Groups), len(out.Groups))
	}
	for i, g := range out.Groups {
		have := pr.Spec.Groups[i]
		if have.Name != g.Name || len(have.Rules) != len(g.Rules) {
			t.Fatalf("group %d: %s with %d rules, compiled %s with %d", i, have.Name, len(have.Rules), g.Name, len(g.Rules))
		}
		for j, r := range g.Rules {
			h := have.Rules[j]
			if h.Record != r.Record || h.Alert != r.Alert || h.Expr.String() != r.Expr {
				t.Errorf("group %s rule %d: %s%s %q, compiled %s%s %q", g.Name, j, h.Record, h.Alert, h.Expr.String(), r.Record, r.Alert, r.Expr)
			}
		}
	}
}

// Each target's read-back refuses what its system's loader refuses.
func TestReadBackRefuses(t *testing.T) {
	cases := []struct {
		target, from, to, want string
	}{
		{"prometheus-operator", "kind: PrometheusRule", "kind: PrometheusRules", "kind"},
		{"prometheus-operator", "  groups:\n", "  groups:\n    - name: extra\n      bogus: 1\n      rules: []\n", "unknown field"},
		{"prometheus-operator", "expr: sum(rate(", "expr: sum(rate((", "parse error"},
		{"prometheus-operator", "  name: api\n", "  name: API\n", `metadata: name "API": a lowercase RFC 1123 subdomain`},
		{"prometheus-operator", "  namespace: observability\n", "  namespace: ''\n", `metadata: namespace "": a lowercase RFC 1123 label`},
		{"prometheus-operator", "    release: kube-prometheus\n", "    release: kube prometheus\n", `label release="kube prometheus"`},
		{"thanos", "partial_response_strategy: warn", "partial_response_strategy: maybe", "not a partial response strategy"},
		{"thanos", "    rules:\n", "    limit: x\n    rules:\n", "unmarshal"},
		{"thanos", "    rules:\n", "    bogus: 1\n    rules:\n", "field bogus not found"},
		{"mimir", "    rules:\n", "    bogus: 1\n    rules:\n", "field bogus not found"},
		{"mimir", "namespace: platform", "namespace: ''", "namespace"},
		{"mimir", `source_tenants: ["team-a", "team-b"]`, `source_tenants: {a: b}`, "source_tenants"},
		{"mimir", "template_files: {}", "template_files: {}\ntemplates: []", "templates"},
		{"mimir", "receiver: ops", "receiver: nobody", "nobody"},
		// Valid, but not what was compiled.
		{"prometheus-operator", "expr: sum by (stage) (queue_depth)", "expr: max by (stage) (queue_depth)", `does not read back as compiled: group "api-alerts" rule 1: wrote expr`},
		{"thanos", "    interval: 1m\n", "    interval: 2m\n", `does not read back as compiled: group 1: wrote "api-slo-availability" (interval 1m0s`},
		{"mimir", "        labels:\n          service: api\n", "        labels:\n          service: apis\n", "does not read back as compiled"},
	}
	for _, c := range cases {
		tg, fs := files(t, c.target)
		found := false
		for _, f := range fs {
			if !bytes.Contains(f.Data, []byte(c.from)) {
				continue
			}
			found = true
			f.Data = bytes.Replace(f.Data, []byte(c.from), []byte(c.to), 1)
			errs := tg.ReadBack(f)
			if len(errs) == 0 {
				t.Errorf("%s with %q: read back clean", f.Name, c.to)
				break
			}
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Error())
			}
			if !strings.Contains(strings.Join(msgs, "\n"), c.want) {
				t.Errorf("%s with %q: %v, want %q", f.Name, c.to, msgs, c.want)
			}
			break
		}
		if !found {
			t.Errorf("%s: no file holds %q", c.target, c.from)
		}
	}
}

// Thanos Ruler takes partial_response_strategy out of each group and hands
// the rest to Prometheus's rule manager; promtool, Prometheus's own
// checker, accepts what is left of every Thanos file (and refuses the
// field itself, which is why the read-back strips it as Thanos does).
func TestThanosFilesPassPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not on PATH")
	}
	_, fs := files(t, "thanos")
	strategy := regexp.MustCompile(`(?m)^    partial_response_strategy: .*\n`)
	dir := t.TempDir()
	for _, f := range fs {
		path := filepath.Join(dir, filepath.Base(f.Name))
		if err := os.WriteFile(path, strategy.ReplaceAll(f.Data, nil), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil {
			t.Errorf("promtool check rules %s: %v\n%s", f.Name, err, out)
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err == nil || !bytes.Contains(out, []byte("partial_response_strategy")) {
			t.Errorf("promtool took %s with partial_response_strategy: %s", f.Name, out)
		}
	}
}

func TestParse(t *testing.T) {
	got, err := target.Parse([]string{"thanos,mimir", " thanos", "prometheus"})
	if err != nil || strings.Join(got, " ") != "thanos mimir prometheus" {
		t.Errorf("Parse = %v, %v", got, err)
	}
	if _, err := target.Parse([]string{"mimir,pagerduty"}); err == nil || !strings.Contains(err.Error(), `unknown target "pagerduty"`) {
		t.Errorf("Parse of an unknown target: %v", err)
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "slo.yaml")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, ds, err := target.LoadConfig(filepath.Join(dir, "none.yaml"))
	if err != nil || len(ds) != 0 || c == nil || len(c.Targets) != 0 {
		t.Errorf("missing file: %+v, %v, %v", c, ds, err)
	}
	write("targets: [thanos, mimir]\nthanos: {partial_response_strategy: warn}\nmimir:\n  source_tenants: [a]\n")
	c, ds, err = target.LoadConfig(path)
	if err != nil || len(ds) != 0 || strings.Join(c.Targets, " ") != "thanos mimir" || c.Settings["thanos"].(target.ThanosConfig).PartialResponseStrategy != "warn" || c.Settings["mimir"].(target.RulerConfig).SourceTenants[0] != "a" {
		t.Errorf("got %+v, %v, %v", c, ds, err)
	}
	// A spec named slo.yaml in the project file's place (a Sloth file,
	// an OpenSLO list) is not the project file: a warning at its version
	// key, and the default configuration.
	for src, want := range map[string]string{
		"version: prometheus/v1\nservice: api\nslos: []\n":   `slo.yaml:1:1: warning: slo.yaml here is a spec (version: prometheus/v1), not slo's project file`,
		"# OpenSLO\n- apiVersion: openslo/v1\n  kind: SLO\n": `slo.yaml:2:3: warning: slo.yaml here is a spec (apiVersion: openslo/v1), not slo's project file`,
		"service: api\nversion: slo/v1\n":                    `slo.yaml:2:1: warning: slo.yaml here is a spec (version: slo/v1)`,
	} {
		write(src)
		c, ds, err := target.LoadConfig(path)
		if err != nil || c == nil || len(c.Targets) != 0 || len(ds) != 1 || ds[0].Code != "project/is-spec" ||
			!strings.Contains(strings.ReplaceAll(ds[0].String(), dir+string(filepath.Separator), ""), want) {
			t.Errorf("%q: %+v %v %v, want %q", src, c, ds, err, want)
		}
	}
	// Every mistake is reported at its line and column, and no
	// configuration is returned.
	for src, want := range map[string]string{
		"target: [thanos]\n": `slo.yaml:1:1: error: unknown field "target"; did you mean "targets"?`,
		// A project file with a stray version key is a project file still.
		"targets: [thanos]\nversion: slo/v1\n":                         `slo.yaml:2:1: error: unknown field "version"`,
		"targets: [thanos, nagios]\n":                                  `slo.yaml:1:19: error: unknown target "nagios"; targets: cortex, mimir, prometheus, prometheus-operator, thanos`,
		"mimir:\n  namespace_by: region\n":                             `slo.yaml:2:17: error: mimir.namespace_by is "region"; want service or team`,
		"mimir:\n  namespace: x\n":                                     `slo.yaml:2:3: error: unknown field "namespace" in mimir; did you mean "namespace_by"?; want namespace_by, source_tenants`,
		"thanos: {partial_response_strategy: x}\n":                     `slo.yaml:1:37: error: thanos.partial_response_strategy is "x"; want warn or abort`,
		"targets: thanos\n":                                            "slo.yaml:1:10: error: targets: want a list of target names, as [prometheus, thanos]",
		"thanos: warn\n":                                               "slo.yaml:1:9: error: thanos: want a mapping of its settings: partial_response_strategy",
		"mimir: {source_tenants: x}\n":                                 "slo.yaml:1:8: error: mimir: yaml: unmarshal errors",
		"mimir: {source_tenants: [a, '']}\n":                           `slo.yaml:1:29: error: mimir.source_tenants: an empty tenant name`,
		"prometheus-operator: {namespace: Mon}\n":                      `slo.yaml:1:34: error: prometheus-operator.namespace "Mon": a lowercase RFC 1123 label must consist of`,
		"prometheus-operator:\n  labels: {release: kube prometheus}\n": `slo.yaml:2:21: error: prometheus-operator.labels.release: value "kube prometheus": a valid label must be`,
		"prometheus-operator:\n  labels: {'a b': x}\n":                 `slo.yaml:2:12: error: prometheus-operator.labels: name "a b": name part must consist of`,
	} {
		write(src)
		c, ds, err := target.LoadConfig(path)
		var b strings.Builder
		for _, d := range ds {
			b.WriteString(d.String())
		}
		if err != nil || c != nil || !strings.Contains(strings.ReplaceAll(b.String(), dir+string(filepath.Separator), ""), want) {
			t.Errorf("%q: %+v %q %v, want %q", src, c, b.String(), err, want)
		}
	}
}
