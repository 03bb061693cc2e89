package signal_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/input"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
	. "github.com/slo-compiler/slo/internal/signal"
	"github.com/slo-compiler/slo/internal/simulate/engine"
)

// claimSpec has an alert of every signal kind and an SLO of every SLI
// shape: bad or good over total on the same metric, on different metrics,
// a histogram's bucket over its count, and `by` grouping.
const claimSpec = `version: slo/v1
service: shop
labels: {platform: web}
slos:
  - name: bad-same
    objective: 99.9
    sli:
      ratio:
        bad: http_requests_total{job="shop",code=~"5.."}
        total: http_requests_total{job="shop"}
  - name: good-same
    objective: 99
    sli:
      ratio:
        good: grpc_server_handled_total{grpc_code="OK"}
        total: grpc_server_handled_total
        by: [grpc_service]
  - name: good-other
    objective: 99
    sli:
      ratio:
        good: checkout_success_total
        total: checkout_requests_total
  - name: bad-other
    objective: 99.5
    period: 28d
    sli:
      ratio:
        bad: payment_errors_total{provider="card"}
        total: payment_requests_total{provider="card"}
  - name: latency
    objective: 95
    sli:
      ratio:
        good: checkout_duration_seconds_bucket{le="0.3"}
        total: checkout_duration_seconds_count
        by: [route]
  - name: latency-classic
    objective: 99
    sli:
      latency: {histogram: 'checkout_duration_seconds{job="shop"}', threshold: 0.3, by: [route]}
  - name: latency-native
    objective: 95
    period: 28d
    sli:
      latency: {histogram: rpc_duration_seconds, threshold: 300ms, native: true, by: [method]}
  # error_ratio SLIs of the shapes generation knows (Sloth's examples).
  - name: raw-rates
    objective: 99.9
    sli:
      error_ratio: sum(rate(jobs_failed_total[{{.window}}])) / sum(rate(jobs_total[{{.window}}]))
  - name: raw-good-rates
    objective: 99
    sli:
      error_ratio: 1 - (sum by (queue) (increase(jobs_ok_total[{{.window}}])) / sum by (queue) (increase(jobs_total[{{.window}}])))
  - name: gauge-mean
    objective: 95
    sli:
      error_ratio: |
        1 - (
          sum(sum_over_time(wifi_satisfaction_ratio[{{.window}}]))
          /
          sum(count_over_time(wifi_satisfaction_ratio[{{.window}}]))
        )
  - name: gauge-avg
    objective: 99
    sli:
      error_ratio: avg_over_time(disk_error_ratio{disk="a"}[{{.window}}])
  - name: series-share
    objective: 95
    sli:
      error_ratio: |
        (sum_over_time((count(wifi_client_satisfaction < 0.75))[{{.window}}:]) OR on() vector(0))
        /
        (sum_over_time((count(wifi_client_satisfaction))[{{.window}}:]))
alerts:
  - name: QueueDepthHigh
    signal: {expr: 'sum by (stage) (queue_depth)'}
    above: {warning: 100, critical: 200}
    for: 5m
  - name: WorkersLow
    signal: {expr: 'min by (pool) (free_workers{kind="gpu"})'}
    below: {warning: 5}
    for: 2m
  - name: ErrorsHigh
    signal:
      ratio:
        bad: http_requests_total{job="shop",code=~"5.."}
        total: http_requests_total{job="shop"}
        window: 10m
    above: {warning: 0.05, critical: 0.2}
  - name: CheckoutFailing
    signal:
      ratio:
        good: checkout_success_total
        total: checkout_requests_total
    above: {warning: 0.1}
    for: 5m
  - name: GrpcFailing
    signal:
      ratio:
        good: grpc_server_handled_total{grpc_code="OK"}
        total: grpc_server_handled_total
        by: [grpc_service]
    above: {warning: 0.02}
  - name: CheckoutSlow
    signal:
      ratio:
        good: checkout_duration_seconds_bucket{le="0.3"}
        total: checkout_duration_seconds_count
        by: [route]
    above: {warning: 0.2}
  - name: CheckoutSlowRequests
    signal:
      latency: {histogram: checkout_duration_seconds, threshold: 1, by: [route], min_total: 50}
    above: {warning: 0.05, critical: 0.2}
  - name: RpcSlowRequests
    signal:
      latency: {histogram: 'rpc_duration_seconds{job="shop"}', threshold: 0.75, native: true, window: 10m, min_total: 20}
    above: {warning: 0.1}
    for: 5m
  - name: RpcP99High
    signal:
      quantile: {histogram: rpc_duration_seconds, quantile: 0.99, native: true, by: [method]}
    above: {warning: 2}
  - name: RenderLatencyHigh
    signal:
      quantile: {histogram: 'render_seconds{job="shop"}', quantile: 0.95, by: [route]}
    above: {warning: 20, critical: 40}
  - name: ProbeUptimeLow
    signal:
      uptime: {selector: 'probe_success{target="shop"}', by: [target], window: 1h}
    below: {critical: 0.99}
  - name: NodeUptimeLow
    signal:
      uptime: {selector: 'node_up{job="node"}', window: 2h}
    below: {warning: 0.9}
  - name: OrdersFailing
    signal:
      increase: {counter: orders_failed_total, by: [region], window: 1h}
    above: {warning: 10}
  - name: TrafficDrop
    signal:
      change: {expr: 'sum(active_users)', offset: 1d}
    below: {warning: -0.5}
    for: 10m
  - name: SignupSurge
    signal:
      change: {expr: 'sum by (region) (signups)', offset: 2h}
    above: {warning: 1}
  - name: LoginSpike
    signal:
      baseline: {expr: 'sum by (region) (logins)', window: 1d}
    above: {warning: 3}
  - name: LoginDip
    signal:
      baseline: {expr: 'sum(logins_per_min)', window: 6h}
    below: {warning: 0.5}
  - name: DiskFilling
    signal:
      projection: {gauge: 'node_filesystem_avail_bytes{mountpoint="/"}', by: [instance], window: 6h, horizon: 4h}
    below: {critical: 100}
  - name: QuotaExhausted
    signal:
      projection: {counter: api_calls_total, by: [], window: 1d, horizon: 30d}
    above: {warning: 1000000}
  - name: CloudCostMonthEnd
    signal:
      projection: {counter: cloud_cost_usd_total, by: [account], to: end_of_month}
    above: {warning: 15000, critical: 20000}
    for: 1h
  - name: BillingMonthEnd
    signal:
      projection: {gauge: 'billing_month_to_date_usd{provider="gcp"}', by: [], window: 6h, to: end_of_month}
    above: {warning: 1000}
  - name: OrdersDropWoW
    signal:
      change: {counter: orders_total, by: [region], window: 1h, offset: 1w}
    below: {warning: -0.3, critical: -0.6}
    for: 15m
  - name: RevenueShort
    signal:
      projection: {counter: revenue_usd_total, by: [], to: end_of_month}
    below: {warning: 100000}
  - name: SignupsDown
    signal:
      change: {counter: signups_total, by: [country], window: 2h, offset: 1w}
    below: {warning: -0.8}
    for: 30m
  - name: OrdersSurgeDoD
    signal:
      change: {counter: 'orders_total{channel="web"}', window: 30m, offset: 1d}
    above: {warning: 1}
  - name: WorkerDown
    signal:
      status: {selector: 'up{job="worker"}'}
    severity: critical
    for: 2m
`

