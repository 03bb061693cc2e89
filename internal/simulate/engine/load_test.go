package engine

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
)

// dump returns every sample of the storage up to its last step, as text.
func dump(t *testing.T, l loader) []string {
	t.Helper()
	q, err := l.Storage().Querier(math.MinInt64, math.MaxInt64)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ss := q.Select(context.Background(), true, nil, labels.MustNewMatcher(labels.MatchRegexp, labels.MetricName, ".+"))
	var out []string
	for ss.Next() {
		s := ss.At()
		it := s.Iterator(nil)
		for vt := it.Next(); vt != chunkenc.ValNone; vt = it.Next() {
			switch vt {
			case chunkenc.ValFloat:
				ts, v := it.At()
				out = append(out, fmt.Sprintf("%s %d %v", s.Labels(), ts, math.Float64bits(v)))
			default:
				ts, h := it.AtFloatHistogram(nil)
				out = append(out, fmt.Sprintf("%s %d %s", s.Labels(), ts, h))
			}
		}
	}
	if err := ss.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFastLoaderLoadsLikeLazyLoader: the same samples, at every step the
// run loads to, for the notation slo and promtool files generate.
func TestFastLoaderLoadsLikeLazyLoader(t *testing.T) {
	for _, tc := range []struct {
		name  string
		load  string
		start time.Time
	}{
		{"counters and gaps", "load 1m\n  x{a=\"1\"} 0+1x10 _x3 5 stale 7\n  y 1 2 3\n", time.Time{}},
		{"series given twice keeps the last", "load 30s\n  x 1 2 3\n  x 7 8\n", time.Time{}},
		{"start timestamp", "load 5m\n  up{job=\"a\"} 1x20\n", time.Unix(1_700_000_000, 0).UTC()},
		{"histograms", "load 1m\n  h {{schema:0 sum:5 count:4 buckets:[1 2 1]}}x3\n", time.Time{}},
		{"long step name", "load 1h30m\n  z -1x4\n", time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fast, ok := newFastLoader(tc.load, tc.start)
			if !ok {
				t.Fatal("fast loader declined")
			}
			defer fast.Close()
			lazy, err := promqltest.NewLazyLoader(tc.load, promqltest.LazyLoaderOpts{StartTime: tc.start})
			if err != nil {
				t.Fatal(err)
			}
			defer lazy.Close()
			base := tc.start
			if base.IsZero() {
				base = time.Unix(0, 0).UTC()
			}
			for _, at := range []time.Duration{0, 90 * time.Second, 7 * time.Minute, 3 * time.Hour, 100 * time.Hour} {
				var errF, errL error
				fast.WithSamplesTill(base.Add(at), func(err error) { errF = err })
				lazy.WithSamplesTill(base.Add(at), func(err error) { errL = err })
				if errF != nil || errL != nil {
					t.Fatalf("at %s: fast %v, lazy %v", at, errF, errL)
				}
				if d := cmp.Diff(dump(t, lazy), dump(t, fast)); d != "" {
					t.Fatalf("at %s (-lazy +fast):\n%s", at, d)
				}
			}
		})
	}
	// What the fast loader does not take goes to LazyLoader, whose error
	// messages are promtool's.
	for _, load := range []string{"load 1m\n  x{ 1 2\n", "load_with_nhcb 1m\n  x 1\n", "load 1m\n  x@st 0x3\n  x 1 2 3 4\n", "load 1m\n\n  x 1\n", "eval instant at 0 x\n",
		// A line it does not take among lines it does (read side by side).
		"load 1m\n  a 1 2\n  x{ 1 2\n  b 3\n", "load 1m\n  a 1\n  # c\n  b 2\n", "load 1m\n  a 1\n  b 2\n  c@st 0x3\n"} {
		if _, ok := newFastLoader(load, time.Time{}); ok {
			t.Errorf("fast loader took %q", load)
		}
	}
}

// TestAppendSlicedLoadsLikeOneCommit: a week of samples of series of
// different densities (and one that starts late, one that ends early,
// histograms among floats), loaded up to a time in bounded commits, holds
// the same samples as loaded in one commit; so does loading on from there.
func TestAppendSlicedLoadsLikeOneCommit(t *testing.T) {
	const load = "load 1m\n" +
		"  a_total{k=\"1\"} 0+3x10080\n" +
		"  b{k=\"2\"} _x5000 1+1x5080\n" +
		"  c{k=\"3\"} 1x300 stale\n" +
		"  d{k=\"4\"} 0+1x2000 _x3000 NaN 2+1x5000\n" +
		"  h {{schema:0 sum:5 count:4 buckets:[1 2 1]}}x3000\n"
	one, ok := newFastLoader(load, time.Time{})
	if !ok {
		t.Fatal("fastLoader does not take the input")
	}
	defer one.Close()
	sliced, _ := newFastLoader(load, time.Time{})
	defer sliced.Close()
	for _, till := range []time.Duration{90 * time.Hour, 7 * 24 * time.Hour} {
		if err := one.appendTill(millis(time.Unix(0, 0).Add(till))); err != nil {
			t.Fatal(err)
		}
		if err := sliced.appendSliced(millis(time.Unix(0, 0).Add(till))); err != nil {
			t.Fatal(err)
		}
		want, got := dump(t, one), dump(t, sliced)
		if len(want) < commitSamples {
			t.Fatalf("only %d samples up to %s: too few to need several commits", len(want), till)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("up to %s (-one commit +sliced):\n%s", till, d)
		}
	}
}
