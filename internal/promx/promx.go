// Package promx is the one place where slo calls the Prometheus and
// Alertmanager Go APIs for parsing and validation, with its subpackage amx
// for Alertmanager's config loader, router and inhibitor (apart because of
// what they link). Their signatures change between minor releases; keeping
// every call here means one place to fix. It speaks plain Go types
// (strings, offsets, errors) to the rest of slo.
package promx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/template"
)

var promqlParser = parser.NewParser(parser.Options{})

// ExprError is a PromQL problem at a byte offset of the expression text.
type ExprError struct {
	Offset  int
	Message string
	// NotSelector says the text parses, but as another kind of
	// expression than the series selector ParseSelector wants.
	NotSelector bool
}

// ParseExpr parses a PromQL expression and returns its problems with
// offsets into text.
func ParseExpr(text string) (parser.Expr, []ExprError) {
	expr, err := promqlParser.ParseExpr(text)
	if err == nil {
		return expr, nil
	}
	var perrs parser.ParseErrors
	if errors.As(err, &perrs) {
		// An unclosed bracket is the mistake; the parser's other errors
		// (no arguments for an aggregation, ...) follow from it, and the
		// lexer places it at the end of the text, not at the bracket.
		// The lexer reports a bracket left open when it reaches the end
		// of the text inside braces, else with a parenthesis, else a
		// bracket open; which one is found in the text.
		for _, pe := range perrs {
			if int(pe.PositionRange.Start) < len(text) {
				continue
			}
			for _, br := range [][2]byte{{'{', '}'}, {'(', ')'}, {'[', ']'}} {
				if u, ok := unclosed(text, br); ok {
					return nil, []ExprError{u}
				}
			}
		}
		out := make([]ExprError, 0, len(perrs))
		for _, pe := range perrs {
			// The parser reports an aggregation whose argument failed to
			// parse as having none (an error at the aggregation's
			// operator), beside the error that made it fail.
			if len(perrs) > 1 && aggregatorAt(text, int(pe.PositionRange.Start)) {
				continue
			}
			out = append(out, ExprError{Offset: int(pe.PositionRange.Start), Message: pe.Err.Error()})
		}
		return nil, out
	}
	return nil, []ExprError{{Message: err.Error()}}
}

// aggregatorAt reports whether an aggregation operator (sum, topk, ...)
// starts at byte off of text, by PromQL's own lexer.
func aggregatorAt(text string, off int) bool {
	l := parser.Lex(text)
	var it parser.Item
	for {
		l.NextItem(&it)
		switch {
		case it.Typ == parser.EOF || it.Typ == parser.ERROR || int(it.Pos) > off:
			return false
		case int(it.Pos) == off:
			return it.Typ.IsAggregator()
		}
	}
}

// unclosed returns an error at the last bracket br[0] of text that no
// br[1] closes (quotes and comments left out), or reports false.
func unclosed(text string, br [2]byte) (ExprError, bool) {
	var open []int
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '"', '\'', '`':
			for i++; i < len(text) && text[i] != c; i++ {
				if text[i] == '\\' && c != '`' {
					i++
				}
			}
		case '#':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case br[0]:
			open = append(open, i)
		case br[1]:
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
	}
	if len(open) == 0 {
		return ExprError{}, false
	}
	return ExprError{Offset: open[len(open)-1], Message: fmt.Sprintf("unclosed %q: no %q closes it", br[0], br[1])}, true
}

// CheckExpr returns the problems of a PromQL expression, or nil. An
// expression must return an instant vector (or a scalar) to be recorded.
func CheckExpr(text string) []ExprError {
	expr, errs := ParseExpr(text)
	if errs != nil {
		return errs
	}
	switch expr.Type() {
	case parser.ValueTypeVector, parser.ValueTypeScalar:
		return nil
	}
	return []ExprError{{Message: fmt.Sprintf("expression must return an instant vector, got %s", expr.Type())}}
}

