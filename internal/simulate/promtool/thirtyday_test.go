package promtool

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ThirtyDaySLO describes a generated benchmark scenario: one availability
// SLO (99.9%) over 30 days with multi-window, multi-burn-rate alerts,
// 1-minute input for Days days and a one-hour outage near the end. It is a
// test fixture; scripts write it with TestWriteBenchScenario.
type ThirtyDaySLO struct {
	// Days of input at 1-minute resolution; zero means 31.
	Days int
	// SLOs is the number of SLOs, all over the same input series, told
	// apart by an slo rule label; zero means one (without rule labels).
	SLOs int
	// BudgetRule adds the 30-day error ratio recording rule and a
	// promql_expr_test on it. promtool cannot evaluate it: its engine
	// stops at 10,000 samples per query.
	BudgetRule bool
}

// Minutes of the scenario's timeline.
func (s ThirtyDaySLO) minutes() (end, outageStart, outageLen int) {
	days := s.Days
	if days <= 0 {
		days = 31
	}
	end = days * 24 * 60
	outageLen = 60
	outageStart = end - 240
	return end, outageStart, outageLen
}

const (
	sloOKPerMin     = 1000
	sloBadPerMin    = 0.5 // 0.05% errors: half the budget
	sloOutagePerMin = 200 // 1 in 6 requests fails
)

// Write writes slo_rules.yml and slo_test.yml into dir and returns the
// path of the test file.
func (s ThirtyDaySLO) Write(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "slo_rules.yml"), []byte(s.rules()), 0o644); err != nil {
		return "", err
	}
	p := filepath.Join(dir, "slo_test.yml")
	return p, os.WriteFile(p, []byte(s.test()), 0o644)
}

var sloWindows = []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d"}

// sloName is the slo label of SLO i; with one SLO the rules carry no rule
// labels at all (the file promtool is timed on).
func (s ThirtyDaySLO) sloName(i int) string {
	if s.SLOs <= 1 {
		return "api-availability"
	}
	return fmt.Sprintf("api-availability-%d", i)
}

func (s ThirtyDaySLO) rules() string {
	var b strings.Builder
	b.WriteString("groups:\n")
	n := max(s.SLOs, 1)
	for i := range n {
		// sel selects this SLO's recorded series; lbl labels them.
		sel, lbl := "", ""
		if n > 1 {
			sel = fmt.Sprintf("{slo=%q}", s.sloName(i))
			lbl = fmt.Sprintf("        labels:\n          slo: %s\n", s.sloName(i))
		}
		fmt.Fprintf(&b, "  - name: slo:%s:recording\n    rules:\n", s.sloName(i))
		for _, w := range sloWindows {
			fmt.Fprintf(&b, "      - record: slo:sli_error:ratio_rate%s\n", w)
			fmt.Fprintf(&b, "        expr: sum(rate(http_requests_total{job=\"api\",code=~\"5..\"}[%s])) / sum(rate(http_requests_total{job=\"api\"}[%s]))\n%s", w, w, lbl)
		}
		fmt.Fprintf(&b, `      - record: slo:bad:rate5m
        expr: sum(rate(http_requests_total{job="api",code=~"5.."}[5m]))
%s      - record: slo:total:rate5m
        expr: sum(rate(http_requests_total{job="api"}[5m]))
%s`, lbl, lbl)
		if s.BudgetRule {
			fmt.Fprintf(&b, `      - record: slo:sli_error:ratio_rate30d
        expr: sum_over_time(slo:bad:rate5m%[1]s[30d]) / sum_over_time(slo:total:rate5m%[1]s[30d])
%[2]s`, sel, lbl)
		}
		fmt.Fprintf(&b, `  - name: slo:%[2]s:alerts
    rules:
      - alert: APIErrorBudgetBurn
        expr: |
          (slo:sli_error:ratio_rate1h%[1]s > (14.4 * 0.001) and slo:sli_error:ratio_rate5m%[1]s > (14.4 * 0.001))
          or
          (slo:sli_error:ratio_rate6h%[1]s > (6 * 0.001) and slo:sli_error:ratio_rate30m%[1]s > (6 * 0.001))
        for: 2m
        labels:
          severity: page
          slo: %[2]s
        annotations:
          summary: API is burning its 30d error budget fast
      - alert: APIErrorBudgetBurn
        expr: |
          (slo:sli_error:ratio_rate1d%[1]s > (3 * 0.001) and slo:sli_error:ratio_rate2h%[1]s > (3 * 0.001))
          or
          (slo:sli_error:ratio_rate3d%[1]s > (1 * 0.001) and slo:sli_error:ratio_rate6h%[1]s > (1 * 0.001))
        for: 15m
        labels:
          severity: ticket
          slo: %[2]s
        annotations:
          summary: API is burning its 30d error budget
`, sel, s.sloName(i))
	}
	return b.String()
}

// seq renders n+1 values start, start+step, ... in expanding notation.
func seq(start, step float64, n int) string {
	return fmt.Sprintf("%g+%gx%d", start, step, n)
}

func (s ThirtyDaySLO) test() string {
	end, o, olen := s.minutes()
	// Counters: values at minutes 0..end.
	ok := seq(0, sloOKPerMin, end)
	bad := strings.Join([]string{
		seq(0, sloBadPerMin, o-1),
		seq(sloBadPerMin*float64(o), sloOutagePerMin, olen-1),
		seq(sloBadPerMin*float64(o)+sloOutagePerMin*float64(olen), sloBadPerMin, end-o-olen),
	}, " ")
	alert := func(minute int, sev ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "      - eval_time: %dm\n        alertname: APIErrorBudgetBurn\n", minute)
		if len(sev) == 0 {
			b.WriteString("        exp_alerts: []\n")
			return b.String()
		}
		b.WriteString("        exp_alerts:\n")
		for i := range max(s.SLOs, 1) {
			for _, sv := range sev {
				summary := "API is burning its 30d error budget"
				if sv == "page" {
					summary += " fast"
				}
				fmt.Fprintf(&b, "          - exp_labels:\n              severity: %s\n              slo: %s\n", sv, s.sloName(i))
				fmt.Fprintf(&b, "            exp_annotations:\n              summary: %s\n", summary)
			}
		}
		return b.String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# Generated by ThirtyDaySLO (internal/simulate/promtool): %d days of 1m input, outage at minute %d for %d minutes.
rule_files:
  - slo_rules.yml
evaluation_interval: 1m
tests:
  - name: thirty-day SLO
    interval: 1m
    input_series:
      - series: 'http_requests_total{job="api", code="200"}'
        values: '%s'
      - series: 'http_requests_total{job="api", code="500"}'
        values: '%s'
    alert_rule_test:
`, end/1440, o, olen, ok, bad)
	b.WriteString(alert(o - 10))
	b.WriteString(alert(o+45, "page", "ticket"))
	if s.BudgetRule {
		// The 30d error ratio two hours after the outage (about 0.078%
		// with 31 days of input), asserted within 10%.
		at := o + 120
		w := float64(min(at, 30*24*60))
		badN := sloOutagePerMin*float64(olen) + sloBadPerMin*(w-float64(olen))
		ratio := badN / (sloOKPerMin*w + badN)
		fmt.Fprintf(&b, `    promql_expr_test:
      - expr: count((slo:sli_error:ratio_rate30d > %g) < %g)
        eval_time: %dm
        exp_samples:
          - labels: '{}'
            value: %d
`, 0.9*ratio, 1.1*ratio, at, max(s.SLOs, 1))
	}
	return b.String()
}
