// Package harness runs scenarios on the rules as deployed: it writes the
// rendered rule files, has package simulate evaluate them with the real
// Prometheus rule engine, and checks what happened against the scenario's
// expectations, including the receivers Alertmanager's own router and
// inhibitor pick from the compiled config.
package harness

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/promx/amx"
	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/simulate"
	"github.com/slo-compiler/slo/internal/simulate/promtool"
)

// Options configure a run.
type Options struct {
	// Exhaustive evaluates every step, as promtool does.
	Exhaustive bool
	// Run, when set, keeps only scenarios whose name matches.
	Run *regexp.Regexp
	// Keep, when set, keeps only the scenarios it returns true for.
	Keep func(file string, s *scenario.Scenario) bool
	// Parallelism bounds concurrent scenarios; zero means GOMAXPROCS.
	Parallelism int
	// Done, when set, is given each result as soon as every scenario
	// before it in input order has one: in input order, once each, one
	// call at a time, while later scenarios still run (slo test prints
	// its lines as they come).
	Done func(*scenario.Result)
}

// Epoch is the wall-clock time of a scenario's time zero, as in promtool:
// it decides what time intervals (office hours) routing sees.
var Epoch = time.Unix(0, 0).UTC()

// Run runs the scenarios of each file and returns their results in input
// order, scenarios running in parallel.
func Run(files []*scenario.File, opts Options) ([]*scenario.Result, error) {
	type job struct {
		f   *prepared
		s   *scenario.Scenario
		out **scenario.Result
	}
	var jobs []job
	var results []*scenario.Result
	var cleanups []func()
	defer func() {
		for _, c := range cleanups {
			c()
		}
	}()
	slots := make([]*scenario.Result, 0)
	for _, f := range files {
		p, err := prepare(f)
		if err != nil {
			return nil, err
		}
		cleanups = append(cleanups, p.cleanup)
		for _, s := range f.Scenarios {
			if opts.Run != nil && !opts.Run.MatchString(s.Name) || opts.Keep != nil && !opts.Keep(f.Name, s) {
				continue
			}
			slots = append(slots, nil)
			jobs = append(jobs, job{f: p, s: s})
		}
	}
	for i := range jobs {
		jobs[i].out = &slots[i]
	}
	par := opts.Parallelism
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	// released counts the results handed to opts.Done, in input order.
	var mu sync.Mutex
	released := 0
	finish := func(j job, r *scenario.Result) {
		if opts.Done == nil {
			*j.out = r
			return
		}
		mu.Lock()
		defer mu.Unlock()
		*j.out = r
		for ; released < len(slots) && slots[released] != nil; released++ {
			opts.Done(slots[released])
		}
	}
	next := make(chan job)
	var wg sync.WaitGroup
	for range min(par, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				finish(j, runScenario(j.f, j.s, opts))
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	results = append(results, slots...)
	return results, nil
}

// runScenario runs one scenario of a prepared file; tests wrap it to see
// how many run at once.
var runScenario = (*prepared).run

// prepared is a file's rules written to disk and its loaded Alertmanager
// config.
type prepared struct {
	file      *scenario.File
	dir       string
	ruleFiles []string
	interval  time.Duration
	alerts    []string
	am        *amx.Alertmanager
	amErr     error
}

func (p *prepared) cleanup() { os.RemoveAll(p.dir) }

func prepare(f *scenario.File) (*prepared, error) {
	dir, err := os.MkdirTemp("", "slo-test-*")
	if err != nil {
		return nil, err
	}
	p := &prepared{file: f, dir: dir}
	for i, rf := range f.RuleFiles {
		path := filepath.Join(dir, fmt.Sprintf("%02d-%s", i, filepath.Base(rf.Name)))
		if err := os.WriteFile(path, rf.Data, 0o644); err != nil {
			p.cleanup()
			return nil, err
		}
		p.ruleFiles = append(p.ruleFiles, path)
		groups, errs := promx.LoadRuleFile(rf.Data)
		if len(errs) > 0 {
			p.cleanup()
			return nil, fmt.Errorf("%s: %v", rf.Name, errs[0])
		}
		for _, g := range groups {
			for _, r := range g.Rules {
				if r.Alert != "" && !slices.Contains(p.alerts, r.Alert) {
					p.alerts = append(p.alerts, r.Alert)
				}
			}
		}
	}
	p.interval = evalInterval(f.RuleFiles)
	if f.Alertmanager != nil {
		p.am, p.amErr = amx.LoadAlertmanager(f.Alertmanager)
	}
	return p, nil
}

// evalInterval is the interval the scenarios of rule files are evaluated
// at: the shortest group interval, or 1m.
func evalInterval(rfs []scenario.RuleFile) time.Duration {
	var iv time.Duration
	for _, rf := range rfs {
		groups, _ := promx.LoadRuleFile(rf.Data)
		for _, g := range groups {
			if g.Interval > 0 && (iv == 0 || g.Interval < iv) {
				iv = g.Interval
			}
		}
	}
	if iv == 0 {
		iv = time.Minute
	}
	return iv
}

// CheckLimits checks every scenario of files against lim before anything
// is evaluated. It returns the files without the scenarios over a limit,
// and a positioned error for each limit a scenario is over (once per spec
// position and limit for generated scenarios, which are many per alert).
func CheckLimits(files []*scenario.File, lim scenario.Limits) ([]*scenario.File, diag.List) {
	var diags diag.List
	seen := map[string]bool{}
	out := make([]*scenario.File, 0, len(files))
	for _, f := range files {
		iv := evalInterval(f.RuleFiles)
		kept := *f
		kept.Scenarios = nil
		for _, s := range f.Scenarios {
			ds := scenario.OverLimits(s, iv, lim)
			if len(ds) == 0 {
				kept.Scenarios = append(kept.Scenarios, s)
				continue
			}
			for _, d := range ds {
				key := d.Pos.String() + " --" + d.Flag
				if s.Generated && seen[key] {
					continue
				}
				seen[key] = true
				diags = append(diags, d.Diagnostic)
			}
		}
		out = append(out, &kept)
	}
	return out, diags
}

func (p *prepared) run(s *scenario.Scenario, opts Options) *scenario.Result {
	start := time.Now()
	res := &scenario.Result{File: p.file.Name, Scenario: s}
	fail := func(pos diag.Pos, format string, args ...any) {
		if pos.File == "" {
			pos = s.Pos
		}
		res.Failures = append(res.Failures, scenario.Failure{Pos: pos, Message: fmt.Sprintf(format, args...)})
	}
	in := simulate.Input{
		Name:           s.Name,
		RuleFiles:      p.ruleFiles,
		EvalInterval:   p.interval,
		Interval:       s.Interval,
		ExternalLabels: s.ExternalLabels,
	}
	for _, se := range s.Series {
		in.Series = append(in.Series, simulate.SeriesInput{Series: se.Series, Values: se.Values})
	}
	for _, a := range s.Alerts {
		// Checked here rather than by promtool's checker: annotations
		// are compared only when the scenario gives them, and pending
		// alerts and receivers need the states anyway. Inhibition
		// depends on every alert firing at the time.
		names := []string{a.Alertname}
		if slices.ContainsFunc(a.Firing, func(e scenario.ExpAlert) bool { return e.CheckReceivers }) {
			names = p.alerts
		}
		in.Observe = append(in.Observe, simulate.ObserveRange{Alertnames: names, From: a.At, To: a.At})
	}
	for _, q := range s.Queries {
		et := simulate.ExprTest{Expr: q.Expr, At: q.At}
		for _, smp := range q.Samples {
			et.Samples = append(et.Samples, simulate.ExpectedSample{Labels: smp.Labels, Value: smp.Value})
		}
		in.ExprTests = append(in.ExprTests, et)
	}
	rangeAt := make([]int, len(s.Ranges))
	for i, r := range s.Ranges {
		to := r.To
		if r.Kind == scenario.PendingThenFires {
			to += r.For
		}
		// checkRange reads names, labels, firing states and ActiveAt only:
		// alert rules need not be evaluated at every step of the range.
		// "Never fires" needs to know only whether a selected alert fires:
		// the simulator may show it does not without observing the range
		// (Output.Silent), and observes it when it cannot. "Fires within"
		// needs one evaluation where a selected alert fires: the simulator
		// looks at the range's last one first, and observes the range
		// when no selected alert fires there (checkRange then sees the
		// same states as with the range observed). "Pending, then fires"
		// reads the states up to the first firing only: the simulator
		// observes the range up to where its probes put that firing, and
		// the whole range when no selected alert fires there.
		rangeAt[i] = len(in.Observe)
		in.Observe = append(in.Observe, simulate.ObserveRange{Alertnames: []string{r.Alertname}, From: r.From, To: to, StatesOnly: true,
			FiringOnly: r.Kind == scenario.NeverFires, FiresSome: r.Kind == scenario.FiresWithin,
			UntilFiring: r.Kind == scenario.PendingThenFires, Labels: r.Labels})
	}
	out, err := simulate.Observe(in, simulate.Options{Exhaustive: opts.Exhaustive})
	if err != nil {
		fail(s.Pos, "%v", err)
		res.Duration = time.Since(start)
		return res
	}
	res.Evaluations, res.Materialized = out.Stats.RuleEvals, out.Stats.MaterializedSteps
	for _, f := range out.Failures {
		fail(positionOf(s, f), "%s", strings.TrimSpace(promtool.Format(f, "")))
	}
	for i, r := range s.Ranges {
		if out.Silent[rangeAt[i]] {
			continue
		}
		if msg := checkRange(r, out.States, p.interval); msg != "" {
			fail(r.Pos, "%s", msg)
		}
	}
	for _, a := range s.Alerts {
		states := out.States[stepTime(a.At, p.interval)]
		if msg := checkAlerts(a, a.Firing, true, states); msg != "" {
			fail(a.Pos, "%s", msg)
		}
		if a.CheckPending {
			if msg := checkAlerts(a, a.Pending, false, states); msg != "" {
				fail(a.Pos, "%s", msg)
			}
		}
		for _, e := range a.Firing {
			if e.CheckReceivers {
				if msg := p.checkReceivers(a, e, states); msg != "" {
					fail(e.Pos, "%s", msg)
				}
			}
		}
	}
	// Failures read top to bottom, like the file.
	slices.SortStableFunc(res.Failures, func(a, b scenario.Failure) int {
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Col - b.Pos.Col
	})
	res.Duration = time.Since(start)
	return res
}

// stepTime is the evaluation whose state an assertion at t sees.
func stepTime(t, iv time.Duration) time.Duration { return t / iv * iv }

// positionOf is the position of the query a failure is about; other
// failures (rule evaluation errors) belong to the scenario.
func positionOf(s *scenario.Scenario, f simulate.Failure) diag.Pos {
	switch f.Kind {
	case simulate.ExprFailed, simulate.ExprMismatch:
		if f.Index >= 0 && f.Index < len(s.Queries) {
			return s.Queries[f.Index].Pos
		}
	}
	return s.Pos
}

func selects(st simulate.AlertState, name string, sel map[string]string) bool {
	if st.Name != name {
		return false
	}
	for k, v := range sel {
		if st.Labels[k] != v {
			return false
		}
	}
	return true
}

func describeSel(name string, sel map[string]string) string {
	if len(sel) == 0 {
		return name
	}
	keys := slices.Sorted(maps.Keys(sel))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%q", k, sel[k])
	}
	return name + "{" + strings.Join(parts, ", ") + "}"
}

