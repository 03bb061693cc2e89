package app

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/harness"
	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/signal"
	"github.com/slo-compiler/slo/internal/simulate"
)

const inputTestdata = "../input/testdata"

// importExamples are the upstream example files that compile, by format.
var importExamples = []string{
	"sloth/getting-started.yml",
	"sloth/k8s-getting-started.yml",
	"sloth/kubernetes-apiserver.yml",
	"sloth/home-wifi.yml",
	"sloth/k8s-home-wifi.yml",
	"sloth/raw-home-wifi.yml",
	"sloth/no-alerts.yml",
	"sloth/multifile.yml",
	"sloth/k8s-multifile.yml",
	// OpenSLO v1alpha, as Sloth reads it.
	"sloth/openslo-getting-started.yml",
	"openslo/all-kinds.yaml",
	"openslo/oslo-v1.yaml",
	// A threshold SLI over a data source of type Any whose query is PromQL.
	"openslo/occurences-slo.yaml",
	// Ratios without ratioMetric.counter, which OpenSLO v1 requires: read
	// as counters, with a warning that says so.
	"openslo/ratio-timeslices.yaml",
	"openslo/low-traffic-timeslices-slo.yaml",
	// Two objectives: two SLOs.
	"openslo/timeslices-slo.yaml",
	"pyrra/caddy-response-latency.yaml",
	"pyrra/nginx.yaml",
	"pyrra/parca-grpc-queryrange-errors.yaml",
	"pyrra/prometheus-http.yaml",
	"pyrra/prometheus-operator.yaml",
	"pyrra/prometheus-probe-success.yaml",
	"pyrra/pyrra-connect-errors.yaml",
	"pyrra/pyrra-connect-latency.yaml",
	"pyrra/pyrra-filesystem-errors.yaml",
	"pyrra/pyrra-kubernetes-errors.yaml",
	"pyrra/slo-apiserver-read-resource-latency.yaml",
	"pyrra/slo-coredns-response-errors.yaml",
	"pyrra/thanos-grpc.yaml",
	"pyrra/thanos-http.yaml",
	// A real project's objectives, as Go code marshals Pyrra's types:
	// apiVersion v1alpha1, grouping: null, and an upper-case name.
	"pyrra-rhobs/mst-production-api-logs-query-availability-slo.yaml",
	"pyrra-rhobs/mst-production-api-metrics-read-100M-latency-slo.yaml",
	"pyrra-rhobs/telemeter-production-rhobs-telemeter-server-metrics-upload-availability-slo.yaml",
	// A real project's OpenSLO v1: queries that are rates of counters
	// over 5m, good written as total minus bad, and a burn-rate condition
	// over a 5m lookback window.
	"openslo-maestro/maestro-server-slo.yaml",
	"openslo-maestro/maestro-agent-slo.yaml",
	// OpenSLO as Kubernetes resources (apiVersion openslo.com/v1).
	"openslo-osko/openslo_v1_slo.yaml",
	// A metricSourceRef to a data source of another file: its query is
	// PromQL, read as a Prometheus query.
	"openslo-osko/slo_gatekeeper_webhook_response_time_0005.yaml",
	// SLIs and alert policies by reference, rates over 1h, and a ratio of
	// gauges (counter: false).
	"openslo-lenny/openslo.yaml",
}

// importRefused are upstream examples slo cannot read, and the codes of
// the errors that say why, at the example's own lines.
var importRefused = map[string][]string{
	// A Go plugin SLI.
	"sloth/plugin-getting-started.yml": {"input/unsupported"},
	// MetricsQL (VictoriaMetrics), not PromQL: each query that does not
	// parse is an error at its field, and its SLO is left out, so the
	// snake_case alert names are reported once the queries parse.
	"sloth/victoria-metrics.yml": {"input/unsupported", "promql/syntax"},
}

