package diff

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/slo-compiler/slo/internal/num"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/promx/amx"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/simulate"
)

// job is one distinct scenario, run on both sides.
type job struct {
	file      string // the scenario file or spec, relative to its side
	s         *scenario.Scenario
	ruleFiles []string // names of the rule files it was written for
	watch     []string // the alerts to observe: those that may act differently
	out       [2]*trace
	err       [2]error
	changed   *ChangedScenario // set once an alert acts differently on it
}

// compareBehaviour runs every distinct scenario of both sides against the
// rules of both, and adds to set's alerts a Behaviour for each alert
// severity that acts differently. It returns how many distinct scenarios
// there are, and how many of them ran.
func compareBehaviour(base, head *Side, set *alertSet, opts Options) (total, ran int, err error) {
	var jobs []*job
	seen := map[string]bool{}
	for _, side := range []*Side{head, base} {
		for _, f := range side.Scenarios {
			var names []string
			for _, rf := range f.RuleFiles {
				names = append(names, rf.Name)
			}
			rel := relPath(side.Root, f.Name)
			for _, s := range f.Scenarios {
				k := rel + "\x00" + s.Name + "\x00" + inputKey(s)
				if seen[k] {
					continue
				}
				seen[k] = true
				jobs = append(jobs, &job{file: rel, s: s, ruleFiles: names})
			}
		}
	}
	watch := watchList(base, head)
	run := jobs[:0:0]
	for _, j := range jobs {
		for _, side := range []*Side{base, head} {
			for _, name := range j.ruleFiles {
				for _, a := range ruleAlerts(side.Files[name]) {
					if watch[a] && !slices.Contains(j.watch, a) {
						j.watch = append(j.watch, a)
					}
				}
			}
		}
		// A scenario whose alerts all have the same rules and routes on
		// both sides acts the same on both: it need not run.
		if len(j.watch) > 0 {
			run = append(run, j)
		}
	}
	sides := [2]*prepared{}
	for i, side := range []*Side{base, head} {
		p, err := prepare(side)
		if err != nil {
			return 0, 0, err
		}
		defer p.cleanup()
		sides[i] = p
	}
	par := opts.Parallelism
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	type task struct {
		j    *job
		side int
	}
	next := make(chan task)
	var wg sync.WaitGroup
	for range min(par, max(2*len(run), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range next {
				t.j.out[t.side], t.j.err[t.side] = sides[t.side].trace(t.j)
			}
		}()
	}
	for _, j := range run {
		next <- task{j, 0}
		// Rules alike on both sides give the same alert states: the
		// scenario runs once, and only the routing may differ.
		if !sides[0].sameRules(sides[1], j.ruleFiles) {
			next <- task{j, 1}
		}
	}
	close(next)
	wg.Wait()
	for _, j := range run {
		if j.out[1] == nil && j.err[1] == nil {
			j.out[1], j.err[1] = j.out[0], j.err[0]
		}
	}
	for _, j := range run {
		for _, err := range j.err {
			if err != nil {
				return 0, 0, fmt.Errorf("%s: scenario %q: %w", j.file, j.s.Name, err)
			}
		}
		compareTraces(j, set, sides[0].am, sides[1].am)
	}
	for _, a := range set.list {
		for i := range a.Behaviour {
			a.Behaviour[i].Text = a.Behaviour[i].text()
		}
		// Most severe first; otherwise in the order the scenarios ran.
		slices.SortStableFunc(a.Behaviour, func(x, y Behaviour) int { return severityOrder(x.sev, y.sev) })
	}
	return len(jobs), len(run), nil
}

// inputKey tells apart two scenarios of the same name whose inputs differ.
func inputKey(s *scenario.Scenario) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00", s.Interval)
	for _, se := range s.Series {
		fmt.Fprintf(h, "%s\x00%s\x00", se.Series, se.Values)
	}
	for _, k := range slices.Sorted(maps.Keys(s.ExternalLabels)) {
		fmt.Fprintf(h, "%s=%s\x00", k, s.ExternalLabels[k])
	}
	fmt.Fprintf(h, "%d", scenario.Measure(s).End)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// prepared is a side's rule files on disk and its Alertmanager config.
type prepared struct {
	files map[string][]byte
	dir   string
	paths map[string]string // rule file name -> path on disk
	am    *amx.Alertmanager
	// alerts are the alert names of each rule file.
	alerts   map[string][]string
	interval map[string]time.Duration
}

