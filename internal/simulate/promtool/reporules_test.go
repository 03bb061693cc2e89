package promtool

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v2"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/slo-compiler/slo/internal/simulate/simtest"
)

// TestRepoRulesModesAgree builds a probe test for every rule file the
// compiler wrote to the repository's rules/ folder: input series for
// every selector that does not read a recorded metric, assertions with
// empty expectations for every alert and recorded metric at random times.
// On-demand and exhaustive evaluation must print the same failures.
func TestRepoRulesModesAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "rules", "*.yml"))
	if len(files) == 0 {
		t.Fatal("no rules/*.yml in the repository")
	}
	for i, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			abs, err := filepath.Abs(f)
			if err != nil {
				t.Fatal(err)
			}
			test, ok := probeForRuleFile(t, abs, rand.New(rand.NewSource(int64(i+1))))
			if !ok {
				t.Skip("no selectors")
			}
			p := simtest.Write(t, t.TempDir(), "test.yml", test)
			od, ex := runBoth2(t, p)
			if d := cmp.Diff(ex.Errors(), od.Errors()); d != "" {
				t.Errorf("modes differ (-exhaustive +on-demand):\n%s", d)
			}
			if ex.Passed() {
				t.Error("the probe assertions should fail")
			}
			for _, g := range od.Groups {
				if g.Stats.Fallback != "" || g.Stats.RuleEvals+g.Stats.MaterializedSteps >= ex.Groups[0].Stats.RuleEvals {
					t.Errorf("on-demand stats %+v, exhaustive %+v", g.Stats, ex.Groups[0].Stats)
				}
			}
		})
	}
}

var regexCandidates = []string{"500", "503", "200", "failed", "failure", "completed", "success", "true", "1", "a"}

// probeForRuleFile returns a promtool test file for the rules in path.
func probeForRuleFile(t *testing.T, path string, r *rand.Rand) (string, bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Rules []struct {
				Record string `yaml:"record"`
				Alert  string `yaml:"alert"`
				Expr   string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	p := parser.NewParser(parser.Options{})
	recorded := map[string]bool{}
	var alerts []string
	var exprs []parser.Expr
	for _, g := range doc.Groups {
		for _, rl := range g.Rules {
			if rl.Record != "" {
				recorded[rl.Record] = true
			} else if !slices.Contains(alerts, rl.Alert) {
				alerts = append(alerts, rl.Alert)
			}
			e, err := p.ParseExpr(rl.Expr)
			if err != nil {
				t.Fatalf("%s: %v", rl.Expr, err)
			}
			exprs = append(exprs, e)
		}
	}
	series := map[string]bool{}
	for _, e := range exprs {
		parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
			vs, ok := n.(*parser.VectorSelector)
			if !ok || recorded[vs.Name] || vs.Name == "" || vs.Name == "ALERTS" {
				return nil
			}
			lb := labels.NewBuilder(labels.EmptyLabels())
			for _, m := range vs.LabelMatchers {
				switch m.Type {
				case labels.MatchEqual:
					lb.Set(m.Name, m.Value)
				case labels.MatchRegexp:
					for _, c := range append(strings.Split(m.Value, "|"), regexCandidates...) {
						if m.Matches(c) {
							lb.Set(m.Name, c)
							break
						}
					}
				}
			}
			series[lb.Labels().String()] = true
			// A sibling that regex matchers do not select (the "good"
			// events of a ratio).
			lb.Set("code", "200")
			lb.Set("status", "completed")
			series[lb.Labels().String()] = true
			return nil
		})
	}
	if len(series) == 0 {
		return "", false
	}
	keys := make([]string, 0, len(series))
	for k := range series {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	counter := regexp.MustCompile(`__name__="[^"]*_(total|count|sum|bucket)"`)
	const steps = 24 * 12 // one day at 5m
	var sb strings.Builder
	fmt.Fprintf(&sb, "rule_files: [%q]\nevaluation_interval: 5m\ntests:\n  - interval: 5m\n    input_series:\n", path)
	for _, k := range keys {
		fmt.Fprintf(&sb, "      - series: '%s'\n        values: '%s'\n", k, simtest.RandomValues(r, steps, counter.MatchString(k)))
	}
	sb.WriteString("    alert_rule_test:\n")
	for i := 0; i < 12 && len(alerts) > 0; i++ {
		fmt.Fprintf(&sb, "      - {eval_time: %dm, alertname: %s, exp_alerts: [{exp_labels: {probe: x}}]}\n", 5*r.Intn(steps), alerts[r.Intn(len(alerts))])
	}
	sb.WriteString("    promql_expr_test:\n")
	names := make([]string, 0, len(recorded))
	for n := range recorded {
		names = append(names, n)
	}
	sort.Strings(names)
	for i := 0; i < 12 && len(names) > 0; i++ {
		fmt.Fprintf(&sb, "      - {expr: '%s', eval_time: %dm}\n", names[r.Intn(len(names))], 5*r.Intn(steps)+r.Intn(5))
	}
	return sb.String(), true
}
