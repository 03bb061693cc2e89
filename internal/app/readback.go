package app

import (
	"fmt"
	"maps"
	"runtime"
	"sync"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/render"
)

type renderedRuleFile struct {
	data  []byte
	diags diag.List
	err   error
}

// renderRuleFiles renders every rule file and reads each back as Prometheus
// would, on all cores; results come back in input order. locate(i) places
// the problems of files[i] (see renderRuleFile).
func renderRuleFiles(files []compile.RuleFile, locate func(i int) ruleLocator) []renderedRuleFile {
	out := make([]renderedRuleFile, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = renderRuleFile(files[i], locate(i))
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// renderRuleFile renders rf and reads it back. A problem is placed by at at
// the spec entry that made the rule (see ruleLocator); nil places it at the
// spec file.
func renderRuleFile(rf compile.RuleFile, at ruleLocator) renderedRuleFile {
	if at == nil {
		at = func(string, int) diag.Pos { return diag.Pos{File: rf.Source} }
	}
	data, err := render.RuleFile(rf)
	if err != nil {
		return renderedRuleFile{err: err}
	}
	var r renderedRuleFile
	r.data = data
	groups, errs := promx.LoadRuleFile(data)
	for _, e := range errs {
		group, rule, msg := promx.RuleProblem(e)
		r.diags.Errorf(at(group, rule), "rules/invalid", "the compiled %s is refused by Prometheus's rule loader: %s", rf.Name, msg)
	}
	if len(errs) == 0 {
		if msg, where := readBackDiff(rf, groups); msg != "" {
			r.diags.Errorf(at(where.group, where.rule), "rules/invalid", "the compiled %s does not read back as compiled: %s", rf.Name, msg)
		}
	}
	return r
}

// readBackDiff compares the groups read back from a rendered rule file with
// the ones compiled, and describes the first difference and where it is.
func readBackDiff(rf compile.RuleFile, got []promx.RuleGroup) (string, ruleAt) {
	if len(got) != len(rf.Groups) {
		return fmt.Sprintf("%d groups written, %d read", len(rf.Groups), len(got)), ruleAt{}
	}
	for i, g := range rf.Groups {
		r := got[i]
		if r.Name != g.Name || r.Interval != g.Interval || len(r.Rules) != len(g.Rules) {
			return fmt.Sprintf("group %d: wrote %q (interval %s, %d rules), read %q (interval %s, %d rules)", i+1, g.Name, g.Interval, len(g.Rules), r.Name, r.Interval, len(r.Rules)), ruleAt{g.Name, 0}
		}
		for j, want := range g.Rules {
			have := r.Rules[j]
			where := fmt.Sprintf("group %q rule %d", g.Name, j+1)
			at := ruleAt{g.Name, j + 1}
			switch {
			case have.Record != want.Record || have.Alert != want.Alert:
				return fmt.Sprintf("%s: wrote %q%q, read %q%q", where, want.Record, want.Alert, have.Record, have.Alert), at
			case have.Expr != want.Expr:
				return fmt.Sprintf("%s: wrote expr %q, read %q", where, want.Expr, have.Expr), at
			case have.For != want.For || have.KeepFiringFor != want.KeepFiringFor:
				return fmt.Sprintf("%s: for/keep_firing_for differ", where), at
			case !maps.Equal(have.Labels, labelMap(want.Labels)):
				return fmt.Sprintf("%s: wrote labels %v, read %v", where, labelMap(want.Labels), have.Labels), at
			case !maps.Equal(have.Annotations, labelMap(want.Annotations)):
				return fmt.Sprintf("%s: wrote annotations %v, read %v", where, labelMap(want.Annotations), have.Annotations), at
			}
		}
	}
	return "", ruleAt{}
}

func labelMap(ls []compile.Label) map[string]string {
	if len(ls) == 0 {
		return nil
	}
	m := make(map[string]string, len(ls))
	for _, l := range ls {
		m[l.Name] = l.Value
	}
	return m
}