func (p *prepared) cleanup() { os.RemoveAll(p.dir) }

func prepare(s *Side) (*prepared, error) {
	dir, err := os.MkdirTemp("", "slo-diff-*")
	if err != nil {
		return nil, err
	}
	p := &prepared{files: s.Files, dir: dir, paths: map[string]string{}, alerts: map[string][]string{}, interval: map[string]time.Duration{}}
	for i, name := range slices.Sorted(maps.Keys(s.Files)) {
		if !strings.HasPrefix(name, "rules/") {
			continue
		}
		path := filepath.Join(dir, fmt.Sprintf("%02d-%s", i, filepath.Base(name)))
		if err := os.WriteFile(path, s.Files[name], 0o644); err != nil {
			p.cleanup()
			return nil, err
		}
		p.paths[name] = path
		groups, _ := promx.LoadRuleFile(s.Files[name])
		for _, g := range groups {
			if g.Interval > 0 && (p.interval[name] == 0 || g.Interval < p.interval[name]) {
				p.interval[name] = g.Interval
			}
			for _, r := range g.Rules {
				if r.Alert != "" && !slices.Contains(p.alerts[name], r.Alert) {
					p.alerts[name] = append(p.alerts[name], r.Alert)
				}
			}
		}
	}
	if data := s.Files[alertmanagerFile]; data != nil {
		if am, err := amx.LoadAlertmanager(data); err == nil {
			p.am = am
		}
	}
	return p, nil
}

// sameRules reports whether p and q hold the same rule files of names.
func (p *prepared) sameRules(q *prepared, names []string) bool {
	for _, n := range names {
		a, inP := p.files[n]
		b, inQ := q.files[n]
		if inP != inQ || !bytes.Equal(a, b) {
			return false
		}
	}
	return true
}

// trace is the alert states of one scenario on one side's rules.
type trace struct {
	alerts []string // alert names the rules define
	steps  []time.Duration
	states map[time.Duration][]simulate.AlertState
}

// trace runs j's scenario on the side's rule files of the names it was
// written for. A side without any of them has no alerts to compare.
func (p *prepared) trace(j *job) (*trace, error) {
	tr := &trace{}
	in := simulate.Input{Name: j.s.Name, Interval: j.s.Interval, ExternalLabels: j.s.ExternalLabels}
	for _, name := range j.ruleFiles {
		path, ok := p.paths[name]
		if !ok {
			continue
		}
		in.RuleFiles = append(in.RuleFiles, path)
		for _, a := range p.alerts[name] {
			if !slices.Contains(tr.alerts, a) {
				tr.alerts = append(tr.alerts, a)
			}
		}
		if iv := p.interval[name]; iv > 0 && (in.EvalInterval == 0 || iv < in.EvalInterval) {
			in.EvalInterval = iv
		}
	}
	if len(tr.alerts) == 0 {
		return tr, nil
	}
	if in.EvalInterval == 0 {
		in.EvalInterval = time.Minute
	}
	for _, se := range j.s.Series {
		in.Series = append(in.Series, simulate.SeriesInput{Series: se.Series, Values: se.Values})
	}
	end := scenario.Measure(j.s).End
	// Only the alerts that may act differently are observed: observing
	// every alert at every step would evaluate every rule at every step.
	in.Observe = []simulate.ObserveRange{{Alertnames: j.watch, From: 0, To: end, StatesOnly: true}}
	out, err := simulate.Observe(in, simulate.Options{})
	if err != nil {
		return nil, err
	}
	tr.states = out.States
	for t := range out.States {
		tr.steps = append(tr.steps, t)
	}
	sort.Slice(tr.steps, func(a, b int) bool { return tr.steps[a] < tr.steps[b] })
	return tr, nil
}

// severities lists the severities of name the trace saw active, in
// severity order.
func (tr *trace) severities(name string) []string {
	var out []string
	for _, sts := range tr.states {
		for _, st := range sts {
			if st.Name == name && !slices.Contains(out, st.Labels["severity"]) {
				out = append(out, st.Labels["severity"])
			}
		}
	}
	slices.SortFunc(out, severityOrder)
	return out
}

