// Package backtest replays compiled rules against the history a real
// Prometheus server holds, and reports what the alerts would have done:
// how often each alert and severity would have fired, for how long, and
// who would have been paged (slo backtest). docs/backtest.md describes
// the method.
//
// In short: recording rules that read only stored metrics are range
// queries on the server (step = their group's interval); recording rules
// that read other recording rules, and the raw series the alerting rules
// read directly, are computed or fetched into a local storage; the
// alerting rules are then evaluated there step by step with Prometheus's
// own rule code (package engine), and the firing alerts go through
// Alertmanager's routing tree and inhibitor (package promx).
package backtest

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/simulate/engine"
)

// File is a compiled file: its name below the output folder and content.
type File struct {
	Name string
	Data []byte
}

// Project is one side's compiled output: rule files and the Alertmanager
// config (nil when there is none).
type Project struct {
	Rules        []File
	Alertmanager []byte
}

// Limits bound the cost of a backtest. Zero means no limit.
type Limits struct {
	// MaxRange is the longest window backtested.
	MaxRange time.Duration
	// MaxSteps caps the evaluation steps of one rule group over the window.
	MaxSteps int
	// MaxSeries caps the series one query returns.
	MaxSeries int
	// MaxSamples caps the samples fetched from the server in all.
	MaxSamples int
}

// DefaultLimits are the limits slo backtest applies unless told otherwise.
var DefaultLimits = Limits{MaxRange: 90 * 24 * time.Hour, MaxSteps: 200_000, MaxSeries: 10_000, MaxSamples: 50_000_000}

// Options of a run.
type Options struct {
	Prometheus string
	From, To   time.Time
	Limits     Limits
	// Progress receives progress lines on long runs (nil: none).
	Progress io.Writer
}

// lookbackDelta is Prometheus's default staleness window, which instant
// selectors look back over.
const lookbackDelta = 5 * time.Minute

var promParser = parser.NewParser(parser.Options{})

type rule struct {
	group    string
	interval time.Duration
	r        rulefmt.Rule
	expr     parser.Expr
	reads    []read
	need     time.Time // earliest output the rules reading it need
	local    bool      // computed locally (reads recorded series)
	computed bool
}

// read is a selector in an expression and how far back of the
// evaluation time it reads.
type read struct {
	name string
	sel  string
	back time.Duration
}

