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
	var at map[ruleAt]ruleOwner
	return func(group string, rule int) diag.Pos {
		if at == nil {
			at = ruleOwners(s, rf)
		}
		if o, ok := at[ruleAt{group, rule}]; ok {
			return o.pos
		}
		if o, ok := at[ruleAt{group, 0}]; ok {
			return o.pos
		}
		return s.Pos
	}
}

// ruleOwner is the spec entry that made a rule: an SLO, an alert, or (when
// both are nil) the service; pos is where a problem of the rule is placed.
type ruleOwner struct {
	pos   diag.Pos
	slo   *model.SLO
	alert *model.Alert
	// readsBack is set for a record of an alert's signal other than the
	// one the alert names (the value its signal reads back).
	readsBack bool
}

// who names the owner in a message, s being the rule's service.
func (o ruleOwner) who(s *model.Service) string {
	switch {
	case o.slo != nil:
		return "SLO " + o.slo.Name
	case o.alert != nil && o.readsBack:
		return "alert " + o.alert.Name + " (the value its signal reads back)"
	case o.alert != nil:
		return "alert " + o.alert.Name
	}
	return "service " + s.Name
}

// ruleOwners is the owner of every rule of rf (by group and place from 1)
// and of every group (place 0), rf being the rule file compiled from s.
// The records of an alert's signal are handed out in spec order, so of two
// alerts with the same signal each owns one copy.
func ruleOwners(s *model.Service, rf compile.RuleFile) map[ruleAt]ruleOwner {
	at := map[ruleAt]ruleOwner{}
	slos := map[string]*model.SLO{}
	for _, slo := range s.SLOs {
		slos[compile.SLOGroupName(s, slo)] = slo
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
		gown := ruleOwner{pos: s.Pos}
		if slo := slos[g.Name]; slo != nil {
			gown = ruleOwner{pos: slo.Pos, slo: slo}
		}
		at[ruleAt{g.Name, 0}] = gown
		for j, r := range g.Rules {
			own := gown
			switch a := alerts[r.Alert]; {
			case gown.slo != nil:
			case a != nil:
				own = ruleOwner{pos: a.Pos, alert: a}
				for _, l := range a.Levels {
					if hasLabel(r.Labels, "severity", string(l.Severity)) {
						own.pos = l.Pos
					}
				}
			case len(owners[r.Record]) > 0:
				a := owners[r.Record][0]
				owners[r.Record] = owners[r.Record][1:]
				own = ruleOwner{pos: a.Pos, alert: a, readsBack: r.Record != a.Record}
			}
			at[ruleAt{g.Name, j + 1}] = own
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