// outcome is what alert name of severity sev did over the trace.
func (tr *trace) outcome(name, sev string, am *amx.Alertmanager) Outcome {
	var o Outcome
	match := func(st simulate.AlertState) bool {
		return st.Name == name && st.Labels["severity"] == sev && st.Firing
	}
	for _, t := range tr.steps {
		i := slices.IndexFunc(tr.states[t], match)
		if !o.Fired {
			if i < 0 {
				continue
			}
			st := tr.states[t][i]
			o.Fired, o.firedAt, o.pendingAt = true, t, st.ActiveAt
			o.FiredAt, o.PendingAt = dur(t), dur(st.ActiveAt)
			o.Receivers, o.Inhibited = tr.route(t, i, am)
			continue
		}
		if i < 0 {
			o.resolved, o.resolvedAt, o.ResolvedAt = true, t, dur(t)
			break
		}
	}
	return o
}

// route returns the receivers notified for the i-th alert firing at t,
// given every alert firing then (for inhibitions).
func (tr *trace) route(t time.Duration, i int, am *amx.Alertmanager) ([]string, bool) {
	if am == nil {
		return nil, false
	}
	var firing []map[string]string
	target := -1
	for k, st := range tr.states[t] {
		if !st.Firing {
			continue
		}
		if k == i {
			target = len(firing)
		}
		ls := maps.Clone(st.Labels)
		ls["alertname"] = st.Name
		firing = append(firing, ls)
	}
	inhibited, err := am.Inhibited(firing)
	if err == nil && inhibited[target] {
		return nil, true
	}
	ds, err := am.Route(firing[target], epoch.Add(t))
	if err != nil {
		return nil, false
	}
	var names []string
	for _, d := range ds {
		if !d.Muted && !slices.Contains(names, d.Receiver) {
			names = append(names, d.Receiver)
		}
	}
	return names, false
}

func compareTraces(j *job, set *alertSet, bam, ham *amx.Alertmanager) {
	b, h := j.out[0], j.out[1]
	for _, name := range h.alerts {
		if !slices.Contains(b.alerts, name) {
			continue // an added or removed alert: its spec says so
		}
		ent := set.byName[name]
		if ent == nil || ent.base == nil || ent.head == nil {
			continue
		}
		sevs := b.severities(name)
		for _, s := range h.severities(name) {
			if !slices.Contains(sevs, s) {
				sevs = append(sevs, s)
			}
		}
		slices.SortFunc(sevs, severityOrder)
		for _, sev := range sevs {
			bo, ho := b.outcome(name, sev, bam), h.outcome(name, sev, ham)
			who := name + " " + ent.head.severityName(sev)
			generic := sentence(who, "", bo, ho)
			if generic == "" {
				continue
			}
			ctx := context(j, ent, name, sev)
			key := generic
			if bo.Fired != ho.Fired && !strings.HasPrefix(ctx, "in ") {
				// Whether it fires at all is said per value tested.
				key = sentence(who, ctx, bo, ho)
			}
			a := ent.report
			i := slices.IndexFunc(a.Behaviour, func(x Behaviour) bool { return x.key == key })
			if i < 0 {
				a.Behaviour = append(a.Behaviour, Behaviour{Severity: ent.head.severityName(sev), sev: sev, Base: bo, Head: ho, key: key, generic: generic, first: sentence(who, ctx, bo, ho)})
				i = len(a.Behaviour) - 1
			}
			x := &a.Behaviour[i]
			x.Scenarios = append(x.Scenarios, j.file+": "+j.s.Name)
			if j.changed == nil {
				j.changed = &ChangedScenario{Name: j.file + ": " + j.s.Name, File: j.file, Scenario: j.s, RuleFiles: j.ruleFiles}
			}
			if !slices.Contains(j.changed.Alerts, name) {
				j.changed.Alerts = append(j.changed.Alerts, name)
			}
			x.changed = append(x.changed, j.changed)
			if strings.HasPrefix(ctx, "in ") {
				// The alert's own scenarios are named first.
				if covers(j.s, name, sev) {
					x.named = slices.Insert(x.named, x.ownNamed, j.s.Name)
					x.ownNamed++
				} else {
					x.named = append(x.named, j.s.Name)
				}
			} else if !slices.Contains(x.values, ctx) {
				x.values = append(x.values, ctx)
			}
		}
	}
}

// covers reports whether s was written or generated for alert name of
// severity sev.
func covers(s *scenario.Scenario, name, sev string) bool {
	return slices.ContainsFunc(s.Covers, func(c scenario.Cover) bool {
		return c.Alert == name && (c.Severity == "" || c.Severity == sev)
	})
}

