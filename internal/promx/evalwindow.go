package promx

import (
	"strings"
	"text/template/parse"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// Read is one place where an expression reads stored samples: a selector
// together with the time span, relative to the evaluation time t, that
// contains every sample the engine can look at for it. The span is a
// superset: [t-Back, t+Forward].
type Read struct {
	// Matchers of the selector; nil means "any series" (used for reads
	// that cannot be attributed to one selector, such as template queries
	// or info()).
	Matchers []*labels.Matcher
	// Back and Forward bound the samples read around the evaluation time.
	// Forward is negative when every sample read is older than t (a
	// positive offset).
	Back, Forward time.Duration
	// Unbounded is set when the span cannot be bounded relative to t (an
	// @ modifier, a duration expression); every sample may be read.
	Unbounded bool
	// Latest is set for a bounded instant vector selector that is not
	// smoothed and not inside a range selector or subquery: of each
	// series it matches, the engine uses only the latest sample at or
	// before t+Forward (none if that is a stale marker or older than the
	// lookback delta). The planner relies on it (plan.go, demand 2).
	Latest bool
}

// MayReadMetric reports whether the read can see samples of a series named
// name. Only __name__ matchers are considered, so it errs on "yes".
func (r Read) MayReadMetric(name string) bool {
	for _, m := range r.Matchers {
		if m.Name == labels.MetricName && !m.Matches(name) {
			return false
		}
	}
	return true
}

// MayReadLabels reports whether the read can see a series that has the
// given values for the given labels (an empty value: the label is absent),
// whatever its other labels.
func (r Read) MayReadLabels(fixed labels.Labels) bool {
	ok := true
	fixed.Range(func(l labels.Label) {
		for _, m := range r.Matchers {
			if m.Name == l.Name && m.Name != labels.MetricName && !m.Matches(l.Value) {
				ok = false
			}
		}
	})
	return ok
}

// ExprReads returns the reads of expr when it is evaluated as an instant
// query with the given lookback delta. Every selector reads
// (t-offset-range-lookback, t-offset] after offsets and subquery ranges of
// its ancestors are applied; lookback is added to range selectors as well
// so that anchored and smoothed selectors, which look past their range,
// are covered.
func ExprReads(expr parser.Expr, lookback time.Duration) []Read {
	var out []Read
	parser.Inspect(expr, func(node parser.Node, path []parser.Node) error {
		switch n := node.(type) {
		case *parser.VectorSelector:
			out = append(out, selectorRead(n, path, lookback))
		case *parser.Call:
			if n.Func != nil && n.Func.Name == "info" {
				// info() reads info metrics it selects by itself.
				out = append(out, Read{Unbounded: true})
			}
		}
		return nil
	})
	return out
}

func selectorRead(vs *parser.VectorSelector, path []parser.Node, lookback time.Duration) Read {
	r := Read{Matchers: vs.LabelMatchers}
	if vs.Timestamp != nil || vs.StartOrEnd != 0 || vs.OriginalOffsetExpr != nil {
		r.Unbounded = true
		return r
	}
	back := vs.OriginalOffset + lookback
	fwd := -vs.OriginalOffset
	if vs.Smoothed {
		// A smoothed selector interpolates with the first sample after
		// t-offset, up to a lookback delta later.
		fwd += lookback
	}
	latest := !vs.Smoothed
	for i := len(path) - 1; i >= 0; i-- {
		switch p := path[i].(type) {
		case *parser.MatrixSelector:
			if p.VectorSelector != parser.Expr(vs) {
				continue
			}
			if p.RangeExpr != nil {
				r.Unbounded = true
				return r
			}
			back += p.Range
			latest = false
		case *parser.SubqueryExpr:
			if p.Timestamp != nil || p.StartOrEnd != 0 || p.RangeExpr != nil || p.OriginalOffsetExpr != nil {
				r.Unbounded = true
				return r
			}
			// The inner expression is evaluated at steps in
			// (t-offset-range, t-offset].
			back += p.OriginalOffset + p.Range
			fwd -= p.OriginalOffset
			latest = false
		}
	}
	r.Back, r.Forward, r.Latest = back, fwd, latest
	return r
}

// TemplateMayQuery reports whether an alert label or annotation template
// can run PromQL queries: whether an action of the template names the
// query function. The word in the text around the actions ("API /query
// handler is burning its budget", an SLO named logs-query) runs nothing;
// it used to count, and made the planner evaluate every rule at every step
// (rhobs/configuration's SLOs: 15 s a ticket scenario instead of 20 ms). A
// template that does not parse is assumed to query. Its test is in
// internal/simulate/engine, against Prometheus's rules manager.
func TemplateMayQuery(text string) bool {
	if !strings.Contains(text, "query") {
		return false
	}
	t := parse.New("t")
	t.Mode = parse.SkipFuncCheck
	trees := map[string]*parse.Tree{}
	// The variables Prometheus's rules manager defines before an alert's
	// templates.
	const defs = "{{$labels := .}}{{$externalLabels := .}}{{$externalURL := .}}{{$value := .}}"
	if _, err := t.Parse(defs+text, "{{", "}}", trees); err != nil {
		return true
	}
	for _, tr := range trees {
		if tr.Root != nil && nodeMayQuery(tr.Root) {
			return true
		}
	}
	return false
}

// nodeMayQuery reports whether n, a node of a parsed template, calls the
// query function; a node of a kind it does not know is assumed to.
func nodeMayQuery(n parse.Node) bool {
	switch n := n.(type) {
	case nil:
		return false
	case *parse.ListNode:
		if n == nil {
			return false
		}
		for _, c := range n.Nodes {
			if nodeMayQuery(c) {
				return true
			}
		}
		return false
	case *parse.ActionNode:
		return nodeMayQuery(n.Pipe)
	case *parse.PipeNode:
		if n == nil {
			return false
		}
		for _, c := range n.Cmds {
			if nodeMayQuery(c) {
				return true
			}
		}
		return false
	case *parse.CommandNode:
		for _, a := range n.Args {
			if nodeMayQuery(a) {
				return true
			}
		}
		return false
	case *parse.IdentifierNode:
		return n.Ident == "query"
	case *parse.ChainNode:
		return nodeMayQuery(n.Node)
	case *parse.IfNode:
		return nodeMayQuery(n.Pipe) || nodeMayQuery(n.List) || nodeMayQuery(n.ElseList)
	case *parse.RangeNode:
		return nodeMayQuery(n.Pipe) || nodeMayQuery(n.List) || nodeMayQuery(n.ElseList)
	case *parse.WithNode:
		return nodeMayQuery(n.Pipe) || nodeMayQuery(n.List) || nodeMayQuery(n.ElseList)
	case *parse.TemplateNode:
		return nodeMayQuery(n.Pipe)
	case *parse.TextNode, *parse.StringNode, *parse.NumberNode, *parse.BoolNode, *parse.NilNode,
		*parse.DotNode, *parse.FieldNode, *parse.VariableNode, *parse.CommentNode,
		*parse.BreakNode, *parse.ContinueNode:
		return false
	}
	return true
}