func fmtLabels(m map[string]string) string {
	// slo report formats every alert's labels at every step of every
	// scenario (harness's episodes): one buffer, no fmt.
	keys := slices.Sorted(maps.Keys(m))
	b := make([]byte, 0, 64)
	b = append(b, '{')
	for _, k := range keys {
		if k == "alertname" {
			continue
		}
		if len(b) > 1 {
			b = append(b, ", "...)
		}
		b = append(b, k...)
		b = append(b, '=')
		b = strconv.AppendQuote(b, m[k]) // as %q
	}
	return string(append(b, '}'))
}

// times returns the observed evaluation times in [from, to], in order.
func times(states map[time.Duration][]simulate.AlertState, from, to time.Duration) []time.Duration {
	var ts []time.Duration
	for t := range states {
		if t >= from && t <= to {
			ts = append(ts, t)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	return ts
}

func checkRange(r scenario.AlertRange, states map[time.Duration][]simulate.AlertState, iv time.Duration) string {
	who := describeSel(r.Alertname, r.Labels)
	d := promx.FormatDuration
	find := func(t time.Duration, firing bool) *simulate.AlertState {
		for _, st := range states[t] {
			if selects(st, r.Alertname, r.Labels) && (!firing || st.Firing) {
				return &st
			}
		}
		return nil
	}
	switch r.Kind {
	case scenario.NeverFires:
		for _, t := range times(states, r.From, r.To) {
			if st := find(t, true); st != nil {
				return fmt.Sprintf("expected %s never to fire between %s and %s, but it fired at %s with labels %s", who, d(r.From), d(r.To), d(t), fmtLabels(st.Labels))
			}
		}
	case scenario.AlwaysFires:
		ts := times(states, r.From, r.To)
		if len(ts) == 0 {
			return fmt.Sprintf("expected %s to fire from %s to %s, but nothing was evaluated then", who, d(r.From), d(r.To))
		}
		for _, t := range ts {
			if find(t, true) == nil {
				return fmt.Sprintf("expected %s to fire at every evaluation from %s to %s, but it was not firing at %s", who, d(r.From), d(r.To), d(t))
			}
		}
	case scenario.FiresWithin:
		for _, t := range times(states, r.From, r.To) {
			if find(t, true) != nil {
				return ""
			}
		}
		return fmt.Sprintf("expected %s to fire between %s and %s, but it did not%s", who, d(r.From), d(r.To), lastState(states, r, who))
	case scenario.ResolvedBy:
		t := stepTime(r.From, iv)
		if st := find(t, true); st != nil {
			return fmt.Sprintf("expected %s to have resolved by %s, but it is still firing with labels %s", who, d(r.From), fmtLabels(st.Labels))
		}
	case scenario.PendingThenFires:
		// The first firing alert must have fired exactly `for` after it
		// went pending (its ActiveAt), and gone pending within the range.
		// A signal sitting right at its threshold may flicker pending and
		// inactive before that; only the run that fires counts.
		for _, t := range times(states, r.From, r.To+r.For) {
			st := find(t, true)
			if st == nil {
				continue
			}
			want := st.ActiveAt + r.For
			if rem := want % iv; rem != 0 {
				want += iv - rem
			}
			switch {
			case st.ActiveAt < r.From:
				// On demand, an alert active before the observed steps
				// carries the first of them as ActiveAt: say no more.
				return fmt.Sprintf("expected %s to go pending between %s and %s, but the alert that fired at %s was already pending before %s", who, d(r.From), d(r.To), d(t), d(r.From))
			case st.ActiveAt > r.To:
				return fmt.Sprintf("expected %s to go pending between %s and %s, but the alert that fired at %s went pending at %s", who, d(r.From), d(r.To), d(t), d(st.ActiveAt))
			case t != want:
				return fmt.Sprintf("expected %s, pending since %s, to fire after its for of %s at %s, but it fired at %s", who, d(st.ActiveAt), d(r.For), d(want), d(t))
			}
			return ""
		}
		for _, t := range times(states, r.From, r.To+r.For) {
			if st := find(t, false); st != nil {
				_ = st
				return fmt.Sprintf("expected %s to go pending between %s and %s and fire after its for of %s, but it never fired (it was pending at %s)", who, d(r.From), d(r.To), d(r.For), d(t))
			}
		}
		return fmt.Sprintf("expected %s to go pending between %s and %s and fire after its for of %s, but it stayed inactive", who, d(r.From), d(r.To), d(r.For))
	}
	return ""
}

func lastState(states map[time.Duration][]simulate.AlertState, r scenario.AlertRange, who string) string {
	for _, t := range times(states, r.From, r.To) {
		for _, st := range states[t] {
			if selects(st, r.Alertname, r.Labels) {
				return fmt.Sprintf(" (it was pending at %s)", promx.FormatDuration(t))
			}
		}
	}
	return " (it was never even pending)"
}

// checkAlerts compares the firing (or pending) alerts of a name at one
// time with the expected ones: labels exactly, annotations when given.
func checkAlerts(a scenario.AlertAt, want []scenario.ExpAlert, firing bool, states []simulate.AlertState) string {
	var got []simulate.AlertState
	for _, st := range states {
		if st.Name == a.Alertname && st.Firing == firing {
			got = append(got, st)
		}
	}
	used := make([]bool, len(got))
	var missing []string
	for _, e := range want {
		found := false
		for i, st := range got {
			if used[i] || !labelsEqual(st.Labels, e.Labels, a.Alertname) {
				continue
			}
			if e.Annotations != nil && !maps.Equal(e.Annotations, st.Annotations) {
				continue
			}
			used[i], found = true, true
			break
		}
		if !found {
			missing = append(missing, describeExp(e))
		}
	}
	var extra []string
	for i, st := range got {
		if !used[i] {
			extra = append(extra, fmtLabels(st.Labels)+" "+fmtAnnotations(st.Annotations))
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return ""
	}
	state := "firing"
	if !firing {
		state = "pending"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s at %s:", state, a.Alertname, promx.FormatDuration(a.At))
	for _, m := range missing {
		fmt.Fprintf(&b, "\n  - expected, not %s: %s", state, m)
	}
	for _, x := range extra {
		fmt.Fprintf(&b, "\n  + %s, not expected: %s", state, x)
	}
	if len(got) == 0 {
		fmt.Fprintf(&b, "\n  (no %s alert of that name)", state)
	}
	return b.String()
}

func describeExp(e scenario.ExpAlert) string {
	s := fmtLabels(e.Labels)
	if e.Annotations != nil {
		s += " " + fmtAnnotations(e.Annotations)
	}
	return s
}

func fmtAnnotations(m map[string]string) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%q", k, m[k])
	}
	return "annotations{" + strings.Join(parts, ", ") + "}"
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "(none)"
	}
	return strings.Join(xs, ", ")
}

func (p *prepared) checkReceivers(a scenario.AlertAt, e scenario.ExpAlert, states []simulate.AlertState) string {
	if p.am == nil {
		if p.amErr != nil {
			return "exp_receivers: the compiled Alertmanager config does not load: " + p.amErr.Error()
		}
		return "exp_receivers: the specs this scenario names have no routing document, so there is no Alertmanager config to route with"
	}
	var firing []map[string]string
	target := -1
	for _, st := range states {
		if !st.Firing {
			continue
		}
		ls := maps.Clone(st.Labels)
		if st.Name == a.Alertname && target < 0 && labelsEqual(ls, e.Labels, a.Alertname) {
			target = len(firing)
		}
		firing = append(firing, ls)
	}
	if target < 0 {
		return fmt.Sprintf("exp_receivers: no firing %s with labels %s at %s to route", a.Alertname, fmtLabels(e.Labels), promx.FormatDuration(a.At))
	}
	inhibited, err := p.am.Inhibited(firing)
	if err != nil {
		return "exp_receivers: " + err.Error()
	}
	var got []string
	note := ""
	if inhibited[target] {
		note = " (inhibited by another firing alert)"
	} else {
		deliveries, err := p.am.Route(firing[target], Epoch.Add(a.At))
		if err != nil {
			return "exp_receivers: " + err.Error()
		}
		for _, d := range deliveries {
			if d.Muted {
				note += fmt.Sprintf(" (%s held back: %s)", d.Receiver, strings.Join(d.MutedBy, ", "))
				continue
			}
			got = append(got, d.Receiver)
		}
	}
	want := e.Receivers
	if slices.Equal(want, got) {
		return ""
	}
	return fmt.Sprintf("receivers of %s%s at %s:\n  exp: %s\n  got: %s%s", a.Alertname, fmtLabels(e.Labels), promx.FormatDuration(a.At), listOrNone(want), listOrNone(got), note)
}

func labelsEqual(got, want map[string]string, name string) bool {
	w := maps.Clone(want)
	if w == nil {
		w = map[string]string{}
	}
	w["alertname"] = name
	return maps.Equal(got, w)
}
