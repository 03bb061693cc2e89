package plan

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/simulate/engine"
)

func TestSpans(t *testing.T) {
	var s Spans
	s = s.Add(5, 7).Add(10, 12).Add(8, 8) // 8 joins 5-7; 9 is still missing
	if want := (Spans{{5, 8}, {10, 12}}); !s.equal(want) {
		t.Fatalf("got %v, want %v", s, want)
	}
	s = s.Add(9, 9).Add(1, 2).Add(20, 19)
	if want := (Spans{{1, 2}, {5, 12}}); !s.equal(want) {
		t.Fatalf("got %v, want %v", s, want)
	}
	if s.count() != 10 {
		t.Errorf("count = %d", s.count())
	}
	c := Cursor{s: s}
	var got []int
	for k := 0; k < 14; k++ {
		if c.Contains(k) {
			got = append(got, k)
		}
	}
	if d := cmp.Diff([]int{1, 2, 5, 6, 7, 8, 9, 10, 11, 12}, got); d != "" {
		t.Error(d)
	}
}

func TestFloorCeilDiv(t *testing.T) {
	for _, tc := range []struct {
		a, b        time.Duration
		floor, ceil int
	}{
		{7, 2, 3, 4}, {6, 2, 3, 3}, {-7, 2, -4, -3}, {-6, 2, -3, -3}, {0, 5, 0, 0},
	} {
		if f, c := floorDiv(tc.a, tc.b), ceilDiv(tc.a, tc.b); f != tc.floor || c != tc.ceil {
			t.Errorf("%d/%d: floor %d ceil %d, want %d %d", tc.a, tc.b, f, c, tc.floor, tc.ceil)
		}
	}
}

func TestReadSteps(t *testing.T) {
	const m = time.Minute
	p := &Node{}
	shifted := &Node{Rule: engine.Rule{QueryOffset: 2 * m}}
	for _, tc := range []struct {
		r        promx.Read
		tlo, thi time.Duration
		p        *Node
		bound    int
		lo, hi   int
	}{
		// x[10m] + lookback at 30m reads 15m..30m: steps 15..30.
		{promx.Read{Back: 15 * m}, 30 * m, 30 * m, p, 100, 15, 30},
		// Between grid points: (14.5m..29.5m] holds steps 15..29.
		{promx.Read{Back: 15 * m}, 29*m + 30*time.Second, 29*m + 30*time.Second, p, 100, 15, 29},
		// A producer with a 2m query offset stamps step g at g-2m.
		{promx.Read{Back: 5 * m}, 30 * m, 30 * m, shifted, 100, 27, 32},
		// Negative offset reads ahead, clamped to what exists.
		{promx.Read{Back: -5 * m, Forward: 10 * m}, 30 * m, 30 * m, p, 33, 35, 33},
		// Unbounded: everything up to the bound.
		{promx.Read{Unbounded: true}, 30 * m, 30 * m, p, 40, 0, 40},
		// Early times clamp at step 0.
		{promx.Read{Back: 15 * m}, 5 * m, 8 * m, p, 8, 0, 8},
	} {
		lo, hi := readSteps(tc.r, tc.tlo, tc.thi, tc.p, m, tc.bound)
		if lo != tc.lo || hi != tc.hi {
			t.Errorf("%+v at [%s,%s]: got %d..%d, want %d..%d", tc.r, tc.tlo, tc.thi, lo, hi, tc.lo, tc.hi)
		}
	}
}

