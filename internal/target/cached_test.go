package target_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/readcache"
	"github.com/slo-compiler/slo/internal/target"
)

// problems renders read-back problems for comparison.
func problems(errs []error) []string {
	var out []string
	for _, e := range errs {
		s := e.Error()
		if rp, ok := e.(*target.RuleProblem); ok {
			s = fmt.Sprintf("%s#%d rule %d: %s", rp.Group, rp.Index, rp.Rule, rp.Msg)
		}
		out = append(out, s)
	}
	return out
}

// TestReadBackCached: with the cache, the prometheus target's read-back
// says what it says without one, on every run: a file read back before is
// a hit only while its bytes and what was compiled are the same; a changed
// byte misses and goes to the loader; a file that reads back as other
// groups than the ones compiled now is found different, at the same rule;
// and a file the loader refuses is refused on every run and never
// remembered.
func TestReadBackCached(t *testing.T) {
	tg, fs := files(t, target.Prometheus)
	cr, ok := tg.(target.CachedReader)
	if !ok {
		t.Fatal("the prometheus target is not a CachedReader")
	}
	var rules []target.File
	for _, f := range fs {
		if len(f.Rules) == 1 {
			rules = append(rules, f)
		}
	}
	if len(rules) < 2 {
		t.Fatalf("testdata/specs compiles to %d rule files; want several", len(rules))
	}
	dir := t.TempDir()
	c := readcache.OpenID(dir, "test")
	for _, f := range rules {
		if errs := cr.ReadBackCached(f, c); len(errs) > 0 {
			t.Fatalf("%s: %v", f.Name, errs)
		}
	}
	if hits, misses := c.Stats(); hits != 0 || misses != len(rules) {
		t.Fatalf("first run: %d hits, %d misses; want 0, %d", hits, misses, len(rules))
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c = readcache.OpenID(dir, "test")
	for _, f := range rules {
		if errs := cr.ReadBackCached(f, c); len(errs) > 0 {
			t.Fatalf("%s, second run: %v", f.Name, errs)
		}
	}
	if hits, misses := c.Stats(); hits != len(rules) || misses != 0 {
		t.Fatalf("second run: %d hits, %d misses; want %d, 0", hits, misses, len(rules))
	}

	f := rules[0]
	rf := *f.Rules[0]
	g, r := firstAlert(t, rf)
	// same checks that ReadBackCached(f) says what ReadBack(f) says, and
	// that it looked the file up (hit says whether it found it).
	same := func(t *testing.T, f target.File, hit bool) {
		t.Helper()
		want := problems(tg.ReadBack(f))
		h0, m0 := c.Stats()
		got := problems(cr.ReadBackCached(f, c))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ReadBackCached differs from ReadBack (-want +got):\n%s", diff)
		}
		h1, m1 := c.Stats()
		if (h1 > h0) != hit || h1+m1 != h0+m0+1 {
			t.Errorf("cache hits %d→%d, misses %d→%d; want a hit: %v", h0, h1, m0, m1, hit)
		}
	}

	t.Run("changed byte misses", func(t *testing.T) {
		changed := f
		changed.Data = bytes.Replace(f.Data, []byte("summary: "), []byte("summary: X"), 1)
		if bytes.Equal(changed.Data, f.Data) {
			t.Fatal("no summary to change")
		}
		same(t, changed, false)
		if len(tg.ReadBack(changed)) == 0 {
			t.Error("a file changed after rendering reads back as compiled")
		}
	})

	// Each edit changes, in what was compiled, one thing readBackDiff
	// compares, leaving the bytes as they are: the cached digest must no
	// longer match, and the difference be reported as without a cache.
	edits := map[string]func(*compile.RuleFile){
		"group name":     func(rf *compile.RuleFile) { rf.Groups[g].Name += "x" },
		"group interval": func(rf *compile.RuleFile) { rf.Groups[g].Interval += time.Second },
		"extra group":    func(rf *compile.RuleFile) { rf.Groups = append(rf.Groups, compile.Group{Name: "more"}) },
		"record":         func(rf *compile.RuleFile) { rf.Groups[0].Rules[0].Record += "x" },
		"alert":          func(rf *compile.RuleFile) { rf.Groups[g].Rules[r].Alert += "X" },
		"expr":           func(rf *compile.RuleFile) { rf.Groups[g].Rules[r].Expr += " > 0" },
		"for":            func(rf *compile.RuleFile) { rf.Groups[g].Rules[r].For += time.Minute },
		"keep firing":    func(rf *compile.RuleFile) { rf.Groups[g].Rules[r].KeepFiringFor += time.Minute },
		"label value":    func(rf *compile.RuleFile) { rf.Groups[g].Rules[r].Labels[0].Value += "x" },
		"extra label": func(rf *compile.RuleFile) {
			rf.Groups[g].Rules[r].Labels = append(rf.Groups[g].Rules[r].Labels, compile.Label{Name: "zz", Value: "v"})
		},
		"annotation value": func(rf *compile.RuleFile) { rf.Groups[g].Rules[r].Annotations[0].Value += "x" },
		"annotation as label": func(rf *compile.RuleFile) {
			rr := &rf.Groups[g].Rules[r]
			rr.Labels = append(rr.Labels, rr.Annotations[0])
			rr.Annotations = rr.Annotations[1:]
		},
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			edited := f
			erf := deepCopy(rf)
			edit(&erf)
			edited.Rules = []*compile.RuleFile{&erf}
			if len(tg.ReadBack(edited)) == 0 {
				t.Fatal("the edit is not a difference readBackDiff finds")
			}
			same(t, edited, true)
		})
	}

	t.Run("refused file", func(t *testing.T) {
		bad := compile.RuleFile{Name: "rules/bad.yml", Source: "specs/bad.yaml", Groups: []compile.Group{{
			Name: "g", Rules: []compile.Rule{{Record: "a:b:c", Expr: "sum(x"}},
		}}}
		out, err := tg.Files(target.Input{Output: &compile.Output{RuleFiles: []compile.RuleFile{bad}}})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			same(t, out[0], false)
		}
		if len(tg.ReadBack(out[0])) == 0 {
			t.Error("a bad expression reads back")
		}
	})
}

// firstAlert is the place of the first alerting rule with labels and
// annotations.
func firstAlert(t *testing.T, rf compile.RuleFile) (group, rule int) {
	for i, g := range rf.Groups {
		for j, r := range g.Rules {
			if r.Alert != "" && len(r.Labels) > 0 && len(r.Annotations) > 0 {
				return i, j
			}
		}
	}
	t.Fatalf("%s has no alert with labels and annotations", rf.Name)
	return 0, 0
}

func deepCopy(rf compile.RuleFile) compile.RuleFile {
	out := rf
	out.Groups = make([]compile.Group, len(rf.Groups))
	for i, g := range rf.Groups {
		out.Groups[i] = g
		out.Groups[i].Rules = make([]compile.Rule, len(g.Rules))
		for j, r := range g.Rules {
			r.Labels = append([]compile.Label(nil), r.Labels...)
			r.Annotations = append([]compile.Label(nil), r.Annotations...)
			out.Groups[i].Rules[j] = r
		}
	}
	return out
}
