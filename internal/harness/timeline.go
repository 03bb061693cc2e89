package harness

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/scenario"
	"github.com/slo-compiler/slo/internal/simulate"
	"github.com/slo-compiler/slo/internal/simulate/promtool"
)

// MaxPoints bounds the points of each plotted series: a timeline's step
// is the evaluation interval, or a multiple of it that keeps a 30-day
// scenario readable (and the report small).
const MaxPoints = 480

// Timeline is what a scenario did over time, for plotting: its input
// series and signals, step apart, and the runs of evaluations in which
// each alert was pending or firing, with who was notified.
type Timeline struct {
	// End is the last time the scenario's assertions look at; Step is
	// the time between plotted points; Interval is the evaluation
	// interval of the rules.
	End, Step, Interval time.Duration
	// Inputs has the series of each input series of the scenario.
	Inputs [][]simulate.Line
	// Signals has the series of each signal expression asked for; where
	// one failed, SignalErrs has why.
	Signals    [][]simulate.Line
	SignalErrs []error
	// Episodes are in order of start, then alert name and labels.
	Episodes []Episode
}

// Episode is a run of consecutive evaluations in which one alert (a name
// and labels) was pending, or firing.
type Episode struct {
	Alert    string
	Labels   map[string]string
	Firing   bool
	From, To time.Duration
	// Routes, for a firing episode: who Alertmanager notifies at From,
	// and again at every later evaluation of the run where that changes
	// (another alert starts or stops firing and inhibits it or not).
	Routes []Route
}

// Route is who Alertmanager notifies of a firing alert from a time on.
type Route struct {
	At time.Duration
	// Receivers the router picks; Inhibited says an inhibition muted the
	// alert instead, and InhibitedBy names the firing alerts (name and
	// labels) each of which alone inhibits it.
	Receivers   []string
	Inhibited   bool
	InhibitedBy []string
	// Held names receivers held back by time intervals; Note says why
	// there is no routing (no Alertmanager config, or an error).
	Held []string
	Note string
}

func (r Route) same(o Route) bool {
	return r.Inhibited == o.Inhibited && slices.Equal(r.Receivers, o.Receivers) &&
		slices.Equal(r.InhibitedBy, o.InhibitedBy) && slices.Equal(r.Held, o.Held) && r.Note == o.Note
}

// Replay runs scenario s of f and returns its timeline, with signals
// (PromQL expressions, usually recorded series) evaluated over it. One
// run of the simulator gives both the plotted lines and the alert
// states: the rules the lines read are evaluated at every step, the
// others where the alert states need them (simulate.Plot).
func Replay(f *scenario.File, s *scenario.Scenario, signals []string) (*Timeline, error) {
	return ReplayWith(f, s, signals, simulate.Options{})
}

