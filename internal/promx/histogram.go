package promx

import (
	"slices"

	"github.com/prometheus/prometheus/model/labels"
)

// LeValue is a classic histogram's bucket bound as Prometheus stores it in
// the le label: since Prometheus 3.0 the scrape normalises le to the
// OpenMetrics float form, so the bucket client_golang exposes as le="1" is
// stored as le="1.0", while le="0.3" stays.
func LeValue(f float64) string { return labels.FormatOpenMetricsFloat(f) }

// WithSuffixEqual returns the selector with suffix appended to its metric
// name and name="value" added, replacing any matcher on name
// (m{a="b"} to m_bucket{a="b",le="0.3"}).
func (s Selector) WithSuffixEqual(suffix, name, value string) string {
	if s.vs == nil {
		return ""
	}
	t, _ := ParseSelector(s.WithSuffix(suffix))
	vs := t.vs
	vs.LabelMatchers = slices.DeleteFunc(vs.LabelMatchers, func(m *labels.Matcher) bool { return m.Name == name })
	vs.LabelMatchers = append(vs.LabelMatchers, labels.MustNewMatcher(labels.MatchEqual, name, value))
	return vs.String()
}

// HasMatcher reports whether the selector has a matcher on label name.
func (s Selector) HasMatcher(name string) bool {
	return s.vs != nil && slices.ContainsFunc(s.vs.LabelMatchers, func(m *labels.Matcher) bool { return m.Name == name })
}