// Run backtests one side's compiled project.
func Run(ctx context.Context, p Project, o Options) (*Result, error) {
	if !o.To.After(o.From) {
		return nil, fmt.Errorf("--from %s is not before --to %s", stamp(o.From), stamp(o.To))
	}
	if o.Limits.MaxRange > 0 && o.To.Sub(o.From) > o.Limits.MaxRange {
		return nil, fmt.Errorf("the window %s..%s is %s long, more than --max-range %s", stamp(o.From), stamp(o.To), model.Duration(o.To.Sub(o.From)), model.Duration(o.Limits.MaxRange))
	}
	recs, alerts, err := parseRules(p.Rules)
	if err != nil {
		return nil, err
	}
	for _, a := range alerts {
		if n := int(o.To.Sub(o.From) / a.interval); o.Limits.MaxSteps > 0 && n > o.Limits.MaxSteps {
			return nil, fmt.Errorf("group %s: %d evaluation steps of %s over the window, more than --max-steps %d", a.group, n, model.Duration(a.interval), o.Limits.MaxSteps)
		}
	}
	prog := newProgress(o.Progress)
	src, err := newSource(o.Prometheus, o.Limits, prog)
	if err != nil {
		return nil, err
	}
	h, err := engine.OpenHistory(engine.EvalEngineOptions{})
	if err != nil {
		return nil, err
	}
	defer h.Close()

	recorded := map[string]bool{}
	for _, r := range recs {
		recorded[r.r.Record] = true
	}
	// How far back each recording rule's output is needed, and which raw
	// series the locally evaluated expressions read from when.
	rawNeed := map[string]time.Time{}
	var order []*rule // recording rules, readers before what they read
	for _, a := range alerts {
		a.need = o.From
	}
	propagate := func(r *rule) {
		for _, rd := range r.reads {
			at := r.need.Add(-rd.back)
			if recorded[rd.name] {
				for _, x := range recs {
					if x.r.Record == rd.name && (x.need.IsZero() || at.Before(x.need)) {
						x.need = at
					}
				}
			} else if r.local || r.r.Alert != "" {
				if t, ok := rawNeed[rd.sel]; !ok || at.Before(t) {
					rawNeed[rd.sel] = at
				}
			}
		}
	}
	for _, a := range alerts {
		propagate(a)
	}
	// Recording rules form a DAG; propagate in as many rounds as there are
	// rules, which reaches every chain.
	for range recs {
		for _, r := range recs {
			if !r.need.IsZero() {
				propagate(r)
			}
		}
	}
	for _, r := range recs {
		if !r.need.IsZero() {
			order = append(order, r)
		}
	}
	prog.total = countQueries(order, rawNeed, o)

	// Raw series read by locally evaluated expressions.
	sels := make([]string, 0, len(rawNeed))
	for s := range rawNeed {
		sels = append(sels, s)
	}
	sort.Strings(sels)
	for _, sel := range sels {
		series, err := src.raw(ctx, sel, rawNeed[sel].Add(-lookbackDelta), o.To, "series "+sel)
		if err != nil {
			return nil, err
		}
		for _, s := range series {
			if err := h.Append(s); err != nil {
				return nil, fmt.Errorf("series %s: %v", sel, err)
			}
		}
	}
	// Recording rules, each after the recording rules it reads.
	for len(order) > 0 {
		progressed := false
		rest := order[:0]
		for _, r := range order {
			if !ready(r, recs, recorded) {
				rest = append(rest, r)
				continue
			}
			if err := record(ctx, src, h, r, o.To); err != nil {
				return nil, err
			}
			r.computed, progressed = true, true
		}
		order = rest
		if !progressed {
			return nil, fmt.Errorf("recording rules read each other in a cycle: %s", order[0].r.Record)
		}
	}
	res, err := evaluate(h, alerts, p.Alertmanager, o, prog)
	if err != nil {
		return nil, err
	}
	prog.done()
	return res, nil
}

func countQueries(order []*rule, rawNeed map[string]time.Time, o Options) int {
	n := 0
	for _, r := range order {
		if !r.local {
			steps := int(o.To.Sub(r.need)/r.interval) + 1
			n += (steps + maxPointsPerQuery - 1) / maxPointsPerQuery
		}
	}
	for _, t := range rawNeed {
		n += int((o.To.Sub(t.Add(-lookbackDelta)) + rawChunk - 1) / rawChunk)
	}
	return n
}

func ready(r *rule, recs []*rule, recorded map[string]bool) bool {
	for _, rd := range r.reads {
		if !recorded[rd.name] {
			continue
		}
		for _, x := range recs {
			if x.r.Record == rd.name && !x.computed {
				return false
			}
		}
	}
	return true
}

// record computes recording rule r from r.need to end, on the server when
// it reads stored metrics only, locally otherwise, and appends its output
// series to the history as the rule would have written them: the rule's
// labels set, and a staleness marker one step after a series ends.
func record(ctx context.Context, src *source, h *engine.History, r *rule, end time.Time) error {
	start := r.need.Truncate(r.interval)
	what := fmt.Sprintf("recording rule %s (group %s)", r.r.Record, r.group)
	var series []engine.Series
	var err error
	if r.local {
		series, err = h.Range(r.r.Expr, start, end, r.interval)
		if err == nil {
			err = src.checkSeries(len(series), what)
		}
	} else {
		series, err = src.rangeQuery(ctx, r.r.Expr, start, end, r.interval, what)
	}
	if err != nil {
		return err
	}
	step := r.interval.Milliseconds()
	for _, s := range series {
		b := labels.NewBuilder(s.Metric)
		b.Set(labels.MetricName, r.r.Record)
		for k, v := range r.r.Labels {
			b.Set(k, v)
		}
		out := engine.Series{Metric: b.Labels()}
		for i, t := range s.T {
			if i > 0 && t-s.T[i-1] > step {
				out.T = append(out.T, s.T[i-1]+step)
				out.F = append(out.F, math.Float64frombits(value.StaleNaN))
			}
			out.T = append(out.T, t)
			out.F = append(out.F, s.F[i])
		}
		if n := len(s.T); n > 0 && s.T[n-1]+step <= end.UnixMilli() {
			out.T = append(out.T, s.T[n-1]+step)
			out.F = append(out.F, math.Float64frombits(value.StaleNaN))
		}
		if err := h.Append(out); err != nil {
			return fmt.Errorf("%s: %v", what, err)
		}
	}
	return nil
}

