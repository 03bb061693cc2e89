package promx

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// candidates are label values tried for a regex or negative matcher when no
// literal value is given.
var candidates = []string{"x", "ok", "200", "success", "completed", "other", "a", "0"}

// SeriesFor returns a concrete series (metric{label="value",...}) that the
// selector matches, with the extra labels set, and that none of the
// selectors in avoid match. It returns an error when it finds none.
func SeriesFor(selector string, extra map[string]string, avoid ...string) (string, error) {
	sel, errs := ParseSelector(selector)
	if errs != nil {
		return "", fmt.Errorf("%s: %s", selector, errs[0].Message)
	}
	var avoidSels []Selector
	for _, a := range avoid {
		s, errs := ParseSelector(a)
		if errs != nil {
			return "", fmt.Errorf("%s: %s", a, errs[0].Message)
		}
		avoidSels = append(avoidSels, s)
	}
	// Start from the equality matchers and the extra labels, then fill in
	// every other constrained label, trying values until no avoided
	// selector matches.
	ls := map[string]string{}
	for k, v := range extra {
		ls[k] = v
	}
	var free []*labels.Matcher
	for _, m := range sel.vs.LabelMatchers {
		switch {
		case m.Name == "__name__" && m.Type == labels.MatchEqual:
			ls[m.Name] = m.Value
		case m.Type == labels.MatchEqual:
			ls[m.Name] = m.Value
		default:
			free = append(free, m)
		}
	}
	// Labels that an avoided selector constrains are free to choose too.
	constrained := map[string]bool{}
	for _, a := range avoidSels {
		for _, m := range a.vs.LabelMatchers {
			if _, set := ls[m.Name]; !set && m.Name != "__name__" {
				constrained[m.Name] = true
			}
		}
	}
	names := []string{}
	for _, m := range free {
		names = append(names, m.Name)
	}
	for n := range constrained {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if !search(sel, avoidSels, ls, names) {
		return "", fmt.Errorf("no series matches %s without matching %s", selector, strings.Join(avoid, " or "))
	}
	return formatSeries(ls), nil
}

// search assigns values to names (depth first) until sel matches and no
// avoided selector does.
func search(sel Selector, avoid []Selector, ls map[string]string, names []string) bool {
	if len(names) == 0 {
		if !matches(sel, ls) {
			return false
		}
		for _, a := range avoid {
			if matches(a, ls) {
				return false
			}
		}
		return true
	}
	name := names[0]
	for _, v := range valuesFor(name, sel, avoid) {
		if v == "" {
			delete(ls, name)
		} else {
			ls[name] = v
		}
		if search(sel, avoid, ls, names[1:]) {
			return true
		}
	}
	delete(ls, name)
	return false
}

// valuesFor lists values worth trying for a label: the literals of regex
// matchers on it (x|y gives x and y), the values of equality matchers of
// the avoided selectors (to see what they are not), an unset label, and
// some common values.
func valuesFor(name string, sel Selector, avoid []Selector) []string {
	var out []string
	for _, s := range append([]Selector{sel}, avoid...) {
		for _, m := range s.vs.LabelMatchers {
			if m.Name != name {
				continue
			}
			switch m.Type {
			case labels.MatchRegexp, labels.MatchNotRegexp:
				out = append(out, m.SetMatches()...)
				if prefix := m.Prefix(); prefix != "" {
					out = append(out, prefix+"0", prefix+"00")
				}
			default:
				out = append(out, m.Value)
			}
		}
	}
	out = append(out, "")
	out = append(out, candidates...)
	slices.Sort(out)
	out = slices.Compact(out)
	// Strings built from the regexes come last, so that selectors the
	// values above already serve keep the series they had.
	for _, s := range append([]Selector{sel}, avoid...) {
		for _, m := range s.vs.LabelMatchers {
			if m.Name == name && (m.Type == labels.MatchRegexp || m.Type == labels.MatchNotRegexp) {
				for _, v := range regexSamples(m.Value) {
					if !slices.Contains(out, v) {
						out = append(out, v)
					}
				}
			}
		}
	}
	return out
}

func matches(s Selector, ls map[string]string) bool {
	for _, m := range s.vs.LabelMatchers {
		if !m.Matches(ls[m.Name]) {
			return false
		}
	}
	return true
}

func formatSeries(ls map[string]string) string {
	name := ls["__name__"]
	var keys []string
	for k := range ls {
		if k != "__name__" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%q", k, ls[k])
	}
	if len(parts) == 0 {
		return name
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// GaugeSeries inverts a gauge expression of the form agg by (L) (selector)
// (agg one of sum, min, max, avg) or a bare selector: it returns one series
// that makes the expression equal that series' value, with each grouping
// label set. ok is false for any other shape.
func GaugeSeries(text string) (series string, ok bool) { return GaugeSeriesGroup(text, "x") }

// GaugeSeriesGroup is GaugeSeries with every grouping label the selector
// does not pin set to group.
func GaugeSeriesGroup(text, group string) (series string, ok bool) {
	expr, errs := ParseExpr(text)
	if errs != nil {
		return "", false
	}
	expr = Unparen(expr)
	var grouping []string
	if agg, isAgg := expr.(*parser.AggregateExpr); isAgg {
		switch agg.Op {
		case parser.SUM, parser.MIN, parser.MAX, parser.AVG:
		default:
			return "", false
		}
		if agg.Without || agg.Param != nil {
			return "", false
		}
		grouping = agg.Grouping
		expr = Unparen(agg.Expr)
	}
	vs, isSel := expr.(*parser.VectorSelector)
	if !isSel || vs.OriginalOffset != 0 || vs.Timestamp != nil || vs.StartOrEnd != 0 {
		return "", false
	}
	extra := map[string]string{}
	for _, g := range grouping {
		extra[g] = group
	}
	// A grouping label pinned by the selector keeps its value.
	for _, m := range vs.LabelMatchers {
		if m.Type == labels.MatchEqual {
			delete(extra, m.Name)
		}
	}
	s, err := SeriesFor(vs.String(), extra)
	return s, err == nil
}

// Unparen strips the parentheses around an expression.
func Unparen(e parser.Expr) parser.Expr {
	for {
		p, ok := e.(*parser.ParenExpr)
		if !ok {
			return e
		}
		e = p.Expr
	}
}

// SelectorMatches reports whether the selector matches the series (both in
// PromQL notation).
func SelectorMatches(selector, series string) bool {
	sel, errs := ParseSelector(selector)
	if errs != nil {
		return false
	}
	lbls, err := promqlParser.ParseMetric(series)
	if err != nil {
		return false
	}
	return matches(sel, lbls.Map())
}

// ParseSeriesDesc checks a series and its values in promtool's notation
// ("metric{a=\"b\"} 0+10x60").
func ParseSeriesDesc(text string) (string, error) {
	lbls, _, err := promqlParser.ParseSeriesDesc(text)
	if err != nil {
		return "", err
	}
	return lbls.String(), nil
}

// LoadParseError reports which line of promqltest's load command ("load
// <interval>" first, then "<series> <values>" per input series, so 1 is
// the first series) a parse error of its input series is about, and the
// byte of that line it starts at; ok is false for any other error.
func LoadParseError(err error) (line, offset int, ok bool) {
	var pe *parser.ParseErr
	if !errors.As(err, &pe) {
		var pes parser.ParseErrors
		if !errors.As(err, &pes) || len(pes) == 0 {
			return 0, 0, false
		}
		pe = &pes[0]
	}
	return pe.LineOffset, int(pe.PositionRange.Start), true
}

// ParseMetric checks a series in PromQL notation (metric{a="b"}).
func ParseMetric(text string) (string, error) {
	lbls, err := promqlParser.ParseMetric(text)
	if err != nil {
		return "", err
	}
	return lbls.String(), nil
}

// regexSamples returns strings that regex re matches in full, one for each
// branch of a top-level alternation: `(5..|429)` gives "500" and "429".
// Any character is "0", so that status-code patterns give codes. It
// returns none for a regex it cannot parse.
func regexSamples(re string) []string {
	r, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return nil
	}
	r = r.Simplify()
	for r.Op == syntax.OpCapture {
		r = r.Sub[0]
	}
	branches := []*syntax.Regexp{r}
	if r.Op == syntax.OpAlternate {
		branches = r.Sub
	}
	var out []string
	for _, b := range branches {
		var sb strings.Builder
		if sample(b, &sb) {
			out = append(out, sb.String())
		}
	}
	return out
}

// sample writes a shortest string that r matches, and reports false for
// what it cannot write (look-arounds do not exist in RE2; a no-match does).
func sample(r *syntax.Regexp, sb *strings.Builder) bool {
	switch r.Op {
	case syntax.OpLiteral:
		sb.WriteString(string(r.Rune))
	case syntax.OpCharClass:
		if len(r.Rune) == 0 {
			return false
		}
		c := r.Rune[0]
		// Prefer a digit or a letter inside the class, when it has one.
		for i := 0; i+1 < len(r.Rune); i += 2 {
			if r.Rune[i] <= '0' && '0' <= r.Rune[i+1] {
				c = '0'
				break
			}
		}
		sb.WriteRune(c)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		sb.WriteByte('0')
	case syntax.OpCapture, syntax.OpPlus:
		return sample(r.Sub[0], sb)
	case syntax.OpRepeat:
		for range r.Min {
			if !sample(r.Sub[0], sb) {
				return false
			}
		}
	case syntax.OpConcat:
		for _, s := range r.Sub {
			if !sample(s, sb) {
				return false
			}
		}
	case syntax.OpAlternate:
		return sample(r.Sub[0], sb)
	case syntax.OpNoMatch:
		return false
	}
	// Star, Quest, empty matches and anchors need nothing.
	return true
}
