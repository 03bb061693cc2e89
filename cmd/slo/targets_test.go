package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"go.yaml.in/yaml/v3"
	k8syaml "sigs.k8s.io/yaml"

	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/promx/amx"
	"github.com/slo-compiler/slo/internal/testfs"
)

// TestTargetsOfTheSpecsPassTheirLoaders compiles the repository's specs/
// for prometheus-operator, mimir and thanos into a temporary folder and
// reads every file written with the loaders of those systems, not with the
// targets' own read-back: each PrometheusRule decoded strictly into
// prometheus-operator's v1 types and each of its groups checked by
// Prometheus's rule loader; each Mimir namespace file's groups, its
// source_tenants taken out and checked, by the rule loader and promtool;
// the Mimir Alertmanager file's config by Alertmanager's loader and
// amtool; each Thanos file as Thanos Ruler reads it (the strategy of every
// group one of Thanos's, then the groups without it) by the rule loader and
// promtool, which refuses the field itself.
func TestTargetsOfTheSpecsPassTheirLoaders(t *testing.T) {
	specs, err := filepath.Abs("../../specs")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	testfs.Write(t, ".", map[string]string{"slo.yaml": `prometheus-operator:
  namespace: observability
  labels: {release: kube-prometheus}
mimir:
  namespace_by: team
  source_tenants: [team-a, team-b]
thanos:
  partial_response_strategy: warn
`})
	code, stdout, stderr := runSloArgs("compile", "--target", "prometheus-operator,mimir,thanos", "--out", "out", specs)
	if code != exitOK {
		t.Fatalf("compile: exit %d\n%s%s", code, stdout, stderr)
	}
	promtool, _ := exec.LookPath("promtool")
	amtool, _ := exec.LookPath("amtool")
	if promtool == "" || amtool == "" {
		t.Logf("promtool %q, amtool %q: the ones missing are not run", promtool, amtool)
	}
	check := func(t *testing.T, name string, rules []byte) {
		t.Helper()
		for _, err := range promx.CheckRuleFile(rules) {
			t.Errorf("%s: Prometheus's rule loader: %v", name, err)
		}
		if promtool == "" {
			return
		}
		path := filepath.Join(t.TempDir(), "rules.yml")
		if err := os.WriteFile(path, rules, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil {
			t.Errorf("%s: promtool check rules: %v\n%s", name, err, out)
		}
	}
	count := map[string]int{}
	for _, dir := range []string{"prometheus-operator", "mimir", "thanos"} {
		paths, err := filepath.Glob(filepath.Join("out", dir, "*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range paths {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stdout, "wrote "+filepath.ToSlash(path)+"\n") {
				t.Errorf("%s: not in the compile's output", path)
			}
			count[dir]++
			t.Run(filepath.ToSlash(path), func(t *testing.T) {
				switch {
				case dir == "prometheus-operator":
					pr := decodePrometheusRule(t, data)
					if pr.Namespace != "observability" || pr.Labels["release"] != "kube-prometheus" || pr.Name+".yaml" != filepath.Base(path) {
						t.Errorf("metadata: %+v", pr.ObjectMeta)
					}
					for _, g := range pr.Spec.Groups {
						rules, err := k8syaml.Marshal(map[string]any{"groups": []monitoringv1.RuleGroup{g}})
						if err != nil {
							t.Fatal(err)
						}
						check(t, g.Name, rules)
					}
				case filepath.Base(path) == "alertmanager.yaml":
					top := strictTop(t, data, "template_files", "alertmanager_config")
					cfg := top["alertmanager_config"]
					if cfg == nil || cfg.Tag != "!!str" {
						t.Fatalf("alertmanager_config: want the config as a string")
					}
					if err := amx.AlertmanagerConfigProblem([]byte(cfg.Value)); err != nil {
						t.Errorf("Alertmanager's config loader: %v", err)
					}
					if amtool != "" {
						cpath := filepath.Join(t.TempDir(), "alertmanager.yml")
						if err := os.WriteFile(cpath, []byte(cfg.Value), 0o644); err != nil {
							t.Fatal(err)
						}
						if out, err := exec.Command(amtool, "check-config", cpath).CombinedOutput(); err != nil {
							t.Errorf("amtool check-config: %v\n%s", err, out)
						}
					}
				case dir == "mimir":
					top := strictTop(t, data, "namespace", "groups")
					if ns := top["namespace"]; ns == nil || ns.Value == "" {
						t.Errorf("namespace: want a name")
					}
					check(t, path, withoutField(t, top["groups"], "source_tenants", func(v *yaml.Node) bool {
						var tenants []string
						return v.Decode(&tenants) == nil && slices.Equal(tenants, []string{"team-a", "team-b"})
					}))
				case dir == "thanos":
					top := strictTop(t, data, "groups")
					rules := withoutField(t, top["groups"], "partial_response_strategy", func(v *yaml.Node) bool {
						return v.Tag == "!!str" && strings.ToUpper(v.Value) == "WARN"
					})
					check(t, path, rules)
					if promtool != "" {
						if out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err == nil || !bytes.Contains(out, []byte("partial_response_strategy")) {
							t.Errorf("promtool took the file with partial_response_strategy: %s", out)
						}
					}
				}
			})
		}
	}
	// One PrometheusRule and one Thanos file per service, one Mimir
	// namespace per team and the Alertmanager file.
	if count["prometheus-operator"] != count["thanos"] || count["thanos"] < 2 || count["mimir"] < 2 {
		t.Errorf("files per target %v", count)
	}
}

// decodePrometheusRule decodes data strictly into prometheus-operator's
// v1 PrometheusRule, as the API server's schema does.
func decodePrometheusRule(t *testing.T, data []byte) monitoringv1.PrometheusRule {
	t.Helper()
	js, err := k8syaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var pr monitoringv1.PrometheusRule
	if err := dec.Decode(&pr); err != nil {
		t.Fatalf("not a PrometheusRule: %v", err)
	}
	if pr.APIVersion != "monitoring.coreos.com/v1" || pr.Kind != "PrometheusRule" {
		t.Errorf("apiVersion %q kind %q", pr.APIVersion, pr.Kind)
	}
	return pr
}

// strictTop is the top mapping of a YAML document by key, each key one
// of allowed.
func strictTop(t *testing.T, data []byte, allowed ...string) map[string]*yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	m := doc.Content[0]
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i].Value; !slices.Contains(allowed, k) {
			t.Errorf("unknown field %q", k)
		} else {
			out[k] = m.Content[i+1]
		}
	}
	return out
}

