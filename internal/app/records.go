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
	recs := make([][]recordRule, len(out.RuleFiles))
	for i, rf := range out.RuleFiles {
		recs[i] = recordingRules(rf, nil)
	}
	return duplicateRecordsOf(p, recs, func(i int) compile.RuleFile { return out.RuleFiles[i] })
}

// recordRule is a recording rule of a rule file: its name, its labels and
// its place (group and rule, from 0).
type recordRule struct {
	name        string
	labels      []compile.Label
	group, rule int32
}

// recordingRules lists the recording rules of rf, in order. A rule whose
// labels equal the rule's before shares that rule's slice, and intern,
// when set, gives each name one string for every rule file: what
// duplicateRecordsOf needs of a thousand services' rules, without their
// expressions.
func recordingRules(rf compile.RuleFile, intern func(string) string) []recordRule {
	var recs []recordRule
	var last []compile.Label
	for g, grp := range rf.Groups {
		for j, r := range grp.Rules {
			if r.Record == "" {
				continue
			}
			ls := r.Labels
			if slices.Equal(ls, last) {
				ls = last
			}
			last = ls
			name := r.Record
			if intern != nil {
				name = intern(name)
			}
			recs = append(recs, recordRule{name, ls, int32(g), int32(j)})
		}
	}
	return recs
}

// duplicateRecordsOf is duplicateRecords on recs[i], the recording rules
// of service i's rule file, which ruleFile returns whole: only the rule
// files of rules that clash are asked for, to place them.
func duplicateRecordsOf(p *model.Project, recs [][]recordRule, ruleFile func(i int) compile.RuleFile) diag.List {
	// The rules are taken one record name at a time, each name's index
	// dropped before the next is built: an index of every name at once
	// holds a map entry per rule and label (5 MB for a thousand SLOs),
	// and this check runs while the files are read back, the compile's
	// peak. A rule's owner is looked up only for a clash.
	byName := map[string][]ruleRef{}
	var names []string
	for i := range p.Services {
		if i >= len(recs) {
			break
		}
		for k, r := range recs[i] {
			refs, ok := byName[r.name]
			if !ok {
				names = append(names, r.name)
			}
			byName[r.name] = append(refs, ruleRef{int32(i), int32(k)})
		}
	}
	type owned struct {
		rf compile.RuleFile
		at map[ruleAt]ruleOwner
	}
	owners := map[int32]owned{} // by service, of the services in a clash
	owner := func(ref ruleRef) (ruleOwner, *model.Service) {
		s := p.Services[ref.service]
		o, ok := owners[ref.service]
		if !ok {
			o.rf = ruleFile(int(ref.service))
			o.at = ruleOwners(s, o.rf)
			owners[ref.service] = o
		}
		r := recs[ref.service][ref.record]
		return o.at[ruleAt{o.rf.Groups[r.group].Name, int(r.rule) + 1}], s
	}
	var diags diag.List
	for _, name := range names {
		ws := &recordWriters{byLabel: map[string]map[string][]int{}, lacking: map[string][]int{}}
		for _, ref := range byName[name] {
			w := recordWriter{labels: recs[ref.service][ref.record].labels, ref: ref}
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

// ruleRef is a recording rule: the rule (from 0) of the recording rules
// of the rule file of the service (from 0).
type ruleRef struct{ service, record int32 }

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