// Selector is a parsed instant vector selector such as
// http_requests_total{job="api"}.
type Selector struct {
	vs *parser.VectorSelector
}

// ParseSelector parses text, which must be a plain instant vector selector
// without offset or @ modifiers.
func ParseSelector(text string) (Selector, []ExprError) {
	expr, errs := ParseExpr(text)
	if errs != nil {
		return Selector{}, errs
	}
	vs, ok := expr.(*parser.VectorSelector)
	if !ok || vs.OriginalOffset != 0 || vs.Timestamp != nil || vs.StartOrEnd != 0 {
		return Selector{}, []ExprError{{Message: fmt.Sprintf("expected a series selector such as metric{label=\"value\"}, got %s", describeExpr(expr)), NotSelector: true}}
	}
	return Selector{vs: vs}, nil
}

func describeExpr(e parser.Expr) string {
	switch e.(type) {
	case *parser.AggregateExpr:
		return "an aggregation"
	case *parser.Call:
		return "a function call"
	case *parser.BinaryExpr:
		return "a binary expression"
	case *parser.MatrixSelector:
		return "a range selector"
	case *parser.NumberLiteral:
		return "a number"
	case *parser.VectorSelector:
		return "a selector with a modifier"
	}
	return "a " + string(e.Type())
}

// Metric returns the metric name the selector matches, or "". The zero
// Selector (from a failed parse) has none.
func (s Selector) Metric() string {
	if s.vs == nil {
		return ""
	}
	return s.vs.Name
}

// String renders the selector in PromQL's canonical form, or "" for the
// zero Selector.
func (s Selector) String() string {
	if s.vs == nil {
		return ""
	}
	return s.vs.String()
}

// WithSuffix returns the selector with suffix appended to its metric name
// (m{a="b"} to m_bucket{a="b"}).
func (s Selector) WithSuffix(suffix string) string {
	if s.vs == nil {
		return ""
	}
	vs := *s.vs
	vs.LabelMatchers = slices.Clone(vs.LabelMatchers)
	vs.Name += suffix
	for i, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel {
			vs.LabelMatchers = slices.Delete(vs.LabelMatchers, i, i+1)
			break
		}
	}
	return vs.String()
}

// EqualityLabels returns the labels that the selector pins with =, which
// absent() copies onto its output.
func (s Selector) EqualityLabels() []string {
	var out []string
	if s.vs == nil {
		return nil
	}
	for _, m := range s.vs.LabelMatchers {
		if m.Type == 0 && m.Name != model.MetricNameLabel {
			out = append(out, m.Name)
		}
	}
	return out
}

// OutputLabels returns the labels that the result of expr is grouped by,
// when they can be known from its outermost aggregation; ok is false when
// the expression's output labels depend on its input series.
func OutputLabels(text string) (labels []string, ok bool) {
	expr, errs := ParseExpr(text)
	if errs != nil {
		return nil, false
	}
	for {
		switch e := expr.(type) {
		case *parser.ParenExpr:
			expr = e.Expr
			continue
		case *parser.AggregateExpr:
			if e.Without {
				return nil, false
			}
			return slices.Clone(e.Grouping), true
		case *parser.BinaryExpr:
			// A comparison or arithmetic keeps the labels of its vector side.
			if e.LHS.Type() == parser.ValueTypeVector {
				expr = e.LHS
			} else {
				expr = e.RHS
			}
			continue
		case *parser.NumberLiteral:
			return nil, true
		}
		return nil, false
	}
}

// Filters reports whether expr drops series by itself: it holds a
// comparison without bool, or absent(), so it returns nothing when all is
// well and can be alerted on without a threshold.
func Filters(text string) bool {
	expr, errs := ParseExpr(text)
	if errs != nil {
		return false
	}
	found := false
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.BinaryExpr:
			if n.Op.IsComparisonOperator() && !n.ReturnBool {
				found = true
			}
		case *parser.Call:
			if n.Func.Name == "absent" || n.Func.Name == "absent_over_time" {
				found = true
			}
		}
		return nil
	})
	return found
}