// context says what input a sentence is about: the value a generated
// threshold scenario holds the signal at, the burn rate of a generated
// burn-rate scenario, or the scenario's name.
func context(j *job, ent *entity, name, sev string) string {
	if covers(j.s, name, sev) {
		switch {
		case j.s.Probe != nil:
			return "at " + num.Format(j.s.Probe.Value)
		case j.s.Claim != nil:
			e := ent.either()
			if e.slo != nil && e.slo.ErrorBudget() > 0 {
				burn := j.s.Claim.Ratio / e.slo.ErrorBudget()
				return "on a " + num.Format(float64(int64(burn*100+0.5))/100) + "x burn"
			}
		}
	}
	return fmt.Sprintf("in %q", j.s.Name)
}

// sentence says how ho differs from bo, or "" when it does not. ctx
// says on what input ("at 330", "on a 14.4x burn", `in "name"`), or is
// empty for the sentence that groups scenarios.
func sentence(who, ctx string, bo, ho Outcome) string {
	// A value is said on both sides of a change; a scenario's name once.
	val, end := "", ""
	if ctx != "" {
		end = " " + ctx
		if !strings.HasPrefix(ctx, "in ") {
			val = end
		}
	}
	switch {
	case !bo.Fired && !ho.Fired:
		return ""
	case bo.Fired && !ho.Fired:
		return fmt.Sprintf("%s: fired after %s%s, now stays silent%s", who, dur(bo.firedAt-bo.pendingAt), val, end)
	case !bo.Fired && ho.Fired:
		return fmt.Sprintf("%s: stayed silent%s, now fires after %s%s", who, val, dur(ho.firedAt-ho.pendingAt), end)
	}
	// Both fired: the context goes with the first difference.
	var parts []string
	at := func() string {
		if len(parts) == 0 {
			return end
		}
		return ""
	}
	switch d := ho.firedAt - bo.firedAt; {
	case d > 0:
		parts = append(parts, fmt.Sprintf("now fires %s later%s", dur(d), at()))
	case d < 0:
		parts = append(parts, fmt.Sprintf("now fires %s earlier%s", dur(-d), at()))
	}
	if bo.Inhibited != ho.Inhibited || !slices.Equal(bo.Receivers, ho.Receivers) {
		parts = append(parts, fmt.Sprintf("reached %s%s, now reaches %s", reached(bo), at(), reached(ho)))
	}
	switch d := ho.resolvedAt - bo.resolvedAt; {
	case bo.resolved && ho.resolved && d > 0:
		parts = append(parts, fmt.Sprintf("now resolves %s later%s", dur(d), at()))
	case bo.resolved && ho.resolved && d < 0:
		parts = append(parts, fmt.Sprintf("now resolves %s sooner%s", dur(-d), at()))
	case bo.resolved && !ho.resolved:
		parts = append(parts, fmt.Sprintf("resolved%s, now keeps firing to the scenario's end", at()))
	case !bo.resolved && ho.resolved:
		parts = append(parts, fmt.Sprintf("fired to the scenario's end%s, now resolves", at()))
	}
	if len(parts) == 0 {
		return ""
	}
	return who + ": " + strings.Join(parts, "; ")
}

func reached(o Outcome) string {
	switch {
	case o.Inhibited:
		return "nobody (inhibited)"
	case len(o.Receivers) == 0:
		return "nobody"
	}
	return strings.Join(o.Receivers, ", ")
}

// maxNamed is how many scenario names a grouped sentence quotes.
const maxNamed = 2

// text says a grouped behaviour: the sentence of its one scenario, or
// the sentence once with the values and scenarios that show it.
func (x *Behaviour) text() string {
	if len(x.Scenarios) == 1 {
		return x.first
	}
	var where []string
	if len(x.values) > 0 {
		where = append(where, strings.Join(x.values, ", "))
	}
	if n := len(x.named); n > 0 {
		var q []string
		for _, name := range x.named[:min(n, maxNamed)] {
			q = append(q, fmt.Sprintf("%q", name))
		}
		s := "in " + strings.Join(q, ", ")
		if n > maxNamed {
			s = fmt.Sprintf("in %d scenarios such as %s", n, strings.Join(q, ", "))
			if len(x.values) > 0 {
				s = fmt.Sprintf("in %d other scenarios such as %s", n, strings.Join(q, ", "))
			}
		}
		where = append(where, s)
	}
	return x.generic + " (" + strings.Join(where, "; ") + ")"
}