// exprParser returns a parser and a function that parses an expression
// with it, failing t if it does not parse.
func exprParser(t *testing.T) (parser.Parser, func(string) parser.Expr) {
	t.Helper()
	p := parser.NewParser(parser.Options{})
	return p, func(e string) parser.Expr {
		x, err := p.ParseExpr(e)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
}

// TestPlanSteps checks the steps a small rule chain is given.
func TestPlanSteps(t *testing.T) {
	p, expr := exprParser(t)
	rules := []engine.Rule{
		{Index: 0, Name: "a", Query: expr("sum(x)")},
		{Index: 1, Name: "b", Query: expr("max_over_time(a[10m])")},
		{Index: 2, Name: "B", Alert: true, Query: expr("b > 1"), For: 3 * time.Minute},
		{Index: 3, Name: "c", Query: expr("a offset 30m")},
	}
	d := Demands{
		Alerts: []AlertAssertion{{At: 40 * time.Minute, Alertname: "B"}},
		Exprs:  []ExprAssertion{{Expr: "c", At: 50 * time.Minute}},
	}
	for _, tc := range []struct {
		name     string
		noLatest bool
		want     map[string]Spans
	}{
		{"every selector reads its window", true, map[string]Spans{
			// The alert at 40m with for: 3m needs steps 37..40.
			"B": {{37, 40}},
			// B reads b with a 5m lookback at 37..40: 32..40, plus a warm-up.
			"b": {{31, 40}},
			// a: read by b over [t-10m-5m, t] at 31..40: 16..40; read by c at
			// 44..50 with offset 30m and lookback: 9..20; plus a warm-up step.
			"a": {{8, 40}},
			"c": {{44, 50}},
		}},
		{"latest reads", false, map[string]Spans{
			"B": {{37, 40}},
			// B's plain selector of b at 37..40 sees b's result at the same
			// step, as b comes first; no warm-up.
			"b": {{37, 40}},
			// a: read by b over [t-10m-5m, t] at 37..40: 22..40, plus a
			// warm-up step; c at 50 sees a's result at 50-30 = 20.
			"a": {{20, 40}},
			// The expression test at 50m sees c's result at 50 only.
			"c": {{50, 50}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pl, reason := Build(rules, d, Options{Interval: time.Minute, Lookback: 5 * time.Minute, LastStep: 50, Parser: p, NoLatest: tc.noLatest})
			if reason != "" {
				t.Fatal(reason)
			}
			if d := cmp.Diff(tc.want, pl.describe()); d != "" {
				t.Errorf("plan (-want +got):\n%s", d)
			}
		})
	}
}

// TestLatestReadsNeedExclusiveProducers checks that a latest read asks for
// one step only of a recording rule nothing else writes, and reads the
// whole window (with a warm-up step) when another rule or an input series
// may write the same series, or when the reader comes first.
func TestLatestReadsNeedExclusiveProducers(t *testing.T) {
	p, expr := exprParser(t)
	d := Demands{Exprs: []ExprAssertion{{Expr: "r", At: 30 * time.Minute}}}
	o := Options{Interval: time.Minute, Lookback: 5 * time.Minute, LastStep: 40, Parser: p}
	one := []engine.Rule{{Index: 0, Name: "r", Query: expr("sum(x)")}}
	two := append(one, engine.Rule{Index: 1, Name: "r", Query: expr("sum(y)")})
	for _, tc := range []struct {
		name  string
		rules []engine.Rule
		input []labels.Labels
		want  Spans
	}{
		{"exclusive", one, []labels.Labels{labels.FromStrings("__name__", "x")}, Spans{{30, 30}}},
		{"an input series of the same name", one, []labels.Labels{labels.FromStrings("__name__", "r")}, Spans{{24, 30}}},
		{"two rules of the same name", two, nil, Spans{{24, 30}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o.Input = tc.input
			pl, reason := Build(tc.rules, d, o)
			if reason != "" {
				t.Fatal(reason)
			}
			if d := cmp.Diff(tc.want, pl.describe()["r"]); d != "" {
				t.Errorf("steps of r (-want +got):\n%s", d)
			}
		})
	}
	// A rule reading itself sees its previous step's result.
	self := []engine.Rule{{Index: 0, Name: "s", Query: expr("s + 1")}}
	pl, _ := Build(self, Demands{Exprs: []ExprAssertion{{Expr: "s", At: 30 * time.Minute}}}, o)
	if d := cmp.Diff(Spans{{0, 30}}, pl.describe()["s"]); d != "" {
		t.Errorf("steps of s (-want +got):\n%s", d)
	}
	// A rule read by an earlier rule at step k is seen at k-1.
	order := []engine.Rule{
		{Index: 0, Name: "first", Query: expr("later")},
		{Index: 1, Name: "later", Query: expr("sum(x)")},
	}
	pl, _ = Build(order, Demands{Exprs: []ExprAssertion{{Expr: "first", At: 30 * time.Minute}}}, o)
	if d := cmp.Diff(map[string]Spans{"first": {{30, 30}}, "later": {{29, 29}}}, pl.describe()); d != "" {
		t.Errorf("plan (-want +got):\n%s", d)
	}
}

func TestMayHaveLabels(t *testing.T) {
	r := engine.Rule{Name: "Burn", Alert: true, Labels: labels.FromStrings("severity", "page", "team", "{{ $labels.team }}")}
	for _, tc := range []struct {
		sel  map[string]string
		want bool
	}{
		{nil, true},
		{map[string]string{"severity": "page"}, true},
		{map[string]string{"severity": "ticket"}, false},
		// Templated: any value may come out.
		{map[string]string{"team": "db"}, true},
		// Not a rule label: the expression's series may have it.
		{map[string]string{"job": "api"}, true},
		{map[string]string{"alertname": "Burn", "severity": "page"}, true},
		{map[string]string{"alertname": "Other"}, false},
		// A rule label is never empty on the alert.
		{map[string]string{"severity": ""}, false},
	} {
		if got := mayHaveLabels(r, tc.sel); got != tc.want {
			t.Errorf("%v: got %v, want %v", tc.sel, got, tc.want)
		}
	}
}

// TestRangeReads checks what a plotted expression demands: every step of
// the run of the rules it reads, directly or through other rules, none of
// the others; and that an alerting rule whose ALERTS a plot reads is not
// compressed (compress.go: nothing may read what a compressed rule
// writes), while one whose input is plotted still is.
func TestRangeReads(t *testing.T) {
	p, expr := exprParser(t)
	rules := []engine.Rule{
		{Index: 0, Name: "a", Query: expr("sum(x)")},
		{Index: 1, Name: "b", Query: expr("a * 2")},
		{Index: 2, Name: "other", Query: expr("sum(y)")},
		{Index: 3, Name: "B", Alert: true, Query: expr("b > 1")},
	}
	o := Options{Interval: time.Minute, Lookback: 5 * time.Minute, LastStep: 30, Parser: p}
	plotted := func(exprs ...string) []ExprRange {
		var out []ExprRange
		for _, e := range exprs {
			out = append(out, ExprRange{Expr: e, To: 30 * time.Minute})
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		exprs []string
		want  map[string]Spans
	}{
		{"a recorded series", []string{"b", "not ( valid"}, map[string]Spans{"a": {{0, 30}}, "b": {{0, 30}}}},
		{"an input series", []string{`x{job="api"}`}, map[string]Spans{}},
		{"ALERTS", []string{`ALERTS{alertname="B"}`}, map[string]Spans{"a": {{0, 30}}, "b": {{0, 30}}, "B": {{0, 30}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pl, reason := Build(rules, Demands{Ranges: plotted(tc.exprs...)}, o)
			if reason != "" {
				t.Fatal(reason)
			}
			got := pl.describe()
			for name, s := range got {
				if len(s) == 0 {
					delete(got, name)
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("plan (-want +got):\n%s", d)
			}
		})
	}
	observed := []Observed{{Names: map[string]bool{"B": true}, To: 30 * time.Minute, StatesOnly: true}}
	for _, tc := range []struct {
		expr     string
		compress bool
	}{{"b", true}, {"ALERTS", false}} {
		pl, reason := Build(rules, Demands{Ranges: plotted(tc.expr), Observed: observed}, o)
		if reason != "" {
			t.Fatal(reason)
		}
		if c := pl.Nodes[3].Compress; c != tc.compress {
			t.Errorf("B observed, %s plotted: compressed %v, want %v", tc.expr, c, tc.compress)
		}
	}
}
