package target

import (
	"testing"
	"time"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/promx"
)

// TestDigestsAgreeWithReadBackDiff: the digest of compiled groups equals
// the digest of groups read exactly when readBackDiff finds no
// difference, labels and annotations compared as maps whatever their
// order and repeats in the compiled form.
func TestDigestsAgreeWithReadBackDiff(t *testing.T) {
	read := []promx.RuleGroup{{Name: "g", Interval: time.Minute, Rules: []promx.Rule{{
		Alert: "A", Expr: "x > 1", For: time.Minute,
		Labels:      map[string]string{"a": "1", "b": "2"},
		Annotations: map[string]string{"summary": "s"},
	}}}}
	rule := func(labels ...compile.Label) compile.RuleFile {
		return compile.RuleFile{Groups: []compile.Group{{Name: "g", Interval: time.Minute, Rules: []compile.Rule{{
			Alert: "A", Expr: "x > 1", For: time.Minute, Labels: labels,
			Annotations: []compile.Label{{Name: "summary", Value: "s"}},
		}}}}}
	}
	for name, rf := range map[string]compile.RuleFile{
		"sorted":                rule(compile.Label{Name: "a", Value: "1"}, compile.Label{Name: "b", Value: "2"}),
		"unsorted":              rule(compile.Label{Name: "b", Value: "2"}, compile.Label{Name: "a", Value: "1"}),
		"repeat, last wins":     rule(compile.Label{Name: "a", Value: "0"}, compile.Label{Name: "b", Value: "2"}, compile.Label{Name: "a", Value: "1"}),
		"repeat, first differs": rule(compile.Label{Name: "a", Value: "1"}, compile.Label{Name: "b", Value: "2"}, compile.Label{Name: "a", Value: "0"}),
		"one missing":           rule(compile.Label{Name: "a", Value: "1"}),
		"one more":              rule(compile.Label{Name: "a", Value: "1"}, compile.Label{Name: "b", Value: "2"}, compile.Label{Name: "c", Value: "3"}),
		"value moved":           rule(compile.Label{Name: "a", Value: "12"}, compile.Label{Name: "b", Value: ""}),
	} {
		msg, _ := readBackDiff(rf, read)
		same := compiledDigest(rf) == readDigest(read)
		if same != (msg == "") {
			t.Errorf("%s: digests equal %v, readBackDiff %q", name, same, msg)
		}
	}
	if readDigest(nil) == readDigest([]promx.RuleGroup{{}}) {
		t.Error("no group and one empty group have one digest")
	}
}
