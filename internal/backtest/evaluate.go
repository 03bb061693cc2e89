package backtest

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/slo-compiler/slo/internal/promx/amx"
	"github.com/slo-compiler/slo/internal/simulate/engine"
)

// Result is what one side's alerts would have done over the window.
type Result struct {
	From, To time.Time
	Alerts   []AlertResult
}

// AlertResult is one alert and severity over the window. An episode is a
// run of consecutive evaluations at which an alert (one label set) is
// firing; its length is the number of those evaluations times the group's
// interval, so an episode still firing at the end of the window is cut
// there.
type AlertResult struct {
	Alert    string
	Severity string
	// Fired counts episodes.
	Fired int
	// Firing is the time firing in all; Longest the longest episode.
	Firing, Longest time.Duration
	// Pages counts the episodes that reached at least one receiver
	// (not inhibited and not muted at one of its evaluations at least);
	// Silent the episodes that reached none (inhibited or muted
	// throughout, or routed nowhere).
	Pages, Silent int
	// Receivers maps each receiver reached to the episodes that reached it.
	Receivers map[string]int
}

type episode struct {
	key       string
	labels    map[string]string
	interval  time.Duration
	steps     int
	receivers map[string]bool
	notified  bool
}

// evaluate runs the alerting rules over [From, To) on the history and
// follows their firing alerts through routing and inhibition.
func evaluate(h *engine.History, alerts []*rule, amData []byte, o Options, prog *progress) (*Result, error) {
	res := &Result{From: o.From, To: o.To}
	if len(alerts) == 0 {
		return res, nil
	}
	var am *amx.Alertmanager
	if amData != nil {
		var err error
		if am, err = amx.LoadAlertmanager(amData); err != nil {
			return nil, fmt.Errorf("alertmanager config: %v", err)
		}
	}
	dir, err := os.MkdirTemp("", "slo-backtest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path, alerts, err := writeAlertRules(dir, alerts)
	if err != nil {
		return nil, err
	}
	rs, ivs, errs := h.LoadRules([]string{path}, time.Minute)
	if errs != nil {
		return nil, fmt.Errorf("alerting rules: %v", errs[0])
	}
	// Evaluation times: each alerting rule at the multiples of its group's
	// interval in [From, To] where it can be active (see steps).
	type tick struct {
		t    time.Time
		rule int
	}
	var ticks []tick
	for i, r := range rs {
		ts, err := steps(h, r, alerts[i], ivs[h.GroupOf(i)], o)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			ticks = append(ticks, tick{t, i})
		}
	}
	sort.SliceStable(ticks, func(i, j int) bool { return ticks[i].t.Before(ticks[j].t) })

	firing := make([][]map[string]string, len(rs)) // per rule, as of its last evaluation
	lastEval := make([]time.Time, len(rs))
	open := map[string]*episode{}
	var closed []*episode
	inhibitCache := map[string][]bool{}
	prog.phase(len(ticks))
	for k := 0; k < len(ticks); {
		t := ticks[k].t
		for ; k < len(ticks) && ticks[k].t.Equal(t); k++ {
			i := ticks[k].rule
			if e := h.EvalRule(i, t); e != nil {
				return nil, fmt.Errorf("alerting rule %s at %s: %v", e.Rule, stamp(t), e.Err)
			}
			lastEval[i] = t
			firing[i] = firing[i][:0]
			for _, a := range h.Alerts(i) {
				if a.Firing {
					firing[i] = append(firing[i], labelMap(a.Labels))
				}
			}
			prog.tick()
		}
		// Every alert firing as of t, in a stable order.
		var all []map[string]string
		var ivOf []time.Duration
		var evaluated []bool // the alert's rule was evaluated at t
		for i := range rs {
			for _, ls := range firing[i] {
				all = append(all, ls)
				ivOf = append(ivOf, ivs[h.GroupOf(i)])
				evaluated = append(evaluated, lastEval[i].Equal(t))
			}
		}
		keys := make([]string, len(all))
		for i, ls := range all {
			keys[i] = labels.FromMap(ls).String()
		}
		inhibited := make([]bool, len(all))
		if am != nil && len(all) > 0 {
			ck := strings.Join(sortedCopy(keys), "\n")
			if c, ok := inhibitCache[ck]; ok {
				byKey := map[string]bool{}
				for i, k := range sortedCopy(keys) {
					byKey[k] = c[i]
				}
				for i, k := range keys {
					inhibited[i] = byKey[k]
				}
			} else {
				got, err := am.Inhibited(all)
				if err != nil {
					return nil, err
				}
				copy(inhibited, got)
				byKey := map[string]bool{}
				for i, k := range keys {
					byKey[k] = got[i]
				}
				c := make([]bool, len(keys))
				for i, k := range sortedCopy(keys) {
					c[i] = byKey[k]
				}
				inhibitCache[ck] = c
			}
		}
		now := map[string]bool{}
		for i, ls := range all {
			key := keys[i]
			now[key] = true
			e := open[key]
			if e == nil {
				e = &episode{key: key, labels: ls, interval: ivOf[i], receivers: map[string]bool{}}
				open[key] = e
			}
			if evaluated[i] {
				e.steps++
			}
			if am != nil && !inhibited[i] {
				ds, err := am.Route(ls, t)
				if err != nil {
					return nil, err
				}
				for _, d := range ds {
					if !d.Muted {
						e.receivers[d.Receiver] = true
						e.notified = true
					}
				}
			}
		}
		for key, e := range open {
			if !now[key] {
				closed = append(closed, e)
				delete(open, key)
			}
		}
	}
	for _, e := range open {
		closed = append(closed, e)
	}
	byAlert := map[[2]string]*AlertResult{}
	for _, r := range rs {
		if r.Alert {
			k := [2]string{r.Name, r.Labels.Get("severity")}
			if byAlert[k] == nil {
				byAlert[k] = &AlertResult{Alert: k[0], Severity: k[1], Receivers: map[string]int{}}
			}
		}
	}
	for _, e := range closed {
		k := [2]string{e.labels["alertname"], e.labels["severity"]}
		a := byAlert[k]
		if a == nil {
			a = &AlertResult{Alert: k[0], Severity: k[1], Receivers: map[string]int{}}
			byAlert[k] = a
		}
		d := time.Duration(e.steps) * e.interval
		a.Fired++
		a.Firing += d
		a.Longest = max(a.Longest, d)
		if e.notified {
			a.Pages++
		} else if am != nil {
			a.Silent++
		}
		for r := range e.receivers {
			a.Receivers[r]++
		}
	}
	for _, a := range byAlert {
		res.Alerts = append(res.Alerts, *a)
	}
	sort.Slice(res.Alerts, func(i, j int) bool {
		a, b := res.Alerts[i], res.Alerts[j]
		if a.Alert != b.Alert {
			return a.Alert < b.Alert
		}
		return severityRank(a.Severity) < severityRank(b.Severity)
	})
	return res, nil
}