// withoutField is a rule file of the groups list, each group's field key
// taken out after ok accepted its value; every group must have it.
func withoutField(t *testing.T, groups *yaml.Node, key string, ok func(*yaml.Node) bool) []byte {
	t.Helper()
	if groups == nil || len(groups.Content) == 0 {
		t.Fatal("no groups")
	}
	for _, g := range groups.Content {
		found := false
		for i := 0; i+1 < len(g.Content); i += 2 {
			if g.Content[i].Value == key {
				if !ok(g.Content[i+1]) {
					t.Errorf("line %d: %s: %q refused", g.Content[i].Line, key, g.Content[i+1].Value)
				}
				g.Content = slices.Delete(g.Content, i, i+2)
				found = true
				break
			}
		}
		if !found {
			t.Errorf("line %d: a group without %s", g.Line, key)
		}
	}
	out, err := yaml.Marshal(map[string]*yaml.Node{"groups": groups})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCheckFindsAByteChangedInEveryTarget: a compile for every target,
// then one byte of each file written changed in turn: slo check fails
// naming that file, and passes again once it is put back. The SLO has no
// burn alerts: slo check runs every generated scenario each time, and the
// drift logic under test does not need the 3-day burn scenarios (with
// them the test took 34 s under -race, without 5 s).
func TestCheckFindsAByteChangedInEveryTarget(t *testing.T) {
	t.Chdir(t.TempDir())
	testfs.Write(t, ".", map[string]string{
		"slo.yaml": "targets: [prometheus, prometheus-operator, mimir, cortex, thanos]\nmimir: {namespace_by: team}\n",
		"specs/api.yaml": `version: slo/v1
service: api
team: platform
slos:
  - name: availability
    objective: 99.9
    alerting: {disabled: true}
    sli:
      ratio:
        bad: http_requests_total{code=~"5.."}
        total: http_requests_total
alerts:
  - name: QueueDepthHigh
    signal:
      expr: sum by (stage) (queue_depth)
    above: {warning: 100, critical: 200}
    for: 5m
`,
		"specs/routing.yaml": "version: slo/v1\nrouting:\n  default_receiver: ops\n  teams:\n    platform: {critical: pager, warning: chat}\n",
	})
	code, stdout, stderr := runSloArgs("compile")
	if code != exitOK {
		t.Fatalf("compile: exit %d\n%s%s", code, stdout, stderr)
	}
	var written []string
	for _, m := range regexp.MustCompile(`(?m)^wrote (\S+)$`).FindAllStringSubmatch(stdout, -1) {
		written = append(written, m[1])
	}
	dirs := map[string]bool{}
	for _, name := range written {
		dirs[strings.Split(name, "/")[0]] = true
	}
	for _, d := range []string{"rules", "alertmanager", "prometheus-operator", "mimir", "cortex", "thanos"} {
		if !dirs[d] {
			t.Errorf("nothing written in %s/: %v", d, written)
		}
	}
	checkArgs := []string{"check", "--dashboards", ""}
	if code, stdout, stderr := runSloArgs(checkArgs...); code != exitOK {
		t.Fatalf("check of the output as compiled: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, name := range written {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			// A letter or digit past the header, one up: the file stays
			// YAML, only its content differs.
			changed := slices.Clone(data)
			i := bytes.IndexByte(changed, '\n') + len(changed)/2
			for i < len(changed) && !isAlnum(changed[i]) {
				i++
			}
			if i >= len(changed) {
				t.Fatalf("no letter to change past the middle")
			}
			changed[i] = map[bool]byte{true: 'a', false: changed[i] + 1}[changed[i] == 'z' || changed[i] == 'Z' || changed[i] == '9']
			if err := os.WriteFile(name, changed, 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runSloArgs(checkArgs...)
			if code != exitProblems || !strings.Contains(stderr, name+": error: differs from what the specs compile to") {
				t.Errorf("check with byte %d of %s changed: exit %d\n%s", i, name, code, stderr)
			}
			if err := os.WriteFile(name, data, 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
	if code, stdout, stderr := runSloArgs(checkArgs...); code != exitOK {
		t.Errorf("check once every file is back: exit %d\n%s%s", code, stdout, stderr)
	}
}

func isAlnum(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}
