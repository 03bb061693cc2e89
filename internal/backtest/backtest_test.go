package backtest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slo-compiler/slo/internal/golden"
)

func TestReads(t *testing.T) {
	for expr, want := range map[string]string{
		`x`:                                 "x x 5m0s",
		`rate(x{a="b"}[5m] offset 1h)`:      `x x{a="b"} 1h5m0s`,
		`max_over_time(y[1h:1m] offset 2h)`: "y y 3h5m0s",
		`{__name__="z",job="j"}`:            `z {__name__="z",job="j"} 5m0s`,
		`sum(a) / sum(b offset 1w)`:         "a a 5m0s|b b 168h5m0s",
	} {
		e, err := promParser.ParseExpr(expr)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range reads(e) {
			got = append(got, r.name+" "+r.sel+" "+r.back.String())
		}
		if g := strings.Join(got, "|"); g != want {
			t.Errorf("reads(%s) = %s, want %s", expr, g, want)
		}
	}
}

var rules = []File{{Name: "rules/a.yml", Data: []byte(`groups:
  - name: a
    interval: 1m
    rules:
      - record: r:x
        expr: sum(x)
      - alert: A
        expr: r:x > 1
        labels: {severity: critical}
`)}}

func TestRunRefusesBeforeQuerying(t *testing.T) {
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		to       time.Time
		lim      Limits
		wantText string
	}{
		{"empty window", from, DefaultLimits, "is not before --to"},
		{"range", from.Add(100 * 24 * time.Hour), DefaultLimits, "is 100d long, more than --max-range 90d"},
		{"steps", from.Add(2 * time.Hour), Limits{MaxSteps: 60}, "group a: 120 evaluation steps of 1m over the window, more than --max-steps 60"},
	} {
		// No server listens there: the run must stop before asking.
		_, err := Run(context.Background(), Project{Rules: rules}, Options{Prometheus: "http://127.0.0.1:1", From: from, To: c.to, Limits: c.lim})
		if err == nil || !strings.Contains(err.Error(), c.wantText) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.wantText)
		}
	}
}

// A server answering every range query with three series trips
// --max-series 2, naming the rule.
func TestMaxSeries(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[
			{"metric":{"i":"1"},"values":[[1793491200,"1"]]},
			{"metric":{"i":"2"},"values":[[1793491200,"1"]]},
			{"metric":{"i":"3"},"values":[[1793491200,"1"]]}]}}`))
	}))
	defer srv.Close()
	from := time.Unix(1793491200, 0).UTC()
	_, err := Run(context.Background(), Project{Rules: rules}, Options{Prometheus: srv.URL, From: from, To: from.Add(time.Hour), Limits: Limits{MaxSeries: 2}})
	want := "recording rule r:x (group a): 3 series, more than --max-series 2"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
}

func TestReportFormats(t *testing.T) {
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	head := &Result{Alerts: []AlertResult{
		{Alert: "QueueDepthHigh", Severity: "critical", Fired: 3, Firing: 70 * time.Minute, Longest: 40 * time.Minute, Pages: 3, Receivers: map[string]int{"pager": 3}},
		{Alert: "QueueDepthHigh", Severity: "warning", Fired: 2, Firing: 20 * time.Minute, Longest: 15 * time.Minute, Pages: 1, Silent: 1, Receivers: map[string]int{"chat": 1}},
		{Alert: "New", Severity: "info"},
	}}
	base := &Result{Alerts: []AlertResult{
		{Alert: "QueueDepthHigh", Severity: "critical", Fired: 14, Firing: 5 * time.Hour, Longest: 40 * time.Minute, Pages: 14, Receivers: map[string]int{"pager": 14}},
		{Alert: "QueueDepthHigh", Severity: "warning", Fired: 2, Firing: 20 * time.Minute, Longest: 15 * time.Minute, Pages: 1, Silent: 1, Receivers: map[string]int{"chat": 1}},
	}}
	for _, withBase := range []bool{false, true} {
		r := &Report{Prometheus: "http://prom:9090", From: from, To: from.AddDate(0, 0, 30), HeadName: "specs", Head: head}
		name := "head"
		if withBase {
			r.Base, r.BaseName, name = base, "main", "base"
		}
		for _, f := range Formats {
			var b bytes.Buffer
			if err := r.Write(&b, f); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "testdata/"+name+"."+f, b.Bytes())
		}
	}
}

// Progress lines name the queries and steps; the run is the rule r:x at 1
// on every step, so A (r:x > 0) fires once, for the whole hour.
func TestProgressAndFakeServer(t *testing.T) {
	from := time.Unix(1793491200, 0).UTC()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		var vals []string
		for ts := from.Add(-10 * time.Minute); !ts.After(from.Add(time.Hour)); ts = ts.Add(time.Minute) {
			vals = append(vals, `[`+strconv.FormatInt(ts.Unix(), 10)+`,"1"]`)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[` + strings.Join(vals, ",") + `]}]}}`))
	}))
	defer srv.Close()
	old := progressEvery
	progressEvery = 0
	defer func() { progressEvery = old }()
	var prog bytes.Buffer
	p := Project{Rules: []File{{Name: "rules/a.yml", Data: []byte(`groups:
  - name: a
    interval: 1m
    rules:
      - record: r:x
        expr: sum(x)
      - alert: A
        expr: r:x > 0
        for: 10m
        labels: {severity: critical}
`)}}}
	res, err := Run(context.Background(), p, Options{Prometheus: srv.URL, From: from, To: from.Add(time.Hour), Limits: DefaultLimits, Progress: &prog})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"slo backtest: query 1 of about 1: recording rule r:x (group a)", "slo backtest: evaluated 60 of 60 steps", "slo backtest: done: 1 queries, 60 steps"} {
		if !strings.Contains(prog.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, prog.String())
		}
	}
	// Steps at minutes 0..59, firing from minute 10 on: 50 steps.
	if len(res.Alerts) != 1 || res.Alerts[0].Fired != 1 || res.Alerts[0].Firing != 50*time.Minute || res.Alerts[0].Longest != 50*time.Minute {
		t.Errorf("alerts %+v, want A critical fired once for 50m", res.Alerts)
	}
}