// parseRules reads the compiled rule files.
func parseRules(files []File) (recs, alerts []*rule, err error) {
	for _, f := range files {
		var rgs rulefmt.RuleGroups
		if err := yaml.Unmarshal(f.Data, &rgs); err != nil {
			return nil, nil, fmt.Errorf("%s: %v", f.Name, err)
		}
		for _, g := range rgs.Groups {
			iv := time.Duration(g.Interval)
			if iv == 0 {
				iv = time.Minute
			}
			for _, rr := range g.Rules {
				expr, err := promParser.ParseExpr(rr.Expr)
				if err != nil {
					return nil, nil, fmt.Errorf("%s: group %s: %v", f.Name, g.Name, err)
				}
				r := &rule{group: g.Name, interval: iv, r: rr, expr: expr, reads: reads(expr)}
				if rr.Record != "" {
					recs = append(recs, r)
				} else {
					alerts = append(alerts, r)
				}
			}
		}
	}
	recorded := map[string]bool{}
	for _, r := range recs {
		recorded[r.r.Record] = true
	}
	for _, r := range recs {
		for _, rd := range r.reads {
			if recorded[rd.name] {
				r.local = true
			}
		}
	}
	return recs, alerts, nil
}

// reads lists the selectors of expr and how far back each reads: its
// offset, its range, the ranges and offsets of enclosing subqueries, and
// the lookback of an instant selector.
func reads(expr parser.Expr) []read {
	var out []read
	parser.Inspect(expr, func(node parser.Node, path []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		back := vs.OriginalOffset
		inRange := false
		for i := len(path) - 1; i >= 0; i-- {
			switch n := path[i].(type) {
			case *parser.MatrixSelector:
				if i == len(path)-1 {
					back += n.Range
					inRange = true
				}
			case *parser.SubqueryExpr:
				back += n.Range + n.OriginalOffset
			}
		}
		if !inRange {
			back += lookbackDelta
		}
		name := vs.Name
		for _, m := range vs.LabelMatchers {
			if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
				name = m.Value
			}
		}
		// The selector without offset or @, as fetched.
		c := *vs
		c.OriginalOffset, c.Offset, c.Timestamp, c.StartOrEnd = 0, 0, nil, 0
		out = append(out, read{name: name, sel: c.String(), back: back})
		return nil
	})
	return out
}

// writeAlertRules writes the alerting rules alone, in their groups, to a
// temporary rule file for the local evaluation, and returns them in the
// order of the file.
func writeAlertRules(dir string, alerts []*rule) (string, []*rule, error) {
	var rgs rulefmt.RuleGroups
	idx := map[string]int{}
	var byGroup [][]*rule
	for _, a := range alerts {
		i, ok := idx[a.group]
		if !ok {
			i = len(rgs.Groups)
			idx[a.group] = i
			rgs.Groups = append(rgs.Groups, rulefmt.RuleGroup{Name: a.group, Interval: model.Duration(a.interval)})
			byGroup = append(byGroup, nil)
		}
		rgs.Groups[i].Rules = append(rgs.Groups[i].Rules, a.r)
		byGroup[i] = append(byGroup[i], a)
	}
	b, err := yaml.Marshal(rgs)
	if err != nil {
		return "", nil, err
	}
	path := filepath.Join(dir, "alerts.yml")
	return path, slices.Concat(byGroup...), os.WriteFile(path, b, 0o600)
}

func labelMap(ls labels.Labels) map[string]string {
	m := map[string]string{}
	ls.Range(func(l labels.Label) { m[l.Name] = l.Value })
	return m
}