// TestImportExamples compiles each upstream example as it is, imports it
// with slo import into slo/v1, and requires the imported spec to compile
// to the same rules.
func TestImportExamples(t *testing.T) {
	for _, ex := range importExamples {
		t.Run(ex, func(t *testing.T) {
			checkImport(t, filepath.Join(inputTestdata, ex))
		})
	}
	// Sloth's plugin example, its SLI plugin run as Sloth runs it.
	t.Run("sloth/plugin-getting-started.yml --sloth-plugins", func(t *testing.T) {
		if err := UseSlothPlugins(filepath.Join(inputTestdata, "sloth", "plugins")); err != nil {
			t.Fatal(err)
		}
		defer UseSlothPlugins("")
		checkImport(t, filepath.Join(inputTestdata, "sloth", "plugin-getting-started.yml"))
	})
	for ex, codes := range importRefused {
		t.Run(ex, func(t *testing.T) {
			path := filepath.Join(inputTestdata, ex)
			b, diags, err := Compile([]string{path})
			if err != nil || b != nil {
				t.Fatalf("compile: err %v, build %v; want errors", err, b != nil)
			}
			var got []string
			for _, d := range diags {
				if d.Severity != diag.Error {
					continue
				}
				if d.Pos.File != path || d.Pos.Line == 0 {
					t.Errorf("%s: not at a line of the example", d)
				}
				if !slices.Contains(got, d.Code) {
					got = append(got, d.Code)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, codes) {
				t.Errorf("error codes %q, want %q\n%s", got, codes, diagText(diags))
			}
			if files, _, _ := Import(ImportOptions{Paths: []string{path}, Out: t.TempDir()}); files != nil {
				t.Errorf("import gave files for a refused example")
			}
		})
	}
}

// checkImport compiles the example at path, imports it with slo import
// into slo/v1, and requires the imported spec to compile to the same
// rules.
func checkImport(t *testing.T, path string) {
	t.Helper()
	b, diags, err := Compile([]string{path})
	if err != nil || b == nil {
		t.Fatalf("compile: %v\n%s", err, diagText(diags))
	}
	out := t.TempDir()
	files, diags, err := Import(ImportOptions{Paths: []string{path}, Out: out})
	if err != nil || files == nil {
		t.Fatalf("import: %v\n%s", err, diagText(diags))
	}
	if _, err := WriteImported(files, false); err != nil {
		t.Fatal(err)
	}
	again, _, err := Import(ImportOptions{Paths: []string{path}, Out: out})
	if err != nil || again == nil || !bytes.Equal(again[0].Data, files[0].Data) {
		t.Errorf("a second import gives other bytes (err %v)", err)
	}
	if _, err := WriteImported(files, false); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("overwriting without --force: err %v, want a refusal", err)
	}
	b2, diags, err := Compile([]string{files[0].Path})
	if err != nil || b2 == nil {
		t.Fatalf("compile of the import: %v\n%s", err, diagText(diags))
	}
	if diags.HasErrors() || slices.ContainsFunc(diags, func(d diag.Diagnostic) bool { return d.Code == "input/unmapped" }) {
		t.Errorf("the imported spec has diagnostics:\n%s", diagText(diags))
	}
	if diff := cmp.Diff(ruleBodies(b.Files), ruleBodies(b2.Files)); diff != "" {
		t.Errorf("imported spec compiles to other rules (-example +imported):\n%s", diff)
	}
}

// ruleBodies are the rule files of a build without their header, which
// names the source file.
func ruleBodies(files []File) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		if !strings.HasPrefix(f.Name, "rules/") {
			continue
		}
		_, body, _ := strings.Cut(string(f.Data), "\n")
		out[f.Name] = body
	}
	return out
}

// slothRules reads a rule file Sloth generated: plain Prometheus rule
// files, or PrometheusRule objects whose spec holds the groups, one
// document per service; their groups make one rule file.
func slothRules(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var groups []yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc struct {
			Kind   string      `yaml:"kind"`
			Groups []yaml.Node `yaml:"groups"`
			Spec   struct {
				Groups []yaml.Node `yaml:"groups"`
			} `yaml:"spec"`
		}
		if err := dec.Decode(&doc); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		groups = append(groups, doc.Groups...)
		groups = append(groups, doc.Spec.Groups...)
	}
	if len(groups) == 0 {
		t.Fatalf("%s: no rule groups", path)
	}
	out, err := yaml.Marshal(map[string]any{"groups": groups})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// toSloth rewrites the alerts a generated scenario selects into the names
