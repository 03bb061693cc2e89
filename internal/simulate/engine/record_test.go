package engine

import (
	"math/rand"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/model/labels"
)

func TestProgressions(t *testing.T) {
	every := func(lo, hi, d int) [][2]int {
		var out [][2]int
		for g := lo; g <= hi; g += d {
			out = append(out, [2]int{g, g})
		}
		return out
	}
	union := func(a, b [][2]int) [][2]int {
		set := map[int]bool{}
		hi := 0
		for _, rs := range [][][2]int{a, b} {
			for _, r := range rs {
				for g := r[0]; g <= r[1]; g++ {
					set[g] = true
					hi = max(hi, g)
				}
			}
		}
		var out [][2]int
		for g := 0; g <= hi; g++ {
			if set[g] {
				if n := len(out); n > 0 && out[n-1][1] == g-1 {
					out[n-1][1] = g
				} else {
					out = append(out, [2]int{g, g})
				}
			}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		runs [][2]int
		want [][3]int
	}{
		{"one run", [][2]int{{3, 10}}, [][3]int{{3, 10, 1}}},
		{"probes every third step", every(0, 30, 3), [][3]int{{0, 30, 3}}},
		{"two probe strides interleaved", union(every(0, 48, 3), every(0, 48, 16)), [][3]int{{0, 48, 3}, {16, 48, 16}}},
		// Where periodic took the leading runs (every third step up to
		// 12), the rest starts with a pair: 15 and 16.
		{"two probe strides from where they meet", union(every(15, 63, 3), every(16, 64, 16)), [][3]int{{15, 63, 3}, {16, 64, 16}}},
		{"a pair, then a run", [][2]int{{0, 1}, {3, 3}, {5, 9}}, [][3]int{{0, 9, 1}}},
		{"close runs share a query", [][2]int{{0, 1}, {3, 4}, {9, 9}}, [][3]int{{0, 4, 1}, {9, 9, 1}}},
		{"a far pair", [][2]int{{0, 0}, {10, 10}}, [][3]int{{0, 10, 10}}},
	} {
		if d := cmp.Diff(tc.want, progressions(tc.runs)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
	// Every step of the runs is computed, whatever they are.
	r := rand.New(rand.NewSource(1))
	for range 200 {
		var runs [][2]int
		g := r.Intn(5)
		for range 1 + r.Intn(30) {
			n := r.Intn(3)
			runs = append(runs, [2]int{g, g + n})
			g += n + 2 + r.Intn(20)
		}
		covered := map[int]bool{}
		for _, p := range progressions(runs) {
			for s := p[0]; s <= p[1]; s += p[2] {
				covered[s] = true
			}
		}
		for _, run := range runs {
			for s := run[0]; s <= run[1]; s++ {
				if !covered[s] {
					t.Fatalf("%v: step %d is not computed by %v", runs, s, progressions(runs))
				}
			}
		}
	}
}

func TestIdentityLabel(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        bool
	}{
		{"team", "{{$labels.team}}", true},
		{"team", "{{ $labels.team }}", true},
		{"team", "{{$labels.owner}}", false},
		{"team", "x{{$labels.team}}", false},
		{"team", "{{$labels.team | toUpper}}", false},
		{"team", "{{$value}}", false},
		{"__name__", "{{$labels.__name__}}", false},
	} {
		if got := IdentityLabel(labels.Label{Name: tc.name, Value: tc.value}); got != tc.want {
			t.Errorf("IdentityLabel(%s: %q) = %v, want %v", tc.name, tc.value, got, tc.want)
		}
	}
}