// ValidLabelName reports whether name is a label name that every
// Prometheus version accepts.
func ValidLabelName(name string) bool {
	return model.LegacyValidation.IsValidLabelName(name) && !strings.HasPrefix(name, "__")
}

// ValidMetricName reports whether name is a metric name that every
// Prometheus version accepts.
func ValidMetricName(name string) bool {
	return model.LegacyValidation.IsValidMetricName(name)
}

// CheckTemplate parses an alert label or annotation template the way
// Prometheus does when it loads a rule file ($labels, $value and
// $externalLabels are defined).
func CheckTemplate(alert, text string) error {
	if templateParses(alert, text) {
		return nil
	}
	// ParseTest only parses: the data (template.AlertTemplateData's, which
	// would import the engine's sample type) is never read.
	defs := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	exp := template.NewTemplateExpander(context.Background(), defs+text, "__alert_"+alert, nil, model.Time(0), nil, nil, nil)
	if err := exp.ParseTest(); err != nil {
		msg := err.Error()
		// Drop the expander's own prefix: the caller positions the message.
		if i := strings.LastIndex(msg, ": "); i >= 0 && strings.HasPrefix(msg, "template: ") {
			msg = msg[i+2:]
		}
		return errors.New(msg)
	}
	return nil
}

// CheckRuleFile parses a rule file with rulefmt.Parse, exactly as
// Prometheus does when it loads it (two YAML decodes, strict fields, rule
// and template validation), and returns every problem. LoadRuleFile does the
// same checks at a fraction of the cost, for the compiler's hot path.
func CheckRuleFile(content []byte) []error {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	_, errs := rulefmt.Parse(content, false, model.LegacyValidation, promqlParser, logger)
	return errs
}

// Rule is a rule as Prometheus reads it from a rule file.
type Rule struct {
	Record, Alert, Expr string
	For, KeepFiringFor  time.Duration
	Labels, Annotations map[string]string
}

// RuleGroup is a rule group as Prometheus reads it from a rule file.
type RuleGroup struct {
	Name     string
	Interval time.Duration
	Rules    []Rule
}

// LoadRuleFile reads a rule file the way Prometheus does and returns its
// groups and every problem: the file decoded into rulefmt's own types, then
// rulefmt's per-rule validation (names, labels, the PromQL expression,
// annotation templates) and its group checks. It is the compiler's hot path,
// so it decodes once and validates without positions; only when something
// is wrong does it run the full rulefmt.Parse for positioned messages.
// Unknown fields are not reported: callers that wrote the file compare the
// groups with what they meant to write, which is stricter.
func LoadRuleFile(content []byte) ([]RuleGroup, []error) {
	// Strictly, as rulefmt.Parse decodes: a field Prometheus does not know
	// is a *yaml.TypeError after the rest is decoded, and rulefmt.Parse
	// then says where it is.
	var groups rulefmt.RuleGroups
	dec := yaml.NewDecoder(bytes.NewReader(content))
	dec.KnownFields(true)
	failed := false
	var typeErr *yaml.TypeError
	switch err := dec.Decode(&groups); {
	case err == nil || errors.Is(err, io.EOF):
	case errors.As(err, &typeErr):
		failed = true
	default:
		return nil, []error{err}
	}
	seen := make(map[string]bool, len(groups.Groups))
	out := make([]RuleGroup, 0, len(groups.Groups))
	for _, g := range groups.Groups {
		if g.Name == "" || seen[g.Name] {
			failed = true
		}
		seen[g.Name] = true
		rg := RuleGroup{Name: g.Name, Interval: time.Duration(g.Interval), Rules: make([]Rule, 0, len(g.Rules))}
		for _, r := range g.Rules {
			if !validRule(r) {
				failed = true
			}
			rg.Rules = append(rg.Rules, Rule{
				Record: r.Record, Alert: r.Alert, Expr: r.Expr,
				For: time.Duration(r.For), KeepFiringFor: time.Duration(r.KeepFiringFor),
				Labels: r.Labels, Annotations: r.Annotations,
			})
		}
		out = append(out, rg)
	}
	if failed {
		if errs := CheckRuleFile(content); len(errs) > 0 {
			return out, errs
		}
	}
	return out, nil
}