// and labels Sloth's alerts carry: sloth_service for the service,
// sloth_slo for slo, and sloth_severity page or ticket for the severity of
// slo's page (critical) and ticket (warning). An alert name the import
// prefixed with its service (Sloth's file gives it to SLOs of several
// services) goes back to Sloth's: the longest end of it that is an alert
// of Sloth's rules.
func toSloth(s *scenario.Scenario, service, slothRules string) *scenario.Scenario {
	cp := *s
	cp.Ranges = nil
	for _, r := range s.Ranges {
		for i := range r.Alertname {
			if strings.Contains(slothRules, "alert: "+r.Alertname[i:]+"\n") {
				r.Alertname = r.Alertname[i:]
				break
			}
		}
		ls := map[string]string{"sloth_service": service}
		for k, v := range r.Labels {
			switch k {
			case "slo":
				ls["sloth_slo"] = v
			case "severity":
				ls["sloth_severity"] = map[string]string{"critical": "page", "warning": "ticket"}[v]
			default:
				ls[k] = v
			}
		}
		r.Labels = ls
		cp.Ranges = append(cp.Ranges, r)
	}
	return &cp
}

// slothParityExamples are the Sloth examples that compile, each with the
// rules Sloth generated from it in testdata/sloth/_gen.
var slothParityExamples = []string{
	"getting-started", "k8s-getting-started", "kubernetes-apiserver",
	"home-wifi", "k8s-home-wifi", "raw-home-wifi",
	"multifile", "k8s-multifile",
	// No alerts in Sloth's output: only the recorded values compare.
	"no-alerts", "openslo-getting-started",
}

// slothThresholdGaps are the burn-rate thresholds slo generates no
// scenario for, by example and SLO: a 99.9% SLO whose error ratio is the
// share of a gauge's series under a constant holds its ticket thresholds
// (3x and 1x of a 0.001 budget) only with more than 200 series.
var slothThresholdGaps = map[string]int{
	"home-wifi/risk-wifi-client-satisfaction":     4,
	"k8s-home-wifi/risk-wifi-client-satisfaction": 4,
}