// steps returns the evaluation times of alerting rule r (engine rule d)
// that decide its state: the steps where its expression has a result (one
// range query over the window tells which), and after each run of those
// the steps up to keep_firing_for later plus one, where the alert keeps
// firing and then resolves. Evaluating at the other steps would change
// nothing: the expression is empty there and no alert is active, so the
// state machine has nothing to do. An expression that reads ALERTS or
// ALERTS_FOR_STATE (written by the evaluations themselves), or selects by
// a name pattern, is evaluated at every step.
func steps(h *engine.History, d engine.Rule, r *rule, iv time.Duration, o Options) ([]time.Time, error) {
	first := o.From.Truncate(iv)
	if first.Before(o.From) {
		first = first.Add(iv)
	}
	// Evaluations at [From, To): the window's length is the most an
	// alert can fire in it.
	n := int((o.To.Sub(first) + iv - 1) / iv)
	if n <= 0 {
		return nil, nil
	}
	all := false
	for _, rd := range r.reads {
		if rd.name == "" || rd.name == "ALERTS" || rd.name == "ALERTS_FOR_STATE" {
			all = true
		}
	}
	want := make([]bool, n)
	if all {
		for k := range want {
			want[k] = true
		}
	} else {
		series, err := h.Range(d.Query.String(), first, first.Add(time.Duration(n-1)*iv), iv)
		if err != nil {
			return nil, fmt.Errorf("alerting rule %s: %v", d.Name, err)
		}
		tail := int(d.KeepFiringFor/iv) + 1
		for _, s := range series {
			for _, t := range s.T {
				k := int((t - first.UnixMilli()) / iv.Milliseconds())
				for j := k; j <= k+tail && j < n; j++ {
					if j >= 0 {
						want[j] = true
					}
				}
			}
		}
	}
	var out []time.Time
	for k, w := range want {
		if w {
			out = append(out, first.Add(time.Duration(k)*iv))
		}
	}
	return out, nil
}

func sortedCopy(xs []string) []string {
	c := append([]string(nil), xs...)
	sort.Strings(c)
	return c
}

// severityRank orders critical before warning before anything else.
func severityRank(s string) string {
	switch s {
	case "critical":
		return "0"
	case "warning":
		return "1"
	}
	return "2" + s
}
