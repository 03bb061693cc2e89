package engine

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/promql"
)

func TestSplitDealsEveryStepOnce(t *testing.T) {
	t0 := time.Unix(0, 0).UTC()
	for _, tc := range []struct {
		steps, step, parts int
		want               int // spans out
	}{
		{steps: 10, step: 1, parts: 2, want: 1},               // too short to split
		{steps: minPartSteps * 2, step: 1, parts: 2, want: 2}, // just long enough
		{steps: 1001, step: 31, parts: 2, want: 2},
		{steps: 1001, step: 1, parts: 3, want: 3},
		{steps: 1001, step: 1, parts: 1, want: 1},
	} {
		name := fmt.Sprintf("%d steps of %dm in %d", tc.steps, tc.step, tc.parts)
		sp := span{start: t0.Add(7 * time.Minute), step: time.Duration(tc.step) * time.Minute}
		sp.end = sp.start.Add(time.Duration(tc.steps-1) * sp.step)
		parts := split([]span{sp}, tc.parts)
		if len(parts) != tc.want {
			t.Errorf("%s: %d parts, want %d", name, len(parts), tc.want)
		}
		seen := map[time.Time]int{}
		for _, p := range parts {
			if p.end.Before(p.start) || p.step <= 0 {
				t.Fatalf("%s: empty or backwards part %+v", name, p)
			}
			for ts := p.start; !ts.After(p.end); ts = ts.Add(p.step) {
				seen[ts]++
			}
		}
		for k := range tc.steps {
			ts := sp.start.Add(time.Duration(k) * sp.step)
			if seen[ts] != 1 {
				t.Errorf("%s: step %d evaluated %d times, want once", name, k, seen[ts])
			}
			delete(seen, ts)
		}
		if len(seen) > 0 {
			t.Errorf("%s: parts evaluate %d steps outside the span", name, len(seen))
		}
	}
}

// TestSplitQueriesMatchWhole runs range queries whole and split on two and
// three goroutines over the same storage: the results must be the same,
// bit for bit (stale markers and NaNs included), series and points.
func TestSplitQueriesMatchWhole(t *testing.T) {
	var in strings.Builder
	in.WriteString("load 1m\n")
	in.WriteString(`  a_total{k="x"} 0+7x600 0+3x600` + "\n")
	in.WriteString(`  a_total{k="y"} 5+1x300 _x100 9+2x800` + "\n")
	in.WriteString(`  g{k="x"} 1 2 NaN 4 stale 6 7x1200` + "\n")
	start := time.Unix(0, 0).UTC()
	s, err := Open(in.String(), start, Options{OnDemand: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.LoadUntil(start.Add(1300 * time.Minute)); err != nil {
		t.Fatal(err)
	}
	spans := []span{
		{start: start, end: start.Add(1200 * time.Minute), step: time.Minute},
		{start: start.Add(3 * time.Minute), end: start.Add(1203 * time.Minute), step: 31 * time.Minute},
		{start: start.Add(1210 * time.Minute), end: start.Add(1215 * time.Minute), step: time.Minute},
	}
	for _, expr := range []string{
		`rate(a_total[1h])`,
		`sum by (k) (increase(a_total[10m])) / ignoring(k) group_left sum(rate(a_total[3h]))`,
		`g / avg_over_time(g[1d])`,
		`max_over_time(g[7m:2m])`,
		`g > 3`,
		// Offsets, functions of time, and instant selectors whose
		// lookback reaches back past a part's first step (a_total{k="y"}
		// has a gap of 100 steps, g a NaN and a stale marker).
		`a_total offset 17m`,
		`rate(a_total[10m] offset 1h)`,
		`time() - timestamp(a_total)`,
		`minute() + hour() * 60`,
		`last_over_time(g[3m])`,
		`absent(a_total{k="y"})`,
		`count_over_time(a_total[5m:1m] offset 3m)`,
	} {
		whole, err := rangeQueriesOn(s.ctx, s.engine, s.view, expr, spans, 1)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if len(whole) == 0 {
			t.Fatalf("%s: no series", expr)
		}
		for _, workers := range []int{2, 3} {
			got, err := rangeQueriesOn(s.ctx, s.engine, s.view, expr, spans, workers)
			if err != nil {
				t.Fatalf("%s on %d: %v", expr, workers, err)
			}
			if d := cmp.Diff(bitsOf(whole), bitsOf(got)); d != "" {
				t.Errorf("%s on %d goroutines differs from one query (-whole +split):\n%s", expr, workers, d)
			}
		}
	}
}

// bitsOf is a matrix as comparable strings: labels, then each point's time
// and float bits.
func bitsOf(m promql.Matrix) []string {
	var out []string
	for _, s := range m {
		var b strings.Builder
		b.WriteString(s.Metric.String())
		for _, p := range s.Floats {
			fmt.Fprintf(&b, " %d:%x", p.T, math.Float64bits(p.F))
		}
		out = append(out, b.String())
	}
	return out
}
