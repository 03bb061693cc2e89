package target

import (
	"fmt"
	"maps"

	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/promx/amx"
	"github.com/slo-compiler/slo/internal/render"
)

func init() { Register(prometheus{}) }

// prometheus is the default target: a Prometheus rule file per service in
// rules/ and the Alertmanager config in alertmanager/.
type prometheus struct{}

func (prometheus) Name() string { return Prometheus }

// Dirs are the folders the rule files and the Alertmanager config go in.
func (prometheus) Dirs() []string { return []string{"rules", "alertmanager"} }

// Files renders the rule files on all cores, in input order, then the
// Alertmanager config, if any.
func (p prometheus) Files(in Input) ([]File, error) {
	return RenderEach(p.NumFiles(in), func(i int) (File, error) { return p.File(in, i) })
}

// NumFiles is a rule file per service, and the Alertmanager config when
// there is one.
func (prometheus) NumFiles(in Input) int {
	n := len(in.Output.RuleFiles)
	if in.Output.Alertmanager != nil {
		n++
	}
	return n
}

// File renders the rule file of service i, or the Alertmanager config
// after the last service.
func (prometheus) File(in Input, i int) (File, error) {
	out := in.Output
	if i < len(out.RuleFiles) {
		rf := &out.RuleFiles[i]
		data, err := render.RuleFile(*rf)
		return File{Name: rf.Name, Data: data, Source: rf.Source, OneSpec: true, Rules: []*compile.RuleFile{rf}}, err
	}
	am := out.Alertmanager
	data, err := render.Alertmanager(am)
	if err != nil {
		return File{}, promx.RedactError(am.Base, err)
	}
	return File{Name: am.Name, Data: data, Alertmanager: am}, nil
}

// ReadBack reads a rule file with Prometheus's rule loader and compares
// what it reads with what was compiled; each problem is a *RuleProblem.
// It reads the Alertmanager config with Alertmanager's config loader; a
// refusal is a *ConfigRefusal.
func (prometheus) ReadBack(f File) []error {
	switch {
	case len(f.Rules) == 1:
		_, _, errs := readBackRules(f.Name, *f.Rules[0], f.Data)
		return errs
	case f.Alertmanager != nil:
		if raw := amx.AlertmanagerConfigProblem(f.Data); raw != nil {
			return []error{&ConfigRefusal{Err: raw, Config: f.Data}}
		}
	}
	return nil
}

// RuleProblem is a read-back problem of a rule file at a rule: Rule (from
// 1) of the group named Group; Rule 0 stands for the group, and an unknown
// group for the whole file. Index, when not 0, is the group's place in the
// file (from 1), which tells apart two groups of one name.
type RuleProblem struct {
	Group string
	Index int
	Rule  int
	Msg   string
}

func (p *RuleProblem) Error() string { return p.Msg }

// ConfigRefusal is Alertmanager's loader's refusal of a compiled
// Alertmanager config. Err is the loader's error as is, secrets and all,
// for finding what it refers to in Config, the config as loaded; Error
// redacts them.
type ConfigRefusal struct {
	Err    error
	Config []byte
}

func (r *ConfigRefusal) Error() string { return promx.Redact(r.Config, r.Err.Error()) }

// readBackRules reads a rule file with Prometheus's rule loader and
// compares what it read with rf. It returns the groups read, whether the
// loader accepted the file (whatever the comparison found) and the
// problems.
func readBackRules(name string, rf compile.RuleFile, data []byte) ([]promx.RuleGroup, bool, []error) {
	var out []error
	groups, errs := promx.LoadRuleFile(data)
	for _, e := range errs {
		group, rule, msg := promx.RuleProblem(e)
		out = append(out, &RuleProblem{Group: group, Rule: rule, Msg: fmt.Sprintf("the compiled %s is refused by Prometheus's rule loader: %s", name, msg)})
	}
	if len(errs) == 0 {
		if msg, where := readBackDiff(rf, groups); msg != "" {
			out = append(out, &RuleProblem{Group: where.group, Index: where.index, Rule: where.rule, Msg: fmt.Sprintf("the compiled %s does not read back as compiled: %s", name, msg)})
		}
	}
	return groups, len(errs) == 0, out
}

// ruleAt names a rule of a rule file, as RuleProblem does.
type ruleAt struct {
	group string
	index int
	rule  int
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
			return fmt.Sprintf("group %d: wrote %q (interval %s, %d rules), read %q (interval %s, %d rules)", i+1, g.Name, g.Interval, len(g.Rules), r.Name, r.Interval, len(r.Rules)), ruleAt{g.Name, i + 1, 0}
		}
		for j, want := range g.Rules {
			have := r.Rules[j]
			where := fmt.Sprintf("group %q rule %d", g.Name, j+1)
			at := ruleAt{g.Name, i + 1, j + 1}
			switch {
			case have.Record != want.Record || have.Alert != want.Alert:
				return fmt.Sprintf("%s: wrote %q%q, read %q%q", where, want.Record, want.Alert, have.Record, have.Alert), at
			case have.Expr != want.Expr:
				return fmt.Sprintf("%s: wrote expr %q, read %q", where, want.Expr, have.Expr), at
			case have.For != want.For || have.KeepFiringFor != want.KeepFiringFor:
				return fmt.Sprintf("%s: for/keep_firing_for differ", where), at
			case !sameLabels(have.Labels, want.Labels):
				return fmt.Sprintf("%s: wrote labels %v, read %v", where, labelMap(want.Labels), have.Labels), at
			case !sameLabels(have.Annotations, want.Annotations):
				return fmt.Sprintf("%s: wrote annotations %v, read %v", where, labelMap(want.Annotations), have.Annotations), at
			}
		}
	}
	return "", ruleAt{}
}

// sameLabels is maps.Equal(have, labelMap(want)) without building the map
// for every rule read back: when want's names are distinct and each is in
// have with its value, and have holds no more, the two are equal; anything
// else is left to maps.Equal.
func sameLabels(have map[string]string, want []compile.Label) bool {
	if len(have) != len(want) {
		return maps.Equal(have, labelMap(want))
	}
	for i, l := range want {
		if v, ok := have[l.Name]; !ok || v != l.Value {
			return maps.Equal(have, labelMap(want))
		}
		for _, before := range want[:i] {
			if before.Name == l.Name {
				return maps.Equal(have, labelMap(want))
			}
		}
	}
	return true
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