// ReplayWith is Replay with the simulator's options (tests compare an
// on-demand replay with an exhaustive one).
func ReplayWith(f *scenario.File, s *scenario.Scenario, signals []string, opts simulate.Options) (*Timeline, error) {
	p, err := prepare(f)
	if err != nil {
		return nil, err
	}
	defer p.cleanup()
	iv := p.interval
	end := scenarioEnd(s)
	if end < iv {
		end = iv
	}
	end = stepTime(end, iv)
	step := iv
	if n := end / iv / MaxPoints; n > 0 {
		step = (n + 1) * iv
	}
	in := simulate.Input{
		Name:           s.Name,
		RuleFiles:      p.ruleFiles,
		EvalInterval:   iv,
		Interval:       s.Interval,
		ExternalLabels: s.ExternalLabels,
	}
	for _, se := range s.Series {
		in.Series = append(in.Series, simulate.SeriesInput{Series: se.Series, Values: se.Values})
	}
	tl := &Timeline{End: end, Step: step, Interval: iv}
	exprs := make([]string, 0, len(s.Series)+len(signals))
	for _, se := range s.Series {
		exprs = append(exprs, se.Series)
	}
	exprs = append(exprs, signals...)
	// One run gives the lines and the alert states.
	in.Plot = &simulate.Plot{Exprs: exprs, End: end, Step: step}
	if len(p.alerts) > 0 {
		in.Observe = []simulate.ObserveRange{{Alertnames: p.alerts, From: 0, To: end, StatesOnly: true}}
	}
	out, err := simulate.Observe(in, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	if err := stopped(out); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	tl.Inputs = out.Lines[:len(s.Series)]
	tl.Signals = out.Lines[len(s.Series):]
	tl.SignalErrs = out.LineErrs[len(s.Series):]
	if len(p.alerts) > 0 {
		tl.Episodes = p.episodes(out.States, end)
	}
	return tl, nil
}

// stopped returns why a run did not get to its end (the input or rules
// do not load, or a rule fails), so that it has no plot; nil if it did.
// The words are those slo test gives the same failure (promtool.Format).
func stopped(out *simulate.Output) error {
	var errs []error
	for _, f := range out.Failures {
		if f.Kind == simulate.Load || f.Kind == simulate.RuleFailed {
			errs = append(errs, errors.New(promtool.Format(f, "")))
		}
	}
	if len(errs) == 0 && out.Lines == nil {
		errs = append(errs, errors.New("the run stopped before its end"))
	}
	return errors.Join(errs...)
}

// scenarioEnd is the last time an assertion of s looks at.
func scenarioEnd(s *scenario.Scenario) time.Duration {
	var end time.Duration
	for _, a := range s.Alerts {
		end = max(end, a.At)
	}
	for _, r := range s.Ranges {
		to := r.To
		if r.Kind == scenario.PendingThenFires {
			to += r.For
		}
		end = max(end, to)
	}
	for _, q := range s.Queries {
		end = max(end, q.At)
	}
	return end
}

// episodes turns the states at every step into runs, and routes each
// firing run at its start.
func (p *prepared) episodes(states map[time.Duration][]simulate.AlertState, end time.Duration) []Episode {
	iv := p.interval
	var out []Episode
	open := map[string]int{} // key → index in out of the run still going
	prevFiring := ""
	for t := time.Duration(0); t <= end; t += iv {
		seen := map[string]bool{}
		// The alerts firing together decide inhibitions: routes are
		// recomputed when they change.
		var firing []string
		names := make([]string, len(states[t])) // each alert with its labels
		for i, st := range states[t] {
			names[i] = st.Name + fmtLabels(st.Labels)
			if st.Firing {
				firing = append(firing, names[i])
			}
		}
		firingKey := strings.Join(firing, "\n")
		for i, st := range states[t] {
			key := names[i] + strconv.FormatBool(st.Firing)
			seen[key] = true
			if i, ok := open[key]; ok {
				out[i].To = t + iv
				if st.Firing && firingKey != prevFiring {
					if r := p.route(&out[i], t, states[t]); !r.same(out[i].Routes[len(out[i].Routes)-1]) {
						out[i].Routes = append(out[i].Routes, r)
					}
				}
				continue
			}
			open[key] = len(out)
			e := Episode{Alert: st.Name, Labels: maps.Clone(st.Labels), Firing: st.Firing, From: t, To: t + iv}
			if st.Firing {
				e.Routes = []Route{p.route(&e, t, states[t])}
			}
			out = append(out, e)
		}
		prevFiring = firingKey
		for key := range open {
			if !seen[key] {
				delete(open, key)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Episode) int {
		if a.From != b.From {
			return int(a.From - b.From)
		}
		if a.Alert != b.Alert {
			return strings.Compare(a.Alert, b.Alert)
		}
		return strings.Compare(fmtLabels(a.Labels), fmtLabels(b.Labels))
	})
	return out
}

// route returns who Alertmanager notifies of e's alert at t, given every
// alert firing then.
func (p *prepared) route(e *Episode, t time.Duration, states []simulate.AlertState) Route {
	r := Route{At: t}
	if p.am == nil {
		r.Note = "no Alertmanager config"
		if p.amErr != nil {
			r.Note = "the Alertmanager config does not load: " + p.amErr.Error()
		}
		return r
	}
	var firing []map[string]string
	target := -1
	for _, st := range states {
		if !st.Firing {
			continue
		}
		if st.Name == e.Alert && maps.Equal(st.Labels, e.Labels) {
			target = len(firing)
		}
		firing = append(firing, maps.Clone(st.Labels))
	}
	if target < 0 {
		return r
	}
	inhibited, err := p.am.Inhibited(firing)
	if err != nil {
		r.Note = err.Error()
		return r
	}
	if inhibited[target] {
		r.Inhibited = true
		for i, src := range firing {
			if i == target {
				continue
			}
			if pair, err := p.am.Inhibited([]map[string]string{firing[target], src}); err == nil && pair[0] {
				r.InhibitedBy = append(r.InhibitedBy, src["alertname"]+fmtLabels(src))
			}
		}
		return r
	}
	ds, err := p.am.Route(firing[target], Epoch.Add(t))
	if err != nil {
		r.Note = err.Error()
		return r
	}
	for _, d := range ds {
		if d.Muted {
			r.Held = append(r.Held, d.Receiver+" ("+strings.Join(d.MutedBy, ", ")+")")
			continue
		}
		r.Receivers = append(r.Receivers, d.Receiver)
	}
	return r
}
