package app

import (
	"bytes"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2" // the promtool runner's YAML module
	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/simulate"
	"github.com/slo-compiler/slo/internal/simulate/promtool"
	"github.com/slo-compiler/slo/internal/spec"
	"github.com/slo-compiler/slo/internal/yamlschema"
)

// promtoolFailures turns a failure of a promtool test file, at pos, into
// failures at the lines and columns they are about. When the file could
// not be loaded, it is read again with yaml.v3: a YAML syntax error is
// placed where the parser stopped, and the decoder's unknown or mistyped
// fields are found by walking the file against promtool's format
// (promtoolFile), each at its node. Anything else (promtool's own failure
// reports, several lines by design) stays one failure at pos.
func promtoolFailures(pos diag.Pos, f simulate.Failure) []scenario.Failure {
	whole := []scenario.Failure{{Pos: pos, Message: strings.TrimSpace(promtool.Format(f, "    "))}}
	if f.Kind != simulate.Load || pos.File == "" {
		return whole
	}
	src, err := os.ReadFile(pos.File)
	if err != nil {
		return whole
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		// The runner's failure is this syntax error only when its own
		// YAML module cannot read the file either.
		var v any
		if errors.Is(err, io.EOF) || yamlv2.Unmarshal(src, &v) == nil {
			return whole
		}
		d := spec.YAMLError(pos.File, src, dec, err)
		return []scenario.Failure{{Pos: d.Pos, Message: d.Message}}
	}
	var te *yamlv2.TypeError
	if !errors.As(f.Err, &te) || len(doc.Content) == 0 {
		return whole
	}
	var out []scenario.Failure
	for _, p := range promtoolSchema.Fields(doc.Content[0], reflect.TypeFor[promtoolFile]()) {
		at := pos
		at.Line, at.Col = p.Node.Line, p.Node.Column
		out = append(out, scenario.Failure{Pos: at, Message: "yaml: " + p.Message})
	}
	if len(out) == 0 {
		return whole
	}
	return out
}

var promtoolSchema = yamlschema.Checker{
	Decode: func(n *yaml.Node, t reflect.Type) error {
		b, err := yaml.Marshal(n)
		if err != nil {
			return err
		}
		return yamlv2.UnmarshalStrict(b, reflect.New(t).Interface())
	},
	// The types below stand for the promtool runner's own, and are named
	// as those are.
	TypeName: func(t reflect.Type) string {
		if name, ok := promtoolTypeNames[t]; ok {
			return name
		}
		return t.String()
	},
}

var promtoolTypeNames = map[reflect.Type]string{
	reflect.TypeFor[promtoolFile]():        "promtool.unitTestFile",
	reflect.TypeFor[[]promtoolGroup]():     "[]promtool.testGroup",
	reflect.TypeFor[promtoolGroup]():       "promtool.testGroup",
	reflect.TypeFor[[]promtoolSeries]():    "[]promtool.series",
	reflect.TypeFor[promtoolSeries]():      "promtool.series",
	reflect.TypeFor[[]promtoolAlertTest](): "[]promtool.alertTestCase",
	reflect.TypeFor[promtoolAlertTest]():   "promtool.alertTestCase",
	reflect.TypeFor[[]promtoolAlert]():     "[]promtool.alert",
	reflect.TypeFor[promtoolAlert]():       "promtool.alert",
	reflect.TypeFor[[]promtoolExprTest]():  "[]promtool.promqlTestCase",
	reflect.TypeFor[promtoolExprTest]():    "promtool.promqlTestCase",
	reflect.TypeFor[[]promtoolSample]():    "[]promtool.sample",
	reflect.TypeFor[promtoolSample]():      "promtool.sample",
}

// promtoolFile is the format of a promtool test file, as the promtool
// runner (package simulate/promtool, whose types are its own) decodes it:
// the fields of each level, for finding the unknown ones. Scalars are
// strings here; only the names and the shape are read.
// TestPromtoolFileFormat keeps it in step with the runner.
type promtoolFile struct {
	RuleFiles          []string        `yaml:"rule_files"`
	EvaluationInterval string          `yaml:"evaluation_interval"`
	GroupEvalOrder     []string        `yaml:"group_eval_order"`
	Tests              []promtoolGroup `yaml:"tests"`
	FuzzyCompare       string          `yaml:"fuzzy_compare"`
}

type promtoolGroup struct {
	Interval        string              `yaml:"interval"`
	InputSeries     []promtoolSeries    `yaml:"input_series"`
	AlertRuleTests  []promtoolAlertTest `yaml:"alert_rule_test"`
	PromqlExprTests []promtoolExprTest  `yaml:"promql_expr_test"`
	ExternalLabels  map[string]string   `yaml:"external_labels"`
	ExternalURL     string              `yaml:"external_url"`
	TestGroupName   string              `yaml:"name"`
	StartTimestamp  string              `yaml:"start_timestamp"`
}

type promtoolSeries struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

type promtoolAlertTest struct {
	EvalTime  string          `yaml:"eval_time"`
	Alertname string          `yaml:"alertname"`
	ExpAlerts []promtoolAlert `yaml:"exp_alerts"`
}

type promtoolAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations"`
}

type promtoolExprTest struct {
	Expr       string           `yaml:"expr"`
	EvalTime   string           `yaml:"eval_time"`
	ExpSamples []promtoolSample `yaml:"exp_samples"`
}

type promtoolSample struct {
	Labels    string `yaml:"labels"`
	Value     string `yaml:"value"`
	Histogram string `yaml:"histogram"`
}
