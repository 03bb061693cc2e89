package app

import (
	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/target"
)

type renderedRuleFile struct {
	data  []byte
	diags diag.List
	err   error
}

// renderRuleFile renders rf with the prometheus target and reads it back,
// as a compile does, each problem placed by at (nil: at the spec file).
func renderRuleFile(rf compile.RuleFile, at ruleLocator) renderedRuleFile {
	if at == nil {
		at = func(string, int) diag.Pos { return diag.Pos{File: rf.Source} }
	}
	t, _ := target.Lookup(target.Prometheus)
	files, err := t.Files(target.Input{Output: &compile.Output{RuleFiles: []compile.RuleFile{rf}}})
	if err != nil {
		return renderedRuleFile{err: err}
	}
	r := renderedRuleFile{data: files[0].Data}
	for _, e := range t.ReadBack(files[0]) {
		r.diags = append(r.diags, ruleDiag(e.(*target.RuleProblem), at))
	}
	return r
}