// validRule runs rulefmt's validation of one rule. Templates are what it
// spends most on, so labels and annotations are checked here, with the
// checks of rulefmt's Rule.Validate: names and values, and for an alert the
// templates, each parsed by templateParses (a text without "{{" is plain
// text that cannot fail to parse). The rest of the rule goes to rulefmt.
// False means "let rulefmt say what is wrong", not that something is.
func validRule(r rulefmt.Rule) bool {
	if r.Record != "" && len(r.Annotations) > 0 {
		return false
	}
	for _, m := range []map[string]string{r.Labels, r.Annotations} {
		for k, v := range m {
			if !model.LegacyValidation.IsValidLabelName(k) || !model.LabelValue(v).IsValid() {
				return false
			}
			if r.Alert != "" && strings.Contains(v, "{{") && !templateParses(r.Alert, v) {
				return false
			}
		}
	}
	if _, ok := r.Labels[model.MetricNameLabel]; ok {
		return false
	}
	r.Labels, r.Annotations = nil, nil
	return len(r.Validate(rulefmt.RuleNode{}, model.LegacyValidation, promqlParser)) == 0
}

// FormatDuration renders d the way Prometheus writes durations ("5m",
// "1h30m", "30d"). A compile writes the same few durations in every rule
// name and window, and Prometheus's formatter runs fmt.Sprintf per unit, so
// what it returned is remembered.
func FormatDuration(d time.Duration) string {
	if s, ok := formatted.Load(d); ok {
		return s.(string)
	}
	s := model.Duration(d).String()
	if formattedCount.Add(1) > maxFormatted {
		// Bound the memory of a long-running process fed any duration
		// (a fuzzer): forget everything now and then.
		formatted.Clear()
		formattedCount.Store(0)
	}
	formatted.Store(d, s)
	return s
}

const maxFormatted = 1 << 12

var (
	formatted      sync.Map // time.Duration → string
	formattedCount atomic.Int64
)

// ParseDuration reads a duration the way Prometheus writes it.
func ParseDuration(s string) (time.Duration, error) {
	d, err := model.ParseDuration(s)
	return time.Duration(d), err
}

// Selectors returns the vector selectors an expression reads, each once, in
// the order they appear (offsets and @ modifiers dropped).
func Selectors(text string) []string {
	expr, errs := ParseExpr(text)
	if errs != nil {
		return nil
	}
	var out []string
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		c := *vs
		c.OriginalOffset, c.Offset, c.Timestamp, c.StartOrEnd = 0, 0, nil, 0
		if s := c.String(); !slices.Contains(out, s) {
			out = append(out, s)
		}
		return nil
	})
	return out
}

// WithRegexMatcher returns the selector with name=~"v1|v2|..." added (the
// values quoted as regular expressions), replacing any matcher on name.
func (s Selector) WithRegexMatcher(name string, values []string) string {
	if s.vs == nil {
		return ""
	}
	vs := *s.vs
	vs.LabelMatchers = slices.DeleteFunc(slices.Clone(vs.LabelMatchers), func(m *labels.Matcher) bool { return m.Name == name })
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = regexp.QuoteMeta(v)
	}
	vs.LabelMatchers = append(vs.LabelMatchers, labels.MustNewMatcher(labels.MatchRegexp, name, strings.Join(quoted, "|")))
	return vs.String()
}