// TestSlothParity shows that the rules slo compiles from each Sloth example
// that compiles behave as the rules Sloth itself generated from the same
// file (its committed examples/_gen). The scenarios slo generates for the
// example's SLOs run once against slo's rules and once against Sloth's,
// and every verdict must be equal, and a pass. Sloth's rules with their
// burn factors moved up, then down, by a quarter must fail every burn-rate
// scenario at 1.1x and 0.9x of a threshold: the comparison can fail. On
// every burn-rate scenario's input, the recorded series the two rule sets
// share (the error ratio of each window, the period's, the burn rates,
// objective and budget) must have equal values at every plotted step. An
// SLO without alerts (Sloth generates none for it) is compared on the
// inputs of the same SLO with slo's default alerts.
func TestSlothParity(t *testing.T) {
	examples := slothParityExamples
	if testing.Short() {
		examples = examples[:1]
	}
	for _, ex := range examples {
		t.Run(ex, func(t *testing.T) {
			slothParity(t, ex, filepath.Join(inputTestdata, "sloth", ex+".yml"))
		})
	}
	if testing.Short() {
		return
	}
	// Sloth's plugin example, its plugin run as Sloth runs it.
	t.Run("plugin-getting-started", func(t *testing.T) {
		if err := UseSlothPlugins(filepath.Join(inputTestdata, "sloth", "plugins")); err != nil {
			t.Fatal(err)
		}
		defer UseSlothPlugins("")
		slothParity(t, "plugin-getting-started", filepath.Join(inputTestdata, "sloth", "plugin-getting-started.yml"))
	})
	// The same example with the plugin replaced by the query it returns,
	// as slo's input/unsupported error says to do without plugins: the
	// expression of Sloth's own 5m record, with the window put back.
	t.Run("plugin-getting-started replaced", func(t *testing.T) {
		gen := string(slothRules(t, filepath.Join(inputTestdata, "sloth", "_gen", "plugin-getting-started.yml")))
		var rf struct {
			Groups []struct {
				Rules []struct{ Record, Expr string }
			}
		}
		if err := yaml.Unmarshal([]byte(gen), &rf); err != nil {
			t.Fatal(err)
		}
		query := ""
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Record == "slo:sli_error:ratio_rate5m" {
					query = strings.ReplaceAll(r.Expr, "[5m]", "[{{.window}}]")
				}
			}
		}
		src, err := os.ReadFile(filepath.Join(inputTestdata, "sloth", "plugin-getting-started.yml"))
		if err != nil {
			t.Fatal(err)
		}
		plugin := "      plugin:\n        id: \"getting_started_availability\"\n        options:\n          job: \"myservice\"\n          filter: 'f1=\"v1\",f2=\"v2\"'\n"
		q, _ := yaml.Marshal(query)
		raw := "      raw:\n        error_ratio_query: " + strings.ReplaceAll(string(q), "\n", "\n          ") + "\n"
		if query == "" || !strings.Contains(string(src), plugin) {
			t.Fatalf("the example or its generated rules changed: no plugin block or no 5m record")
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "plugin-getting-started.yml")
		if err := os.WriteFile(path, []byte(strings.Replace(string(src), plugin, strings.TrimRight(raw, " \n")+"\n", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		slothParity(t, "plugin-getting-started", path)
	})
}

// slothParity runs the comparison of TestSlothParity on the Sloth spec at
// path, against Sloth's rules generated from example ex.
func slothParity(t *testing.T, ex, path string) {
	b, diags, err := Compile([]string{path})
	if err != nil || b == nil {
		t.Fatalf("%v\n%s", err, diagText(diags))
	}
	sloth := string(slothRules(t, filepath.Join(inputTestdata, "sloth", "_gen", ex+".yml")))
	inputs := alertingVariant(t, path)
	up := strings.NewReplacer("(14.4 * ", "(18 * ", "(6 * ", "(7.5 * ", "(3 * ", "(3.75 * ", "(1 * ", "(1.25 * ")
	down := strings.NewReplacer("(14.4 * ", "(10.8 * ", "(6 * ", "(4.5 * ", "(3 * ", "(2.25 * ", "(1 * ", "(0.75 * ")
	var mine, theirs, movedUp, movedDown []*scenario.File
	var valueChecks []valueCheck
	for i, svc := range b.Project.Services {
		ss, unc := signal.Generate(svc)
		for _, u := range unc {
			t.Logf("uncovered: %s: %s", u.Alert, u.Why)
		}
		rf := b.Output.RuleFiles[i]
		myRules := []scenario.RuleFile{{Name: rf.Name, Data: fileData(b, rf.Name)}}
		slothFile := func(rules string, ss []*scenario.Scenario) *scenario.File {
			return &scenario.File{Name: svc.Source, RuleFiles: []scenario.RuleFile{{Name: "sloth.yml", Data: []byte(rules)}}, Scenarios: ss}
		}
		for _, slo := range svc.SLOs {
			if slo.Alerting.Page != nil || slo.Alerting.Ticket != nil {
				continue
			}
			// Sloth has no alerts for it: the inputs of the SLO with
			// slo's default alerts hold its error ratio at values.
			var alerting []*scenario.Scenario
			for _, other := range inputs.Services {
				if other.Name != svc.Name {
					continue
				}
				more, _ := signal.Generate(other)
				alerting = append(alerting, more...)
			}
			if len(alerting) == 0 {
				t.Fatalf("no scenarios for %s/%s with default alerts", svc.Name, slo.Name)
			}
			valueChecks = append(valueChecks, valueCheck{true, svc, myRules, slothFile(sloth, nil), alerting})
			break
		}
		if len(ss) == 0 {
			continue
		}
		valueChecks = append(valueChecks, valueCheck{false, svc, myRules, slothFile(sloth, nil), ss})
		mine = append(mine, &scenario.File{Name: svc.Source, RuleFiles: myRules, Scenarios: ss})
		var translated []*scenario.Scenario
		for _, s := range ss {
			translated = append(translated, toSloth(s, svc.Name, sloth))
		}
		theirs = append(theirs, slothFile(sloth, translated))
		movedUp = append(movedUp, slothFile(up.Replace(sloth), translated))
		movedDown = append(movedDown, slothFile(down.Replace(sloth), translated))
	}
	if len(valueChecks) == 0 {
		t.Fatal("nothing to compare")
	}
	compareValues(t, valueChecks)
	if len(mine) == 0 {
		return
	}
	run := func(files []*scenario.File) []*scenario.Result {
		rs, err := harness.Run(files, harness.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	a, s, mu, md := run(mine), run(theirs), run(movedUp), run(movedDown)
	threshold := map[string]int{}
	for i := range a {
		name := a[i].Scenario.Name
		if !a[i].Passed() {
			t.Errorf("%s: fails on slo's own rules: %v", name, a[i].Failures)
		}
		if a[i].Passed() != s[i].Passed() {
			t.Errorf("%s: passes on slo's rules %v, on Sloth's %v: %v", name, a[i].Passed(), s[i].Passed(), s[i].Failures)
		}
		if strings.Contains(name, "x the ") { // 1.1x or 0.9x of a threshold
			threshold[a[i].Scenario.Covers[0].Alert]++
			if mu[i].Passed() && md[i].Passed() {
				t.Errorf("%s: passes on Sloth's rules with the factors moved up and down", name)
			}
		}
	}
	total := 0
	for _, svc := range b.Project.Services {
		for _, slo := range svc.SLOs {
			if slo.Alerting.Page == nil {
				continue
			}
			// A page and a ticket with two window pairs each.
			want := 8 - slothThresholdGaps[ex+"/"+slo.Name]
			if got := threshold[slo.Alerting.Name]; got != want {
				t.Errorf("%s: %d threshold scenarios compared, want %d", slo.Name, got, want)
			}
			total += threshold[slo.Alerting.Name]
		}
	}
	t.Logf("%d scenarios, %d at a threshold: equal verdicts on slo's and Sloth's rules", len(a), total)
}

// alertingVariant loads the slo/v1 import of a Sloth example with the
// alerting: disabled: true of SLOs without alerts removed: slo's default
// alerts then make scenarios whose input holds the error ratio at values.
func alertingVariant(t *testing.T, path string) *model.Project {
	t.Helper()
	files, diags, err := Import(ImportOptions{Paths: []string{path}, Out: t.TempDir()})
	if err != nil || files == nil {
		t.Fatalf("import: %v\n%s", err, diagText(diags))
	}
	data := strings.ReplaceAll(string(files[0].Data), "    alerting:\n      disabled: true\n", "")
	p := filepath.Join(t.TempDir(), "variant.yaml")
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	proj, diags, err := input.Load([]string{p})
	if err != nil || proj == nil {
		t.Fatalf("load: %v\n%s", err, diagText(diags))
	}
	return proj
}

// valueCheck is a comparison of the recorded values of a service's SLOs
// on scenario inputs, by slo's rules and by Sloth's.
type valueCheck struct {
	// variant says the scenarios are those of the SLOs with slo's
	// default alerts: slo records the 5m error ratio only, which the
	// ticket's sparser input leaves empty.
	variant   bool
	svc       *model.Service
	mine      []scenario.RuleFile
	sloth     *scenario.File
	scenarios []*scenario.Scenario
}

// slothRecords are the records whose values the comparison reads: those
// Sloth and slo both write for an SLO, with the same meaning.
var slothRecords = []string{
	"slo:sli_error:ratio_rate5m", "slo:sli_error:ratio_rate30m", "slo:sli_error:ratio_rate1h",
	"slo:sli_error:ratio_rate2h", "slo:sli_error:ratio_rate6h", "slo:sli_error:ratio_rate1d",
	"slo:sli_error:ratio_rate3d",
	"slo:objective:ratio", "slo:error_budget:ratio", "slo:current_burn_rate:ratio",
}

// slothPeriodRecords are the period's error ratio and burn rate. Sloth
// averages the 5m error ratios over the period; slo does too for an
// error_ratio SLI, and for a ratio or latency SLI weighs them by traffic
// (the period's bad rate over its total rate), which is the same only
// once traffic has been steady for the whole period; they are compared
// for error_ratio SLIs.
var slothPeriodRecords = []string{"slo:sli_error:ratio_rate30d", "slo:period_burn_rate:ratio"}

// compareValues replays each burn-rate scenario (the ones that claim an
// error ratio) on both rule sets and compares the records of every SLO of
// the scenario's service, step by step.
func compareValues(t *testing.T, checks []valueCheck) {
	t.Helper()
	compared, points := 0, 0
	for _, c := range checks {
		written := recordsOf(t, c.mine)
		for _, s := range c.scenarios {
			if s.Claim == nil {
				continue
			}
			var mineExprs, slothExprs []string
			for _, slo := range c.svc.SLOs {
				if len(s.Ranges) == 0 || s.Ranges[0].Labels["slo"] != slo.Name {
					continue // its input holds this SLO's series only
				}
				records := slothRecords
				if slo.SLI.ErrorRatio != "" {
					records = append(slices.Clip(records), slothPeriodRecords...)
				}
				for _, r := range records {
					if !written[c.svc.Name+"-slo-"+slo.Name][r] {
						// slo records the windows of its alerts only.
						continue
					}
					mineExprs = append(mineExprs, fmt.Sprintf("sum(%s{service=%q,slo=%q})", r, c.svc.Name, slo.Name))
					slothExprs = append(slothExprs, fmt.Sprintf("sum(%s{sloth_service=%q,sloth_slo=%q})", r, c.svc.Name, slo.Name))
				}
			}
			a, err := harness.Replay(&scenario.File{Name: c.svc.Source, RuleFiles: c.mine}, s, mineExprs)
			if err != nil {
				t.Fatal(err)
			}
			b, err := harness.Replay(c.sloth, s, slothExprs)
			if err != nil {
				t.Fatal(err)
			}
			valued := 0
			for i := range mineExprs {
				if a.SignalErrs[i] != nil || b.SignalErrs[i] != nil {
					t.Fatalf("%s: %v, %v", mineExprs[i], a.SignalErrs[i], b.SignalErrs[i])
				}
				if msg := sameLines(a.Signals[i], b.Signals[i]); msg != "" {
					t.Errorf("%s: %s: slo's %s and Sloth's %s: %s", c.svc.Name, s.Name, mineExprs[i], slothExprs[i], msg)
				}
				if len(a.Signals[i]) > 0 && strings.Contains(mineExprs[i], "slo:sli_error:") {
					valued++
					points += len(a.Signals[i][0].Values)
				}
			}
			if valued == 0 && !c.variant {
				t.Errorf("%s: %s: no error ratio record has values", c.svc.Name, s.Name)
			}
			compared += valued
		}
	}
	if compared == 0 {
		t.Error("no recorded values compared")
	}
	t.Logf("%d recorded error ratios compared step by step, %d values", compared, points)
}

// recordsOf lists the records of each group of rule files.
func recordsOf(t *testing.T, files []scenario.RuleFile) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	for _, f := range files {
		var rf struct {
			Groups []struct {
				Name  string
				Rules []struct{ Record string }
			}
		}
		if err := yaml.Unmarshal(f.Data, &rf); err != nil {
			t.Fatal(err)
		}
		for _, g := range rf.Groups {
			out[g.Name] = map[string]bool{}
			for _, r := range g.Rules {
				out[g.Name][r.Record] = true
			}
		}
	}
	return out
}

// sameLines compares two plotted series of one expression: the same steps
// with values equal to float rounding.
func sameLines(a, b []simulate.Line) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d series against %d", len(a), len(b))
	}
	if len(a) == 0 {
		return "" // both empty: a window longer than the input's sample gaps allow
	}
	x, y := a[0], b[0]
	if !slices.Equal(x.Times, y.Times) {
		return fmt.Sprintf("values at %d steps against %d", len(x.Times), len(y.Times))
	}
	for i := range x.Values {
		if d := math.Abs(x.Values[i] - y.Values[i]); d > 1e-9+1e-9*math.Abs(y.Values[i]) {
			return fmt.Sprintf("at %s: %v against %v", x.Times[i], x.Values[i], y.Values[i])
		}
	}
	return ""
}