// TestGeneratedInputHoldsClaim evaluates, for every generated scenario of
// the shipped specs and of claimSpec, the signal the scenario is about on
// the scenario's own input series, at the time the scenario says the
// signal holds its value: the compiled recording rule of a threshold
// alert's signal against scenario.Probe.Value, the SLO's error ratio over each
// window of a burn scenario against scenario.Claim.Ratio. A scenario that tests a
// threshold with input that does not produce the value it names proves
// nothing about that threshold.
func TestGeneratedInputHoldsClaim(t *testing.T) {
	dir := t.TempDir()
	extra := filepath.Join(dir, "shop.yaml")
	if err := os.WriteFile(extra, []byte(claimSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	var services []*model.Service
	for _, paths := range [][]string{{"../../specs"}, {extra}} {
		p, diags, err := input.Load(paths)
		if err != nil || p == nil {
			t.Fatalf("%s: %v %v", paths, err, diags)
		}
		services = append(services, p.Services...)
	}
	checked, skipped := 0, 0
	for _, svc := range services {
		ss, _ := Generate(svc)
		for _, s := range ss {
			cs, err := claims(svc, s)
			if err != nil {
				t.Errorf("%s: %s: %v", svc.Source, s.Name, err)
				continue
			}
			if len(cs) == 0 {
				skipped++
				t.Logf("%s: %s: claims no value (not checked)", svc.Source, s.Name)
				continue
			}
			checked++
			for _, c := range cs {
				got, err := evalAt(s, c.expr, c.at)
				switch {
				case err != nil:
					t.Errorf("%s: %s\n  expr: %s\n  time: %s\n  %v", svc.Source, s.Name, c.expr, promx.FormatDuration(c.at), err)
				case len(got) == 0:
					t.Errorf("%s: %s\n  expr: %s\n  time: %s\n  claimed: %v\n  got: no samples", svc.Source, s.Name, c.expr, promx.FormatDuration(c.at), c.value)
				}
				for _, g := range got {
					if math.Abs(g.value-c.value) > c.tolerance {
						t.Errorf("%s: %s\n  expr: %s\n  time: %s\n  claimed: %v (within %.3g)\n  got: %s %v", svc.Source, s.Name, c.expr, promx.FormatDuration(c.at), c.value, c.tolerance, g.labels, g.value)
					}
				}
			}
		}
	}
	t.Logf("%d generated scenarios checked, %d without a claimed value", checked, skipped)
	if checked < 100 {
		t.Errorf("only %d generated scenarios checked; expected the shipped specs and claimSpec to give more than 100", checked)
	}
}

type claim struct {
	expr      string
	at        time.Duration
	value     float64
	tolerance float64
}

// tolerance allows for float rounding: counters start at 1e9 (a unit in
// the last place of 1.2e-7) and grow by small steps, added one at a time
// over a day of samples, which puts the increase of a slow counter some
// 1e-5 off. The scenarios test values 10% from a threshold; 1e-4 of the
// value is far inside that.
func tolerance(v float64) float64 { return 1e-9 + 1e-4*math.Abs(v) }

// claims returns what a generated scenario says its input produces. Status
// scenarios claim no value (the series is 0 or 1 as written).
func claims(svc *model.Service, s *scenario.Scenario) ([]claim, error) {
	if s.Family != "" {
		// Failure modes are judged over a span by the signal's meaning
		// (TestFailureModesCatchMutations); they claim no single value.
		return nil, nil
	}
	if len(s.Covers) == 0 {
		return nil, fmt.Errorf("no covered alert")
	}
	name := s.Covers[0].Alert
	switch {
	case s.Probe != nil:
		a := alertNamed(svc, name)
		if a == nil {
			return nil, fmt.Errorf("no alert %s in the service", name)
		}
		expr, err := signalExpr(svc, a, s.Probe.At)
		if err != nil {
			return nil, err
		}
		v := s.Probe.Value
		tol := tolerance(v)
		if b, ok := a.Signal.(*model.BaselineSignal); ok {
			// The value's own samples are in the average it is divided by:
			// with two of N samples at v (the first and the one at At), the
			// ratio is vN/(N-2+2v), the "about v" the generator documents.
			n := float64(b.Window / svc.Interval)
			tol += 2 * math.Abs(1-v) * math.Abs(v) / (n - 2)
		}
		return []claim{{expr: expr, at: s.Probe.At, value: v, tolerance: tol}}, nil
	case s.Claim != nil:
		slo := sloNamed(svc, name)
		if slo == nil {
			return nil, fmt.Errorf("no SLO alert %s in the service", name)
		}
		var out []claim
		for _, w := range s.Claim.Windows {
			out = append(out, claim{expr: errorRatioExpr(svc, slo, w), at: s.Claim.At, value: s.Claim.Ratio, tolerance: tolerance(s.Claim.Ratio)})
		}
		return out, nil
	}
	return nil, nil
}

func alertNamed(svc *model.Service, name string) *model.Alert {
	for _, a := range svc.Alerts {
		if a.Name == name {
			return a
		}
	}
	return nil
}

func sloNamed(svc *model.Service, alert string) *model.SLO {
	for _, slo := range svc.SLOs {
		if slo.Alerting.Name == alert {
			return slo
		}
	}
	return nil
}

// errorRatioExpr is the SLO's compiled error ratio recording rule for
// window w, or the same ratio for a window it does not record (a spike's).
func errorRatioExpr(svc *model.Service, slo *model.SLO, w time.Duration) string {
	want := compile.RecordErrorRatio + promx.FormatDuration(w)
	for _, g := range compile.Service(svc).Groups {
		if g.Name != svc.Name+"-slo-"+slo.Name {
			continue
		}
		for _, r := range g.Rules {
			if r.Record == want {
				return r.Expr
			}
		}
	}
	return compile.SLIErrorRatio(slo.SLI, w)
}

// signalExpr is the expression of the compiled recording rule that holds
// the alert's signal, over input series only: the rule that change and
// baseline signals read back (level:metric:value) is replaced by a
// subquery of its expression at the rule interval, which gives the
// samples the rule would have recorded.
func signalExpr(svc *model.Service, a *model.Alert, at time.Duration) (string, error) {
	rules := compile.SignalRules(svc, a)
	expr := rules[len(rules)-1].Expr
	if len(rules) == 1 {
		return expr, nil
	}
	if len(rules) != 2 {
		return "", fmt.Errorf("%d signal rules; expected the signal and the value it reads back", len(rules))
	}
	base := rules[0]
	var ms []string
	for _, l := range base.Labels {
		ms = append(ms, fmt.Sprintf("%s=%q", l.Name, l.Value))
	}
	sel := base.Record
	if len(ms) > 0 {
		sel += "{" + strings.Join(ms, ",") + "}"
	}
	iv := promx.FormatDuration(svc.Interval)
	inner := "(" + base.Expr + ")"
	q := regexp.QuoteMeta(sel)
	expr = regexp.MustCompile(q+` offset (\w+)`).ReplaceAllString(expr, "last_over_time("+inner+"["+iv+":"+iv+"] offset $1)")
	// The rule records from the scenario's first evaluation on: a window
	// reaching back before it holds only the samples since (what an
	// uptime's absent-as-down record makes of the time before would
	// otherwise count).
	expr = regexp.MustCompile(q+`\[(\w+)\]`).ReplaceAllStringFunc(expr, func(m string) string {
		w, err := promx.ParseDuration(regexp.MustCompile(`\[(\w+)\]$`).FindStringSubmatch(m)[1])
		rng := promx.FormatDuration(w)
		if err == nil && w > at {
			rng = promx.FormatDuration(at + svc.Interval/2)
		}
		return inner + "[" + rng + ":" + iv + "]"
	})
	expr = strings.ReplaceAll(expr, sel, inner)
	if strings.Contains(expr, base.Record) {
		return "", fmt.Errorf("could not replace %s in %s", sel, rules[len(rules)-1].Expr)
	}
	return expr, nil
}

type sampleValue struct {
	labels string
	value  float64
}

// evalAt loads the scenario's input series up to at and evaluates expr
// there on the PromQL engine slo test uses.
func evalAt(s *scenario.Scenario, expr string, at time.Duration) ([]sampleValue, error) {
	var load strings.Builder
	fmt.Fprintf(&load, "load %s\n", promx.FormatDuration(s.Interval))
	for _, in := range s.Series {
		fmt.Fprintf(&load, "  %s %s\n", in.Series, in.Values)
	}
	sess, err := engine.Open(load.String(), time.Time{}, engine.Options{})
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	ts := time.Unix(0, 0).UTC().Add(at)
	if err := sess.LoadUntil(ts); err != nil {
		return nil, err
	}
	vec, err := sess.Instant(expr, ts)
	if err != nil {
		return nil, err
	}
	var out []sampleValue
	for _, smp := range vec {
		out = append(out, sampleValue{labels: smp.Metric.String(), value: smp.F})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].labels < out[j].labels })
	return out, nil
}
