package app

import (
	"github.com/slo-compiler/slo/internal/compile"
	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/model"
)

// ruleLocator returns the spec position of rule number rule (from 1) of
// the group named group of a compiled rule file; rule 0 stands for the
// group, and an unknown group for the whole file.
type ruleLocator func(group string, rule int) diag.Pos

// ruleAt names a rule of a rule file, as ruleLocator takes it.
type ruleAt struct {
	group string
	rule  int
}

// locateRules places the rules of rf, compiled from service s, at the
// spec entry that made each: an SLO's group at the SLO; an alerting rule at
// its severity's threshold (or the alert); a recording rule at the alert
// whose signal records it (as lint/duplicate-record does); anything else at
// the service. The map is built on the first problem: the compile of a
// valid spec never needs it.
func locateRules(s *model.Service, rf compile.RuleFile) ruleLocator {
	var at map[ruleAt]diag.Pos
	return func(group string, rule int) diag.Pos {
		if at == nil {
			at = rulePositions(s, rf)
		}
		if p, ok := at[ruleAt{group, rule}]; ok {
			return p
		}
		if p, ok := at[ruleAt{group, 0}]; ok {
			return p
		}
		return s.Pos
	}
}

func rulePositions(s *model.Service, rf compile.RuleFile) map[ruleAt]diag.Pos {
	at := map[ruleAt]diag.Pos{}
	slos := map[string]*model.SLO{}
	for _, slo := range s.SLOs {
		slos[s.Name+"-slo-"+slo.Name] = slo
	}
	alerts := map[string]*model.Alert{}
	owners := map[string][]*model.Alert{}
	for _, a := range s.Alerts {
		alerts[a.Name] = a
		for _, r := range compile.SignalRules(s, a) {
			owners[r.Record] = append(owners[r.Record], a)
		}
	}
	for _, g := range rf.Groups {
		gpos := s.Pos
		if slo := slos[g.Name]; slo != nil {
			gpos = slo.Pos
		}
		at[ruleAt{g.Name, 0}] = gpos
		for j, r := range g.Rules {
			pos := gpos
			switch a := alerts[r.Alert]; {
			case slos[g.Name] != nil:
			case a != nil:
				pos = a.Pos
				for _, l := range a.Levels {
					if hasLabel(r.Labels, "severity", string(l.Severity)) {
						pos = l.Pos
					}
				}
			case len(owners[r.Record]) > 0:
				pos = owners[r.Record][0].Pos
				owners[r.Record] = owners[r.Record][1:]
			}
			at[ruleAt{g.Name, j + 1}] = pos
		}
	}
	return at
}

func hasLabel(ls []compile.Label, name, value string) bool {
	for _, l := range ls {
		if l.Name == name && l.Value == value {
			return true
		}
	}
	return false
}
