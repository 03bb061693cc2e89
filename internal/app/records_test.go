package app

import (
	"math/rand/v2"
	"testing"

	"github.com/slo-compiler/slo/internal/compile"
)

// The index finds the same first clash as comparing a rule with every rule
// before it, on label sets that mix missing labels, shared values and
// label-less rules.
func TestRecordWritersFindTheFirstClash(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"a", "b", "c"}
	values := []string{"1", "2"}
	for round := range 300 {
		ws := &recordWriters{byLabel: map[string]map[string][]int{}, lacking: map[string][]int{}}
		var all []recordWriter
		for i := range 12 {
			var ls []compile.Label
			for _, n := range names {
				if rng.IntN(3) > 0 {
					ls = append(ls, compile.Label{Name: n, Value: values[rng.IntN(len(values))]})
				}
			}
			want := -1
			for j, w := range all {
				if sameSeries(w.labels, ls) {
					want = j
					break
				}
			}
			got := -1
			if w := ws.firstClash(ls); w != nil {
				got = int(w.ref.record)
			}
			if got != want {
				t.Fatalf("round %d, rule %d %v: first clash %d, want %d", round, i, ls, got, want)
			}
			w := recordWriter{labels: ls}
			w.ref.record = int32(i)
			all = append(all, w)
			ws.add(w)
		}
	}
}
