package input

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/spec"
	"github.com/slo-compiler/slo/internal/validate"
)

// TestSlothDiagnostics: mistakes in a Sloth file are reported at the
// file's own lines and columns, with the field's name in Sloth's terms,
// and a file that only looks like a Sloth spec gets one hint.
func TestSlothDiagnostics(t *testing.T) {
	for name, tc := range map[string]struct{ src, want string }{
		"unknown field": {`version: prometheus/v1
service: api
slos:
  - name: avail
    objectve: 99.9
    sli:
      raw:
        error_ratio_query: rate(x[{{.window}}])
`, `a.yml:4:5: error: objective: missing; expected a percentage such as 99.9 [spec/required]
a.yml:5:5: error: unknown field "objectve" in slos[0]; did you mean "objective"? [spec/unknown-field]`},
		// A query that does not parse is reported in its own field: in
		// Sloth's own ratio of the two, the parser's offsets past the
		// error query would point into the wrong line.
		"promql error in the total query": {`version: prometheus/v1
service: api
slos:
  - name: avail
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="api"[{{.window}}]))
`, `a.yml:9:60: error: slos[0].sli.events.total_query: unexpected character inside braces: '[' [promql/syntax]`},
		// In a double-quoted query, past its escapes, and with spaces
		// in the window templates.
		"promql error in a quoted query": {`version: prometheus/v1
service: api
slos:
  - name: avail
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(a{code=~"5.."}[{{.window}}])) + sum(rate(b[{{.window}}]))
        total_query: "sum(rate(c{x=\"y\"}[{{ .window }}])) + sum(rate(d{job=\"api\"[{{ .window }}]))"
`, `a.yml:9:84: error: slos[0].sli.events.total_query: unexpected character inside braces: '[' [promql/syntax]`},
		"promql error at the query": {`version: prometheus/v1
service: api
slos:
  - name: avail
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}])
        total_query: sum(rate(http_requests_total[{{.window}}]))
`, `a.yml:8:25: error: slos[0].sli.events.error_query: unclosed '(': no ')' closes it [promql/syntax]`},
		"camelCase in the Kubernetes form": {`apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
spec:
  service: api
  slos:
    - name: avail
      objective: 99.9
      sli:
        events:
          error_query: x
          totalQuery: y
`, `a.yml:10:11: error: spec.slos[0].sli.events.errorQuery: missing [spec/required]
a.yml:10:11: error: unknown field "error_query" in spec.slos[0].sli.events; did you mean "errorQuery"? [spec/unknown-field]`},
		// A Sloth spec written without SLOs is empty; one whose SLOs an
		// error left out (above) is not.
		"Sloth spec without SLOs": {`version: prometheus/v1
service: api
slos: []
`, `a.yml:1:1: warning: service "api" has no slos and no alerts [spec/empty]`},
		"no version": {`service: api
slos:
  - name: avail
    objective: 99.9
    sli:
      events: {error_query: a, total_query: b}
`, `a.yml:1:1: error: this looks like a Sloth spec, but its version is missing; slo reads version: slo/v1, Sloth version: prometheus/v1 or apiVersion: sloth.slok.dev/v1 kind: PrometheusServiceLevel, apiVersion: openslo/v1 or openslo.com/v1 (SLO, SLI, AlertPolicy, AlertCondition, AlertNotificationTarget, Service), apiVersion: openslo/v1alpha kind: SLO, apiVersion: pyrra.dev/v1alpha1 kind: ServiceLevelObjective [input/format]`},
		"OpenSLO reference to a missing object": {`apiVersion: openslo/v1
kind: SLO
metadata:
  name: avail
spec:
  service: api
  indicatorRef: api-errors
  objectives:
    - target: 0.99
`, `a.yml:7:17: error: indicatorRef: no SLI named "api-errors" in this file [input/reference]`},
		"OpenSLO v2alpha gets a hint": {`apiVersion: openslo/v2alpha
kind: SLO
metadata:
  name: avail
`, `a.yml:1:13: error: apiVersion "openslo/v2alpha", kind "SLO": not a format slo reads; this looks like an OpenSLO spec, of a version or kind slo does not read; slo reads version: slo/v1, Sloth version: prometheus/v1 or apiVersion: sloth.slok.dev/v1 kind: PrometheusServiceLevel, apiVersion: openslo/v1 or openslo.com/v1 (SLO, SLI, AlertPolicy, AlertCondition, AlertNotificationTarget, Service), apiVersion: openslo/v1alpha kind: SLO, apiVersion: pyrra.dev/v1alpha1 kind: ServiceLevelObjective [input/format]`},
		// A data source of another type whose query is no PromQL.
		"OpenSLO type Any with a query that is not PromQL": {`apiVersion: openslo/v1
kind: SLO
metadata:
  name: avail
spec:
  service: api
  indicator:
    metadata:
      name: errors
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Datadog
            spec:
              query: sum:requests.ok{*}.as_count()
        total:
          metricSource:
            type: Datadog
            spec:
              query: sum:requests{*}.as_count()
  objectives:
    - target: 0.99
`, `a.yml:15:19: error: ratioMetric.good.metricSource.type: slo compiles to Prometheus rules and reads Prometheus queries only, got type "Datadog" with a spec.query that is not PromQL [input/unsupported]
a.yml:20:19: error: ratioMetric.total.metricSource.type: slo compiles to Prometheus rules and reads Prometheus queries only, got type "Datadog" with a spec.query that is not PromQL [input/unsupported]`},
		// The rate of a counter over a fixed range is read as the
		// counter (openshift-online/maestro's queries); by a label it is
		// not: slo's ratio sums over every label.
		"OpenSLO rate of a counter by a label": {`apiVersion: openslo/v1
kind: SLO
metadata:
  name: avail
spec:
  service: api
  indicator:
    metadata:
      name: errors
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum by (code) (rate(requests_total{code!~"5.."}[5m]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(requests_total[5m]))
  objectives:
    - target: 0.99
`, `a.yml:17:22: error: ratioMetric.good query: slo reads a counter's selector, sum(selector) or sum(rate(selector[range])), and takes its rate over each window itself; with counter: false, any query, whose values it sums [input/unsupported]`},
		// counter: false says the queries are gauges, as rates are: the
		// rates of counters are read as their counters.
		"OpenSLO rates of counters with counter false": {`apiVersion: openslo/v1
kind: SLO
metadata:
  name: avail
spec:
  service: api
  indicator:
    metadata:
      name: errors
    spec:
      ratioMetric:
        counter: false
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(requests_total{code!~"5.."}[1m]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(requests_total[1m]))
  objectives:
    - target: 0.99
`, `a.yml:17:22: warning: ratioMetric.good query: the rate of counter "requests_total{code!~\"5..\"}" over 1m is read as the counter: slo takes its rate over each window of the SLO itself [input/assumed]
a.yml:22:22: warning: ratioMetric.total query: the rate of counter "requests_total" over 1m is read as the counter: slo takes its rate over each window of the SLO itself [input/assumed]`},
		// good as total minus bad is bad; minus anything else is not.
		"OpenSLO good as another counter minus bad": {`apiVersion: openslo/v1
kind: SLO
metadata:
  name: avail
spec:
  service: api
  indicator:
    metadata:
      name: errors
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(adds_total[5m])) - sum(rate(retries_total[5m]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(requests_total[5m]))
  objectives:
    - target: 0.99
`, `a.yml:17:22: error: ratioMetric.good query: slo reads good as total minus bad events only where its first counter is total's: "adds_total" is not total's counter [input/unsupported]`},
		"OpenSLO good as total minus bad": {`apiVersion: openslo/v1
kind: SLO
metadata:
  name: avail
spec:
  service: api
  indicator:
    metadata:
      name: errors
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(adds_total{job="q"}[5m])) - sum(rate(retries_total[5m]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(adds_total{job = "q"}[5m]))
  objectives:
    - target: 0.99
`, `a.yml:17:22: warning: ratioMetric.good query: "adds_total{job=\"q\"}" minus "retries_total", total's counter minus another, is read as good = total - bad: imported as bad: retries_total; slo takes the rates over each window itself, not over 5m [input/assumed]
a.yml:22:22: warning: ratioMetric.total query: the rate of counter "adds_total{job = \"q\"}" over 5m is read as the counter: slo takes its rate over each window of the SLO itself [input/assumed]`},
		// A data source of another file (Kubernetes operators keep them
		// apart): a query that is PromQL is read as Prometheus's, with a
		// warning; one that is not is an error.
		"OpenSLO metricSourceRef to another file": {`apiVersion: openslo/v1
kind: SLO
metadata:
  name: avail
spec:
  service: api
  indicator:
    metadata:
      name: errors
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            metricSourceRef: datadog
            spec:
              query: sum:requests.ok{*}.as_count()
        total:
          metricSource:
            metricSourceRef: datadog
            spec:
              query: requests_total
  objectives:
    - target: 0.99
`, `a.yml:15:30: error: metricSourceRef: no DataSource named "datadog" in this file, and spec.query is not PromQL: slo reads Prometheus queries only [input/reference]`},
		// OpenSLO as Kubernetes resources (oskoperator/osko).
		"OpenSLO openslo.com/v1": {`apiVersion: openslo.com/v1
kind: SLO
metadata:
  name: avail
  namespace: default
spec:
  service: api
  indicator:
    metadata:
      name: errors
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: requests_total{code!~"5.."}
        total:
          metricSource:
            type: Prometheus
            spec:
              query: requests_total
  objectives:
    - target: "0.99"
  timeWindow:
    - duration: 28d
      isRolling: true
`, ``},
		"OpenSLO threshold SLI without a value": {`apiVersion: openslo/v1
kind: SLO
metadata:
  name: fast
spec:
  service: api
  indicator:
    metadata:
      name: latency
    spec:
      thresholdMetric:
        metricSource:
          type: Prometheus
          spec:
            query: job:latency_seconds:p99
  objectives:
    - op: lte
      target: 0.99
`, `a.yml:17:7: error: spec.objectives[0].value: missing; a threshold SLI needs op and value [spec/required]`},
		"OpenSLO v1alpha threshold objective": {`apiVersion: openslo/v1alpha
kind: SLO
metadata:
  name: fast
spec:
  service: api
  objectives:
    - op: lt
      value: 0.5
      target: 0.99
  timeWindows:
    - count: 1
      unit: Month
`, `a.yml:8:7: error: spec.objectives[0].op: threshold objectives have no slo/v1 equivalent, and Sloth reads ratioMetrics only [input/unsupported]
a.yml:13:13: error: spec.timeWindows[0].unit: slo's periods are days or weeks (Sloth reads Day only), got "Month" [input/unsupported]`},
		// Renamed when two services share a name, not when one service
		// uses it twice: that is lint/duplicate-alert's to report.
		"Sloth alert names shared within one service": {`version: prometheus/v1
service: api
slos:
  - name: a
    objective: 99.9
    sli: {raw: {error_ratio_query: "rate(x[{{.window}}])"}}
    alerting: {name: Burn, page_alert: {disable: true}}
  - name: b
    objective: 99.9
    sli: {raw: {error_ratio_query: "rate(y[{{.window}}])"}}
    alerting: {name: Burn, page_alert: {disable: true}}
`, `a.yml:8:5: error: alert "Burn" is defined twice; first at a.yml:4:5; rename one [lint/duplicate-alert]`},
		"a plain slo spec is left alone": {`version: slo/v1
service: api
`, `a.yml:1:1: warning: service "api" has no slos and no alerts [spec/empty]`},
	} {
		t.Run(name, func(t *testing.T) {
			f, _, diags := Parse("a.yml", []byte(tc.src))
			if f != nil {
				_, ds := validate.Project([]*spec.File{f}, validate.Options{})
				diags = append(diags, ds...)
			}
			var got []string
			for _, d := range diags.Sorted() {
				if d.Code != "input/unmapped" {
					got = append(got, d.String())
				}
			}
			if diff := cmp.Diff(tc.want, strings.Join(got, "\n")); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestPercent(t *testing.T) {
	for in, want := range map[string]string{"0.999": "99.9", "0.99": "99", "0.9": "90", "0.9995": "99.95", "0": "0", "0.005": "0.5", "0.12345": "12.345"} {
		if got, err := percent(in); err != nil || got != want {
			t.Errorf("percent(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"1", "1.5", "-0.1", "x"} {
		if got, err := percent(bad); err == nil {
			t.Errorf("percent(%s) = %q, want an error", bad, got)
		}
	}
}

func TestHistogramOf(t *testing.T) {
	for _, tc := range []struct{ bucket, count, hist, le string }{
		{`caddy_seconds_bucket{job="caddy",code!~"5..",le="0.05"}`, `caddy_seconds_count{job="caddy",code!~"5.."}`, `caddy_seconds{job="caddy",code!~"5.."}`, "0.05"},
		{`x_bucket{le="1"}`, `x_count`, `x`, "1"},
		// Matchers that differ (Pyrra's nginx example): no histogram.
		{`x_bucket{status=~"5..",le="1"}`, `x_count`, "", ""},
		{`x_bucket{le="1"}`, `y_count`, "", ""},
		{`x_total{le="1"}`, `x_count`, "", ""},
	} {
		hist, le, ok := histogramOf(tc.bucket, tc.count)
		if hist != tc.hist || le != tc.le || ok != (tc.hist != "") {
			t.Errorf("histogramOf(%s, %s) = %q, %q, %v; want %q, %q", tc.bucket, tc.count, hist, le, ok, tc.hist, tc.le)
		}
	}
}

// TestPyrraAsGoWritesIt: objectives written by Go code that marshals
// Pyrra's types (rhobs/configuration) have apiVersion v1alpha1 without the
// group, grouping: null and may have upper-case names; Pyrra's generate
// reads them, and so does the import: as Pyrra, without a grouping, and
// lower-cased with a warning at the name.
// TestOpenSLOGaugeRatio: a ratioMetric with counter: false (a ratio of
// gauges, as lennylabs/lenny writes its session availability) is the
// share of the summed values of each query over the window, each side
// summed over its series so that a total of vector(1) divides a good
// query with labels. Rates of counters are still read as their counters.
func TestOpenSLOGaugeRatio(t *testing.T) {
	slo := func(counter, good, total string) string {
		return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: avail
spec:
  service: api
  indicator:
    metadata:
      name: up
    spec:
      ratioMetric:
        counter: ` + counter + `
        good:
          metricSource:
            type: Prometheus
            spec:
              query: ` + good + `
        total:
          metricSource:
            type: Prometheus
            spec:
              query: ` + total + `
  objectives:
    - target: 0.999
`
	}
	for name, tc := range map[string]struct{ src, want, diag string }{
		"gauges": {slo("false", `(1 - unavailability_ratio{tier="1"})`, "vector(1)"),
			`error_ratio: 1 - (sum(sum_over_time(((1 - unavailability_ratio{tier="1"}))[{{.window}}:])) / sum(sum_over_time((vector(1))[{{.window}}:])))`,
			`a.yml:12:9: warning: ratioMetric.counter: false: the queries are gauges; slo sums each one's values at every rule evaluation in the window (a subquery), not the data source's own data points, and the error ratio is the share of 1 - good in that sum [input/unmapped]`},
		"a rate and a gauge": {slo("false", "sum(rate(ok_total[5m]))", "requests_per_second"),
			`error_ratio: 1 - (sum(sum_over_time((sum(rate(ok_total[5m])))[{{.window}}:])) / sum(sum_over_time((requests_per_second)[{{.window}}:])))`,
			`a.yml:12:9: warning: ratioMetric.counter: false: the queries are gauges; slo sums each one's values at every rule evaluation in the window (a subquery), not the data source's own data points, and the error ratio is the share of 1 - good in that sum [input/unmapped]`},
		"rates of counters": {slo("false", "sum(rate(ok_total[5m]))", "sum(rate(requests_total[5m]))"),
			"ratio:\n        good: ok_total\n        total: requests_total\n",
			`a.yml:17:22: warning: ratioMetric.good query: the rate of counter "ok_total" over 5m is read as the counter: slo takes its rate over each window of the SLO itself [input/assumed]`},
	} {
		t.Run(name, func(t *testing.T) {
			res, _, got := importDiags("a.yml", tc.src)
			if !slices.Contains(got, tc.diag) {
				t.Errorf("no diagnostic %q in:\n%s", tc.diag, strings.Join(got, "\n"))
			}
			data, err := encodeOne("a.yml", res)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), tc.want) {
				t.Errorf("import lacks %q:\n%s", tc.want, data)
			}
		})
	}
}

func TestPyrraAsGoWritesIt(t *testing.T) {
	src := `apiVersion: v1alpha1
kind: ServiceLevelObjective
metadata:
  name: api-read-100M-latency
spec:
  indicator:
    ratio:
      errors:
        metric: http_requests_total{code=~"5.."}
      grouping: null
      total:
        metric: http_requests_total
  target: "99"
  window: 28d
`
	res, _, got := importDiags("a.yml", src)
	if !slices.Equal(res.Formats, []string{"Pyrra"}) {
		t.Fatalf("formats %q, want Pyrra\n%s", res.Formats, strings.Join(got, "\n"))
	}
	want := []string{`a.yml:4:9: warning: metadata.name: slo's service and SLO names are lower-case; imported as "api-read-100m-latency" (the slo label of the rules changes with it) [input/unmapped]`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
	data, err := encodeOne("a.yml", res)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"service: api-read-100m-latency\n", "- name: api-read-100m-latency\n"} {
		if !strings.Contains(string(data), s) {
			t.Errorf("import lacks %q:\n%s", s, data)
		}
	}
	if strings.Contains(string(data), "by:") {
		t.Errorf("grouping: null became a by:\n%s", data)
	}
}

// TestSlothTeamLabel: Sloth specs often label a service with its team,
// which slo/v1 refuses in labels (lint/label-collision: slo sets team,
// service, slo and severity itself). The spec's team label becomes the
// service's team; the others are left out with a warning at the label.
func TestSlothTeamLabel(t *testing.T) {
	src := `version: prometheus/v1
service: checkout
labels: {team: payments, tier: "1"}
slos:
  - name: availability
    objective: 99.9
    labels: {team: web, service: checkout}
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: CheckoutHighErrorRate
      labels: {severity: page, category: availability}
`
	res, f, got := importDiags("a.yml", src)
	want := []string{
		`a.yml:7:14: warning: slos[0].labels.team: not imported: slo sets the team label on every alert of a service from its team, a lower-case name such as platform; set team on the imported service [input/unmapped]`,
		`a.yml:7:25: warning: slos[0].labels.service: not imported: slo sets the service label on its rules itself (the service's name, the SLO's name, or critical, warning or info for severity) [input/unmapped]`,
		`a.yml:14:16: warning: slos[0].alerting.labels.severity: not imported: slo sets the severity label on its rules itself (the service's name, the SLO's name, or critical, warning or info for severity) [input/unmapped]`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
	if f == nil || len(f.Services) != 1 || f.Services[0].Team != "payments" {
		t.Fatalf("want service checkout of team payments, got %+v", f)
	}
	data, err := encodeOne("a.yml", res)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"team: payments\n", `labels: {tier: "1"}`, "labels: {category: availability}"} {
		if !strings.Contains(string(data), s) {
			t.Errorf("import lacks %q:\n%s", s, data)
		}
	}
}

// TestSlothTeamLabelNotAName: a team label slo does not take as a team
// name (validate.IsName) is left out with a warning rather than becoming a
// team that validate refuses.
func TestSlothTeamLabelNotAName(t *testing.T) {
	src := `version: prometheus/v1
service: checkout
labels: {team: Payments Team}
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: CheckoutHighErrorRate
`
	_, f, got := importDiags("a.yml", src)
	want := []string{
		`a.yml:3:10: warning: labels.team: not imported: slo sets the team label on every alert of a service from its team, a lower-case name such as platform; set team on the imported service [input/unmapped]`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
	if f == nil || len(f.Services) != 1 || f.Services[0].Team != "" {
		t.Fatalf("want service checkout without a team, got %+v", f)
	}
}

// TestSlothLowObjective: at a 90% objective Sloth's 1h/5m page pair needs
// an error ratio of 1.44 and can never fire; Sloth writes it anyway, slo
// refuses it (lint/burn-never-fires). The import keeps the page's other
// pair, with a warning at the objective, and the spec validates.
func TestSlothLowObjective(t *testing.T) {
	src := `version: prometheus/v1
service: api
slos:
  - name: latency
    objective: 90
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: ApiLatency
      page_alert: {labels: {severity: critical}}
`
	res, _, got := importDiags("a.yml", src)
	want := []string{`a.yml:5:16: warning: the page alert's fastest window pair can never fire at an objective of 90%; the import keeps its other pair [input/unmapped]`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
	data, err := encodeOne("a.yml", res)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "windows:\n          - {long: 6h, short: 30m, budget_percent: 5}\n") {
		t.Errorf("the page does not keep its 6h/30m pair alone:\n%s", data)
	}
}

// importDiags translates src as the file path, decodes what it makes and
// validates it, as slo import does: the result, the decoded spec (nil when
// it does not decode) and every diagnostic of the three steps, sorted.
func importDiags(path, src string) (Result, *spec.File, []string) {
	res, diags := Translate(path, []byte(src))
	f, ds := spec.ParseDocuments(path, []byte(src), res.Docs)
	diags = append(diags, ds...)
	if f != nil {
		_, ds := validate.Project([]*spec.File{f}, validate.Options{})
		diags = append(diags, ds...)
	}
	var got []string
	for _, d := range diags.Sorted() {
		got = append(got, d.String())
	}
	return res, f, got
}
