package app

import (
	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/model"
)

// duplicateRecords is the lint/duplicate-record check on what the compiler
// writes: every recording rule of every rule file, including the ones a
// spec does not name (the level:metric:value record of a change or
// baseline signal, the SLO rules), positioned at the spec entry that made
// it. Two rules conflict when they record the same name and no label set
// by both tells their series apart: they would overwrite each other.
func duplicateRecords(p *model.Project, out *compile.Output) diag.List {
	type writer struct {
		rule compile.Rule
		pos  diag.Pos
		who  string
	}
	var diags diag.List
	seen := map[string][]writer{}
	for i, s := range p.Services {
		if i >= len(out.RuleFiles) {
			break
		}
		// The records of the alerts group, by the alert that writes each,
		// in spec order.
		owners := map[string][]*model.Alert{}
		for _, a := range s.Alerts {
			for _, r := range compile.SignalRules(s, a) {
				owners[r.Record] = append(owners[r.Record], a)
			}
		}
		slos := map[string]*model.SLO{}
		for _, slo := range s.SLOs {
			slos[s.Name+"-slo-"+slo.Name] = slo
		}
		for _, g := range out.RuleFiles[i].Groups {
			for _, r := range g.Rules {
				if r.Record == "" {
					continue
				}
				w := writer{rule: r, pos: s.Pos, who: "service " + s.Name}
				if slo := slos[g.Name]; slo != nil {
					w.pos, w.who = slo.Pos, "SLO "+slo.Name
				} else if as := owners[r.Record]; len(as) > 0 {
					a := as[0]
					owners[r.Record] = as[1:]
					w.pos, w.who = a.Pos, "alert "+a.Name
					if r.Record != a.Record {
						w.who += " (the value its signal reads back)"
					}
				}
				for _, first := range seen[r.Record] {
					if sameSeries(first.rule.Labels, r.Labels) {
						diags.Errorf(w.pos, "lint/duplicate-record", "recording rule %q is written by %s and by %s at %s; the two rules would overwrite each other's series", r.Record, w.who, first.who, first.pos)
						break
					}
				}
				seen[r.Record] = append(seen[r.Record], w)
			}
		}
	}
	return diags
}

// sameSeries reports whether two rules with these labels can write the
// same series: no label both set has different values.
func sameSeries(a, b []compile.Label) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Name == y.Name && x.Value != y.Value {
				return false
			}
		}
	}
	return true
}
