package scenario

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/spec"
)

// TestCutSlots: what CutSlots leaves expands to the same first n slots as
// the whole string, with at most one slot per token after them, and parse
// errors keep their text and column.
func TestCutSlots(t *testing.T) {
	for _, tc := range []struct {
		values string
		n      int
		want   string
	}{
		{"0x10000000", 51, "0x50      "},
		{"0x176400", 2911, "0x2910  "},
		{"0x1000", 51, "0x50  "},
		{"1x5 0x15", 3, "1x2 0x0 "},
		{"1x5 0x15", 6, "1x5 0x0 "},
		{"1x5 0x15", 7, "1x5 0x0 "},
		{"0+10x100 _x50 5", 150, "0+10x100 _x49 5"},
		{"_x50 3x9", 10, "_x10 3x0"},
		{"1 2 3 4", 2, "1 2 3 4"},
		{"1x3", 100, "1x3"},
		{"-1.5e3-2x99 stale", 4, "-1.5e3-2x3  stale"},
		// Not known before slot n: unchanged.
		{"{{schema:0 sum:1 count:1}}x1000 1x1000", 5, "{{schema:0 sum:1 count:1}}x1000 1x1000"},
		{"1_000x1000", 5, "1_000x1000"},
		{"Inf 1x1000", 5, "Inf 1x1000"},
		// Known before slot n, unknown after: kept.
		{"1x1000 {{schema:0}}x9", 5, "1x4    {{schema:0}}x9"},
		// A parse error after slot n stays where it was.
		{"1x1000 oops", 5, "1x4    oops"},
		// A count out of uint64's range is a parse error
		// ("invalid repetition in series values"): never lowered to one
		// that parses, before slot n or after it.
		{"1x99999999999999999999", 5, "1x99999999999999999999"},
		{"1x5 1x99999999999999999999", 3, "1x2 1x99999999999999999999"},
		// One in int's range but past uint64's half: kept, unexpanded.
		{"1 1x9223372036854775807", 3, "1 1x9223372036854775807"},
		{"1 2x9223372036854775806 3x9", 3, "1 2x1                   3x0"},
	} {
		got := CutSlots(tc.values, tc.n)
		if got != tc.want {
			t.Errorf("CutSlots(%q, %d) = %q, want %q", tc.values, tc.n, got, tc.want)
			continue
		}
		if SampleSlots(tc.values) > 10_000 {
			continue // Expanding it would take a while; the cases below cover the same.
		}
		whole, werr := expand(tc.values)
		cut, cerr := expand(got)
		if fmt.Sprint(werr) != fmt.Sprint(cerr) {
			t.Errorf("CutSlots(%q, %d): parse error %v, whole string's %v", tc.values, tc.n, cerr, werr)
			continue
		}
		if werr != nil {
			continue
		}
		k := min(tc.n, len(whole))
		if len(cut) < k {
			t.Errorf("CutSlots(%q, %d) keeps %d slots, want at least %d", tc.values, tc.n, len(cut), k)
			continue
		}
		if d := cmp.Diff(whole[:k], cut[:k]); d != "" {
			t.Errorf("CutSlots(%q, %d): first slots differ (-whole +cut):\n%s", tc.values, tc.n, d)
		}
	}
}

// expand is what Prometheus's loader makes of a values string, one string
// per slot.
func expand(values string) ([]string, error) {
	_, vals, err := parser.NewParser(parser.Options{}).ParseSeriesDesc("x " + values)
	var out []string
	for _, v := range vals {
		out = append(out, fmt.Sprintf("%v %v %v", v.Omitted, v.Value, v.Histogram))
	}
	return out, err
}

// TestTotalSamplesRefusedBeforeExpanding: a test group whose input series
// together hold more samples than the limit is refused by the loader, at
// the group, from the series' notation: FuzzFromSpec's kind of input, a
// few kilobytes holding sixty series at the per-series limit, was expanded
// whole (9 million samples, two seconds) before the harness refused it.
// Within the limit, a series that does not parse is still reported.
func TestTotalSamplesRefusedBeforeExpanding(t *testing.T) {
	load := func(series int, values string) (*Hand, diag.List) {
		t.Helper()
		src := "version: slo/v1\nspec: s.yaml\ntests:\n  - name: big\n    input_series:\n"
		for i := range series {
			src += fmt.Sprintf("      - series: a{b=\"%d\"}\n        values: %s\n", i, values)
		}
		src += "    alert_rule_test: [{eval_time: 5m, alertname: X}]\n"
		sf, diags := spec.ParseScenario("tests/big.yaml", []byte(src))
		if sf == nil {
			t.Fatalf("parse: %v", diags)
		}
		f, ds := FromSpec(sf)
		return f, append(diags, ds...)
	}
	f, diags := load(60, "1+1x99999")
	want := "tests/big.yaml:4:5: error: input_series: 6,000,000 samples in all, more than the limit of 2,000,000 (--max-total-samples) [scenario/limit]"
	if len(diags) != 1 || diags[0].String() != want {
		t.Errorf("60 series of 100,000 samples: got %v, want [%s]", diags, want)
	}
	if f != nil && len(f.Scenarios) > 0 {
		t.Errorf("the group over the limit is run: %d scenarios", len(f.Scenarios))
	}
	// The same count as the harness's check of a loaded scenario.
	s := &Scenario{Pos: diag.Pos{File: "tests/big.yaml", Line: 4, Col: 5}, Interval: time.Minute}
	for range 60 {
		s.Series = append(s.Series, Series{Series: "a", Values: "1+1x99999"})
	}
	if got := CheckLimits(s, time.Minute, Limits{}); len(got) != 1 || got[0].String() != want {
		t.Errorf("CheckLimits: got %v, want [%s]", got, want)
	}
	// Within the limit the values are parsed, and an error in one is still
	// reported at its series.
	_, diags = load(2, "1+1x10 x")
	if len(diags) != 2 || diags[0].Code != "scenario/series" {
		t.Errorf("two series that do not parse: got %v, want two scenario/series errors", diags)
	}
}
