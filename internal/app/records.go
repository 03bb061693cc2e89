package app

import (
	"slices"

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
	// The rules are taken one record name at a time, each name's index
	// dropped before the next is built: an index of every name at once
	// holds a map entry per rule and label (5 MB for a thousand SLOs),
	// and this check runs while the files are read back, the compile's
	// peak. A rule's owner is looked up only for a clash.
	byName := map[string][]ruleRef{}
	var names []string
	for i := range p.Services {
		if i >= len(out.RuleFiles) {
			break
		}
		for g, grp := range out.RuleFiles[i].Groups {
			for j, r := range grp.Rules {
				if r.Record == "" {
					continue
				}
				refs, ok := byName[r.Record]
				if !ok {
					names = append(names, r.Record)
				}
				byName[r.Record] = append(refs, ruleRef{int32(i), int32(g), int32(j)})
			}
		}
	}
	owners := map[int32]map[ruleAt]ruleOwner{} // by service, of the services in a clash
	owner := func(ref ruleRef) (ruleOwner, *model.Service) {
		s, rf := p.Services[ref.service], out.RuleFiles[ref.service]
		at, ok := owners[ref.service]
		if !ok {
			at = ruleOwners(s, rf)
			owners[ref.service] = at
		}
		return at[ruleAt{rf.Groups[ref.group].Name, int(ref.rule) + 1}], s
	}
	var diags diag.List
	for _, name := range names {
		ws := &recordWriters{byLabel: map[string]map[string][]int{}, lacking: map[string][]int{}}
		for _, ref := range byName[name] {
			w := recordWriter{labels: out.RuleFiles[ref.service].Groups[ref.group].Rules[ref.rule].Labels, ref: ref}
			if first := ws.firstClash(w.labels); first != nil {
				own, s := owner(ref)
				firstOwn, firstService := owner(first.ref)
				diags.Errorf(own.pos, "lint/duplicate-record", "recording rule %q is written by %s and by %s at %s; the two rules would overwrite each other's series", name, own.who(s), firstOwn.who(firstService), firstOwn.pos)
			}
			ws.add(w)
		}
	}
	return diags
}

// ruleRef is a rule of the compiled output: the rule (from 0) of the group
// (from 0) of the rule file of the service (from 0).
type ruleRef struct{ service, group, rule int32 }

// recordWriter is a recording rule's labels and where it is.
type recordWriter struct {
	labels []compile.Label
	ref    ruleRef
}

// recordWriters are the rules that record one name, in the order met, with
// an index by label that finds the ones a new rule may clash with without
// comparing it with every one: a project of a thousand SLOs writes each
// SLO record name a thousand times.
type recordWriters struct {
	all []recordWriter
	// byLabel[name][value] are the indexes in all of the rules that set
	// label name to value.
	byLabel map[string]map[string][]int
	// lacking[name] are the indexes of the rules without label name, for
	// every name some rule sets; names are those names, in the order met.
	lacking map[string][]int
	names   []string
}

// firstClash returns the first rule met that can write the same series as
// a rule with labels ls (see sameSeries), or nil.
func (ws *recordWriters) firstClash(ls []compile.Label) *recordWriter {
	// A rule that clashes either lacks a label of ls or sets it to the
	// same value: look only at those, for the label that leaves fewest.
	var with, without []int
	best := -1
	for _, l := range ls {
		wo, known := ws.lacking[l.Name]
		if !known {
			continue // no rule sets this label: it tells none apart
		}
		w := ws.byLabel[l.Name][l.Value]
		if n := len(w) + len(wo); best < 0 || n < best {
			best, with, without = n, w, wo
		}
	}
	if best < 0 {
		for i := range ws.all {
			if sameSeries(ws.all[i].labels, ls) {
				return &ws.all[i]
			}
		}
		return nil
	}
	// Both lists ascend: merge them to check the rules in the order met.
	for len(with) > 0 || len(without) > 0 {
		var i int
		if len(without) == 0 || (len(with) > 0 && with[0] < without[0]) {
			i, with = with[0], with[1:]
		} else {
			i, without = without[0], without[1:]
		}
		if sameSeries(ws.all[i].labels, ls) {
			return &ws.all[i]
		}
	}
	return nil
}

// add appends w and indexes it by its labels.
func (ws *recordWriters) add(w recordWriter) {
	i := len(ws.all)
	ws.all = append(ws.all, w)
	for _, l := range w.labels {
		if _, known := ws.lacking[l.Name]; !known {
			// Every rule met before lacks this label.
			before := make([]int, i)
			for j := range before {
				before[j] = j
			}
			ws.lacking[l.Name] = before
			ws.names = append(ws.names, l.Name)
		}
		values := ws.byLabel[l.Name]
		if values == nil {
			values = map[string][]int{}
			ws.byLabel[l.Name] = values
		}
		values[l.Value] = append(values[l.Value], i)
	}
	for _, name := range ws.names {
		if !slices.ContainsFunc(w.labels, func(l compile.Label) bool { return l.Name == name }) {
			ws.lacking[name] = append(ws.lacking[name], i)
		}
	}
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
