package spec

import (
	"bytes"
	"errors"
	"io"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
)

// ScenarioFile is a hand-written test file under tests/: the spec it tests
// and test groups in promtool's vocabulary, with slo's additions (pending
// and range assertions, receivers).
type ScenarioFile struct {
	Node    `yaml:"-"`
	Version string `yaml:"version"`
	// Spec names the spec files or folders the harness compiles, relative to
	// this file; routing documents among them give the receivers.
	Spec               StringList      `yaml:"spec"`
	EvaluationInterval *Duration       `yaml:"evaluation_interval"`
	Tests              []*ScenarioTest `yaml:"tests"`
}

// ScenarioTest is one test group: input series and what must happen.
type ScenarioTest struct {
	Node           `yaml:"-"`
	Name           string            `yaml:"name"`
	Interval       *Duration         `yaml:"interval"`
	InputSeries    []*InputSeries    `yaml:"input_series"`
	AlertRuleTest  []*AlertRuleTest  `yaml:"alert_rule_test"`
	AlertRangeTest []*AlertRangeTest `yaml:"alert_range_test"`
	PromQLExprTest []*PromQLExprTest `yaml:"promql_expr_test"`
	ExternalLabels map[string]string `yaml:"external_labels"`
}

// InputSeries is a series and its values in promtool's expanding notation
// ("0+10x60", "_", "stale").
type InputSeries struct {
	Node   `yaml:"-"`
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

// AlertRuleTest checks the alerts of one name at one time, like promtool's;
// exp_pending additionally checks the pending ones.
type AlertRuleTest struct {
	Node       `yaml:"-"`
	EvalTime   *Duration   `yaml:"eval_time"`
	Alertname  string      `yaml:"alertname"`
	ExpAlerts  []*ExpAlert `yaml:"exp_alerts"`
	ExpPending []*ExpAlert `yaml:"exp_pending"`
}

// ExpAlert is an expected alert: its labels (all of them but alertname),
// annotations, and optionally the receivers Alertmanager delivers it to.
type ExpAlert struct {
	Node           `yaml:"-"`
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations"`
	ExpReceivers   *StringList       `yaml:"exp_receivers"`
}

// AlertRangeTest asserts over a span of time: the alert never fires, fires
// within a duration, or has resolved by a time. Labels select the alerts
// (a subset match); none selects every alert of the name.
type AlertRangeTest struct {
	Node        `yaml:"-"`
	Alertname   string            `yaml:"alertname"`
	Labels      map[string]string `yaml:"labels"`
	NeverFires  *TimeRange        `yaml:"never_fires"`
	AlwaysFires *TimeRange        `yaml:"always_fires"`
	FiresWithin *FiresWithin      `yaml:"fires_within"`
	ResolvedBy  *Duration         `yaml:"resolved_by"`
}

// TimeRange is [from, to], both offsets from the test's start.
type TimeRange struct {
	Node `yaml:"-"`
	From *Duration `yaml:"from"`
	To   *Duration `yaml:"to"`
}

// FiresWithin says the alert fires at some evaluation in [after, after+within].
type FiresWithin struct {
	Node   `yaml:"-"`
	After  *Duration `yaml:"after"`
	Within *Duration `yaml:"within"`
}

// PromQLExprTest checks an expression at one time, like promtool's.
type PromQLExprTest struct {
	Node       `yaml:"-"`
	Expr       *Expr        `yaml:"expr"`
	EvalTime   *Duration    `yaml:"eval_time"`
	ExpSamples []*ExpSample `yaml:"exp_samples"`
}

// ExpSample is an expected sample: its series and value.
type ExpSample struct {
	Node   `yaml:"-"`
	Labels string   `yaml:"labels"`
	Value  *float64 `yaml:"value"`
}

// StringList is a string or a list of strings.
type StringList struct {
	Node   `yaml:"-"`
	Values []string
}

func (s *StringList) decodeYAML(d *decoder, n *yaml.Node, what string) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		s.Values = []string{n.Value}
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.typeError(n, what, "a string or a list of strings")
		return
	}
	s.Values = []string{}
	for i, e := range n.Content {
		if e.Kind != yaml.ScalarNode || e.Tag == "!!null" {
			d.typeError(e, what+"["+strconv.Itoa(i)+"]", "a string")
			continue
		}
		s.Values = append(s.Values, e.Value)
	}
}

// ParseScenario decodes a scenario file, reporting every problem at its
// position.
func ParseScenario(path string, src []byte) (*ScenarioFile, diag.List) {
	var diags diag.List
	d := &decoder{file: path, lines: splitLines(src), diags: &diags}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			diags.Errorf(diag.Pos{File: path}, "scenario/empty", "empty scenario file")
		} else {
			diags = append(diags, YAMLError(path, src, dec, err))
		}
		return nil, diags
	}
	f := &ScenarioFile{}
	if len(doc.Content) == 0 {
		diags.Errorf(diag.Pos{File: path}, "scenario/empty", "empty scenario file")
		return nil, diags
	}
	if !d.decodeStruct(doc.Content[0], f, "") {
		return nil, diags // not a mapping: nothing to check the version of
	}
	d.checkVersion(f.Version, &f.Node)
	return f, diags
}
