package target

import (
	"maps"
	"testing"

	"github.com/slo-compiler/slo/internal/compile"
)

// TestSameLabels holds sameLabels to maps.Equal(have, labelMap(want)),
// duplicates, missing and extra labels included.
func TestSameLabels(t *testing.T) {
	l := func(kv ...string) []compile.Label {
		var ls []compile.Label
		for i := 0; i < len(kv); i += 2 {
			ls = append(ls, compile.Label{Name: kv[i], Value: kv[i+1]})
		}
		return ls
	}
	haves := []map[string]string{nil, {}, {"a": "1"}, {"a": "2"}, {"a": "1", "b": "2"}, {"b": "2"}}
	wants := [][]compile.Label{nil, l("a", "1"), l("a", "2"), l("a", "1", "b", "2"), l("b", "2", "a", "1"),
		l("a", "1", "a", "1"), l("a", "1", "a", "2"), l("a", "2", "a", "1"), l("a", "1", "c", "3")}
	for _, have := range haves {
		for _, want := range wants {
			if got, exact := sameLabels(have, want), maps.Equal(have, labelMap(want)); got != exact {
				t.Errorf("sameLabels(%v, %v) = %v, want %v", have, want, got, exact)
			}
		}
	}
}
