package simulate

import (
	"errors"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/simulate/engine"
)

// Line is one series of a plotted expression: its labels and its values
// at times from the test's start.
type Line struct {
	Labels map[string]string
	Times  []time.Duration
	Values []float64
}

// Values evaluates each of exprs from time zero to end, step apart, on the
// input series of in and the outputs of its recording rules, and returns
// the series of each (nil where an expression failed, with its error).
// It is for plotting, not for verdicts: every recording rule is computed
// over the whole range with one range query (as an on-demand run
// materializes them, see plan/materialize.go), the input loaded up to
// end.
func Values(in Input, exprs []string, end, step time.Duration, opts Options) ([][]Line, []error, error) {
	if in.EvalInterval <= 0 || step <= 0 {
		return nil, nil, errors.New("simulate: evaluation interval and step must be positive")
	}
	if in.Interval == 0 {
		in.Interval = in.EvalInterval
	}
	mint := in.Start
	if mint.IsZero() {
		mint = time.Unix(0, 0).UTC()
	}
	gr := &groupRun{in: &in, opts: opts, parser: opts.parser(), mint: mint}
	sess, err := engine.Open(gr.seriesLoadingString(), mint, engine.Options{
		MaxSamples:               opts.MaxSamples,
		LookbackDelta:            opts.LookbackDelta,
		SubqueryInterval:         in.EvalInterval,
		EnableDelayedNameRemoval: opts.EnableDelayedNameRemoval,
		Parser:                   gr.parser,
		OnDemand:                 true,
	})
	if err != nil {
		return nil, nil, err
	}
	defer sess.Close()
	ext := labels.EmptyLabels()
	if len(in.ExternalLabels) > 0 {
		ext = labels.FromMap(in.ExternalLabels)
	}
	rules, errs := sess.LoadRules(in.RuleFiles, in.EvalInterval, ext, in.ExternalURL, in.GroupOrder)
	if errs != nil {
		return nil, nil, errors.Join(errs...)
	}
	lastStep := int(end / in.EvalInterval)
	if err := sess.LoadUntil(mint.Add(time.Duration(lastStep) * in.EvalInterval)); err != nil {
		return nil, nil, err
	}
	if reason := sess.RecordAll(readBy(rules, exprs, gr.parser), mint, lastStep, in.EvalInterval); reason != "" {
		return nil, nil, errors.New(reason)
	}
	out := make([][]Line, len(exprs))
	errs = make([]error, len(exprs))
	for i, e := range exprs {
		ss, err := sess.Range(e, mint, mint.Add(end), step)
		if err != nil {
			errs[i] = err
			continue
		}
		for _, s := range ss {
			l := Line{Labels: s.Metric.Map()}
			for _, p := range s.Points {
				l.Times = append(l.Times, p.T.Sub(mint))
				l.Values = append(l.Values, p.V)
			}
			out[i] = append(out[i], l)
		}
	}
	return out, errs, nil
}

// readBy marks the recording rules exprs read, directly or through other
// rules; an expression that does not parse reads nothing (its query fails
// with the parser's error). A rule is read when a selector may select one
// of its outputs, by the matchers the planner uses (promx.Read), so
// selectors by a __name__ regular expression or without a name count.
func readBy(rules []engine.Rule, exprs []string, p parser.Parser) []bool {
	need := make([]bool, len(rules))
	var reads []promx.Read
	for _, s := range exprs {
		if e, err := p.ParseExpr(s); err == nil {
			reads = append(reads, promx.ExprReads(e, 0)...)
		}
	}
	// Until nothing more is read (a rule may read one after it in
	// evaluation order).
	for changed := true; changed; {
		changed = false
		for i, r := range rules {
			if !need[i] && !r.Alert && mayRead(reads, r) {
				need[i], changed = true, true
				reads = append(reads, promx.ExprReads(r.Query, 0)...)
			}
		}
	}
	return need
}

// mayRead reports whether one of reads may select an output of recording
// rule r: its name, or the __name__ its labels set.
func mayRead(reads []promx.Read, r engine.Rule) bool {
	override := r.Labels.Get(labels.MetricName)
	for _, rd := range reads {
		if rd.MayReadMetric(r.Name) || override != "" && rd.MayReadMetric(override) {
			return true
		}
	}
	return false
}
