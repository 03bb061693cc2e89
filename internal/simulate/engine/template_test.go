package engine

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/rules"

	"github.com/slo-compiler/slo/internal/promx"
)

// TestTemplateMayQuery checks promx.TemplateMayQuery, which lets the
// planner skip steps of an alert whose templates do not query, against
// Prometheus's own rules manager (which only this package may import): a
// template it says does not query must not make the manager run a query.
func TestTemplateMayQuery(t *testing.T) {
	for text, want := range map[string]bool{
		`{{ with query "up" }}{{ . | first | value }}{{ end }}`:                       true,
		`{{ $labels.job }} is {{ $value | humanize }}`:                                false,
		`{{ if true }}{{ else }}{{ range query "up" }}{{ .Value }}{{ end }}{{ end }}`: true,
		`{{ "up" | query | first | value }}`:                                          true,
		`{{ define "q" }}{{ query "up" }}{{ end }}{{ template "q" }}`:                 true,
		`{{ template "q" }}{{ define "q" }}{{ query "up" }}{{ end }}`:                 true,
		`{{ block "q" . }}{{ query "up" }}{{ end }}`:                                  true,
		`{{- query "up" | len -}}`:                                                    true,
		`{{ $q := query "up" }}{{ len $q }}`:                                          true,
		`{{ range $i, $s := query "up" }}{{ $i }}{{ end }}`:                           true,
		`{{ (query "up" | first).Labels }}`:                                           true,
		`{{ len (query "up") }}`:                                                      true,
		`{{ if query "up" }}yes{{ end }}`:                                             true,
		`{{ with $externalURL }}{{ . }}{{ end }}{{ $externalLabels.query }}`:          false,
		// The word outside an action, or as data, runs nothing: a real
		// project's descriptions and SLO names (rhobs/configuration).
		`API logs /query, /labels handler is burning too much error budget`: false,
		`{{ $labels.slo }} (logs-query-availability) is burning`:            false,
		`{{ "query" }} and {{ $labels.query }}`:                             false,
		`{{/* query "up" */}}{{ $value }}`:                                  false,
		`{{ $query := "up" }}{{ $query | printf "%s" }}`:                    false,
		// A template that does not parse (here in Prometheus too): assumed
		// to query.
		`{{ query "up" `:             true,
		`{{ $undefined }} query`:     true,
		`{{ end }}{{ query "up" }}`:  true,
		`{{ query "up" }}{{ else }}`: true,
	} {
		got := promx.TemplateMayQuery(text)
		if got != want {
			t.Errorf("TemplateMayQuery(%q) = %v, want %v", text, got, want)
		}
		if !got && expandQueries(t, text) {
			t.Errorf("TemplateMayQuery(%q) = false, but Prometheus's rules manager runs a query expanding it", text)
		}
	}
}

// expandQueries reports whether Prometheus's rules manager, firing an alert
// whose label and annotation are text, runs a query other than the alert's
// expression: the ground truth TemplateMayQuery must not miss.
func expandQueries(t *testing.T, text string) bool {
	t.Helper()
	const expr = "vector(1)"
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Fatal(err)
	}
	l := labels.FromStrings("t", text)
	r := rules.NewAlertingRule("A", e, 0, 0, l, l, labels.EmptyLabels(), "", true, promslog.NewNopLogger())
	queried := false
	query := func(_ context.Context, q string, ts time.Time) (promql.Vector, error) {
		if q != expr {
			queried = true
		}
		return promql.Vector{{Metric: labels.FromStrings("job", "x"), T: ts.UnixMilli(), F: 1}}, nil
	}
	if _, err := r.Eval(context.Background(), 0, time.Unix(60, 0), query, nil, 0); err != nil {
		t.Fatal(err)
	}
	return queried
}
