package promtool

// The unit-test file format is copied from Prometheus'
// cmd/promtool/unittest.go (v0.315.0), so that files read the same as in
// `promtool test rules`.
//
// Copyright The Prometheus Authors.
// Licensed under the Apache License, Version 2.0 (the "License"); you may
// not use this file except in compliance with the License. You may obtain
// a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.

import (
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/slo-compiler/slo/internal/simulate"
)

// FileType is the Go type a test file is decoded into (with yaml.v2,
// strictly): for finding the field a refused file got wrong, at its node.
var FileType = reflect.TypeFor[unitTestFile]()

// unitTestFile holds the contents of a single unit test file.
type unitTestFile struct {
	RuleFiles          []string       `yaml:"rule_files"`
	EvaluationInterval model.Duration `yaml:"evaluation_interval,omitempty"`
	GroupEvalOrder     []string       `yaml:"group_eval_order"`
	Tests              []testGroup    `yaml:"tests"`
	FuzzyCompare       bool           `yaml:"fuzzy_compare,omitempty"`
}

// resolveAndGlobFilepaths joins all relative paths in a configuration
// with a given base directory and replaces all globs with matching files.
// Warnings promtool prints to stderr are returned instead, with the index
// in rule_files of each pattern that matches no file.
func resolveAndGlobFilepaths(baseDir string, utf *unitTestFile) (warnings []string, unmatched []int, err error) {
	for i, rf := range utf.RuleFiles {
		if rf != "" && !filepath.IsAbs(rf) {
			utf.RuleFiles[i] = filepath.Join(baseDir, rf)
		}
	}

	var globbedFiles []string
	for i, rf := range utf.RuleFiles {
		m, err := filepath.Glob(rf)
		if err != nil {
			return warnings, unmatched, err
		}
		if len(m) == 0 {
			warnings = append(warnings, fmt.Sprint("  WARNING: no file match pattern ", rf))
			unmatched = append(unmatched, i)
		}
		globbedFiles = append(globbedFiles, m...)
	}
	utf.RuleFiles = globbedFiles
	return warnings, unmatched, nil
}

// testStartTimestamp wraps time.Time to support custom YAML unmarshaling.
// It can parse both RFC3339 timestamps and Unix timestamps.
type testStartTimestamp struct {
	time.Time
}

// UnmarshalYAML implements custom YAML unmarshaling for testStartTimestamp.
func (t *testStartTimestamp) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return err
	}
	parsed, err := parseTime(s)
	if err != nil {
		return err
	}
	t.Time = parsed
	return nil
}

// parseTime is promtool's: RFC3339 or (fractional) Unix seconds.
func parseTime(s string) (time.Time, error) {
	if t, err := strconv.ParseFloat(s, 64); err == nil {
		s, ns := math.Modf(t)
		return time.Unix(int64(s), int64(ns*float64(time.Second))).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("cannot parse %q to a valid timestamp", s)
}

// testGroup is a group of input series and tests associated with it.
type testGroup struct {
	Interval        model.Duration     `yaml:"interval"`
	InputSeries     []series           `yaml:"input_series"`
	AlertRuleTests  []alertTestCase    `yaml:"alert_rule_test,omitempty"`
	PromqlExprTests []promqlTestCase   `yaml:"promql_expr_test,omitempty"`
	ExternalLabels  labels.Labels      `yaml:"external_labels,omitempty"`
	ExternalURL     string             `yaml:"external_url,omitempty"`
	TestGroupName   string             `yaml:"name,omitempty"`
	StartTimestamp  testStartTimestamp `yaml:"start_timestamp,omitempty"`
}

// maxEvalTime returns the max eval time among all alert and promql unit tests.
func (tg *testGroup) maxEvalTime() time.Duration {
	var maxd model.Duration
	for _, alert := range tg.AlertRuleTests {
		if alert.EvalTime > maxd {
			maxd = alert.EvalTime
		}
	}
	for _, pet := range tg.PromqlExprTests {
		if pet.EvalTime > maxd {
			maxd = pet.EvalTime
		}
	}
	return time.Duration(maxd)
}

type series struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

type alertTestCase struct {
	EvalTime  model.Duration `yaml:"eval_time"`
	Alertname string         `yaml:"alertname"`
	ExpAlerts []alert        `yaml:"exp_alerts"`
}

type alert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations"`
}

type promqlTestCase struct {
	Expr       string         `yaml:"expr"`
	EvalTime   model.Duration `yaml:"eval_time"`
	ExpSamples []sample       `yaml:"exp_samples"`
}

type sample struct {
	Labels    string  `yaml:"labels"`
	Value     float64 `yaml:"value"`
	Histogram string  `yaml:"histogram"` // A non-empty string means Value is ignored.
}

// input turns test group i of the file into the simulator's input.
func (utf *unitTestFile) input(i int) simulate.Input {
	tg := &utf.Tests[i]
	in := simulate.Input{
		Name:         tg.TestGroupName,
		RuleFiles:    utf.RuleFiles,
		EvalInterval: time.Duration(utf.EvaluationInterval),
		Interval:     time.Duration(tg.Interval),
		ExternalURL:  tg.ExternalURL,
		Start:        tg.StartTimestamp.Time,
		Fuzzy:        utf.FuzzyCompare,
	}
	for _, s := range tg.InputSeries {
		in.Series = append(in.Series, simulate.SeriesInput{Series: s.Series, Values: s.Values})
	}
	for _, a := range tg.AlertRuleTests {
		at := simulate.AlertTest{At: time.Duration(a.EvalTime), Alertname: a.Alertname}
		for _, e := range a.ExpAlerts {
			at.Firing = append(at.Firing, simulate.ExpectedAlert{Labels: e.ExpLabels, Annotations: e.ExpAnnotations})
		}
		in.AlertTests = append(in.AlertTests, at)
	}
	for _, e := range tg.PromqlExprTests {
		et := simulate.ExprTest{Expr: e.Expr, At: time.Duration(e.EvalTime)}
		for _, s := range e.ExpSamples {
			et.Samples = append(et.Samples, simulate.ExpectedSample{Labels: s.Labels, Value: s.Value, Histogram: s.Histogram})
		}
		in.ExprTests = append(in.ExprTests, et)
	}
	if tg.ExternalLabels.Len() > 0 {
		in.ExternalLabels = tg.ExternalLabels.Map()
	}
	return in
}
