package engine

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestDropLeadingGap checks that a load line without its leading blanks,
// its samples moved on by the blanks' count, has the samples of the whole
// line as the parser reads it, and that the blanks are dropped where they
// can be (that is the saving).
func TestDropLeadingGap(t *testing.T) {
	for _, tc := range []struct {
		line    string
		skipped int
	}{
		{`x _x42000 1+2x3`, 42000},
		{`x _ _x3 _ 5 _x2 7`, 5},
		{`x{a="b c", d='}_x9 1'} _x4 1+1x2`, 4},
		{"x{a=`{ _x3`} _x3 1", 3},
		{`{__name__="x", a="\" _x2"} _x7 -1-0.5x3 _ stale`, 7},
		{`x{a="b"}  _x2  1x2`, 2},
		{`x 1 _x3 2`, 0},    // no leading blank
		{`x _x3`, 0},        // nothing after the blanks
		{`x _x0 1`, 0},      // not of the form dropped
		{`x _x1_000 1`, 0},  // nor this
		{"x\t_x3 1", 0},     // a tab after the series
		{`x{a="b _x3 1`, 0}, // unterminated
		{`x _x3 {{schema:1 sum:2 count:3}}`, 3},
	} {
		got, skipped := dropLeadingGap(tc.line)
		if skipped != tc.skipped {
			t.Errorf("%s: dropped %d values (%q), want %d", tc.line, skipped, got, tc.skipped)
		}
		wantM, wantV, wantErr := loadParser.ParseSeriesDesc(tc.line)
		gotM, gotV, gotErr := loadParser.ParseSeriesDesc(got)
		if (wantErr != nil) != (gotErr != nil) {
			t.Errorf("%s: error %v, whole line %v", tc.line, gotErr, wantErr)
			continue
		}
		if wantErr != nil {
			continue
		}
		if gotM.String() != wantM.String() {
			t.Errorf("%s: metric %s, whole line %s", tc.line, gotM, wantM)
		}
		if d := cmp.Diff(wantV[skipped:], gotV, sameBits); d != "" {
			t.Errorf("%s: values (-whole line +dropped):\n%s", tc.line, d)
		}
		for i := range skipped {
			if !wantV[i].Omitted {
				t.Errorf("%s: value %d dropped, but not omitted", tc.line, i)
			}
		}
	}
	// parseFastSeries stamps the samples where the whole line puts them.
	series, ok := parseFastSeries("load 1m\n  x _x3 1 2\n", time.Unix(0, 0))
	if !ok || len(series) != 1 || len(series[0].samples) != 2 || series[0].samples[0].t != 3*60000 || series[0].samples[1].t != 4*60000 {
		t.Fatalf("parseFastSeries: %v %+v", ok, series)
	}
}

// sameBits compares floats by their bits: a stale marker is one NaN, not
// any.
var sameBits = cmp.Comparer(func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) })