// TestRealProjectScenariosSparse: the generated scenarios of a real
// project's SLO (rhobs/configuration), whose name and description say
// "query" ("API logs /query ... handler"), evaluate only the steps their
// assertions read. The word used to be taken for a call of the template
// function query, which made the planner evaluate every rule at every
// step: 700 evaluations a page scenario and 8,300 a ticket one (15 s).
func TestRealProjectScenariosSparse(t *testing.T) {
	path := filepath.Join(inputTestdata, "pyrra-rhobs", "mst-production-api-logs-query-availability-slo.yaml")
	res, diags, err := Test(TestOptions{Paths: []string{path}})
	if err != nil || res == nil {
		t.Fatalf("%v\n%s", err, diagText(diags))
	}
	if len(res.Results) < 10 {
		t.Fatalf("only %d scenarios", len(res.Results))
	}
	for _, r := range res.Results {
		if len(r.Failures) > 0 {
			t.Errorf("%s: failed: %v", r.Scenario.Name, r.Failures)
		}
		if r.Evaluations > 100 {
			t.Errorf("%s: %d rule evaluations, want the few its assertions read", r.Scenario.Name, r.Evaluations)
		}
	}
}

// TestRealOpenSLOScenarios: every scenario slo generates for a real
// project's OpenSLO SLOs (openshift-online/maestro) passes on the rules
// it compiles from them. Their alert conditions are a burn rate of 1 over
// a 5m lookback window: a long window of five samples, whose range holds
// four increases, where the spike scenario reckoned with five and was
// 1.125x the threshold instead of 0.9x.
func TestRealOpenSLOScenarios(t *testing.T) {
	for _, name := range []string{"maestro-server-slo.yaml", "maestro-agent-slo.yaml"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(inputTestdata, "openslo-maestro", name)
			res, diags, err := Test(TestOptions{Paths: []string{path}})
			if err != nil || res == nil {
				t.Fatalf("%v\n%s", err, diagText(diags))
			}
			spikes := 0
			for _, r := range res.Results {
				if strings.Contains(r.Scenario.Name, "spike") {
					spikes++
				}
				if len(r.Failures) > 0 {
					t.Errorf("%s: failed: %v", r.Scenario.Name, r.Failures)
				}
			}
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.Count(string(src), "kind: AlertCondition"); spikes != want {
				t.Errorf("%d spike scenarios, want one per alert condition, %d", spikes, want)
			}
		})
	}
	// lennylabs/lenny: the generated scenarios of its 7 SLOs of counters,
	// and hand-written ones for its ratio of gauges, which slo generates
	// none for.
	for _, path := range []string{
		filepath.Join(inputTestdata, "openslo-lenny", "openslo.yaml"),
		filepath.Join("testdata", "openslo-lenny", "session-availability.yaml"),
	} {
		t.Run(path, func(t *testing.T) {
			res, diags, err := Test(TestOptions{Paths: []string{path}})
			if err != nil || res == nil {
				t.Fatalf("%v\n%s", err, diagText(diags))
			}
			if len(res.Results) < 2 {
				t.Errorf("only %d scenarios", len(res.Results))
			}
			for _, r := range res.Results {
				if len(r.Failures) > 0 {
					t.Errorf("%s: failed: %v", r.Scenario.Name, r.Failures)
				}
			}
		})
	}
}

