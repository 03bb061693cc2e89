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
	var diags diag.List
	seen := map[string]*recordWriters{}
	for i, s := range p.Services {
		if i >= len(out.RuleFiles) {
			break
		}
		owners := ruleOwners(s, out.RuleFiles[i])
		for _, g := range out.RuleFiles[i].Groups {
			for j, r := range g.Rules {
				if r.Record == "" {
					continue
				}
				w := recordWriter{labels: r.Labels, owner: owners[ruleAt{g.Name, j + 1}], service: s}
				ws := seen[r.Record]
				if ws == nil {
					ws = &recordWriters{byLabel: map[string]map[string][]int{}, lacking: map[string][]int{}}
					seen[r.Record] = ws
				}
				if first := ws.firstClash(r.Labels); first != nil {
					diags.Errorf(w.owner.pos, "lint/duplicate-record", "recording rule %q is written by %s and by %s at %s; the two rules would overwrite each other's series", r.Record, w.who(), first.who(), first.owner.pos)
				}
				ws.add(w)
			}
		}
	}
	return diags
}

// recordWriter is a recording rule's labels and who wrote the rule where:
// its owner in service.
type recordWriter struct {
	labels  []compile.Label
	owner   ruleOwner
	service *model.Service
}

// who names the writer, for a message (see ruleOwner.who).
func (w *recordWriter) who() string { return w.owner.who(w.service) }

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