// TestImportPyrraNamesEqualLowerCased: two Pyrra objectives whose names
// differ only in case (Pyrra takes both; slo lower-cases names) import to
// the same service and SLO name: the import merges the documents of one
// service into one spec, where the SLO is then defined twice
// (lint/duplicate-slo), and refuses it before writing anything.
func TestImportPyrraNamesEqualLowerCased(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(inputTestdata, "pyrra-rhobs", "mst-production-api-metrics-read-100M-latency-slo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	lower := strings.NewReplacer("name: api-metrics-read-100M-latency-slo", "name: api-metrics-read-100m-latency-slo",
		"name: APIMetricsReadLatency100MErrorBudgetBurning", "name: APIMetricsReadLatency100MLowerBudgetBurning").Replace(string(src))
	if lower == string(src) || strings.Count(lower, "100m-latency-slo") != 1 || strings.Count(lower, "LowerBudget") != 1 {
		t.Fatalf("the fixture changed; the test's replacements no longer apply:\n%s", src)
	}
	for name, data := range map[string]string{"upper.yaml": string(src), "lower.yaml": lower} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, diags, err := Import(ImportOptions{Paths: []string{dir}, Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if files != nil {
		t.Errorf("imported %d files, want none", len(files))
	}
	var errs []string
	for _, d := range diags.Sorted() {
		if d.Severity == diag.Error {
			errs = append(errs, d.Code)
		}
	}
	if diff := cmp.Diff([]string{"lint/duplicate-slo"}, errs); diff != "" {
		t.Errorf("error codes (-want +got):\n%s\n%s", diff, diagText(diags))
	}
}
