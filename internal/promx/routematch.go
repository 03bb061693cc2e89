package promx

import (
	"fmt"

	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/alertmanager/pkg/labels"
)

// RouteMatcher checks one Alertmanager route matcher the way the config
// loader reads it (`category="business"`, `severity=~"warning|info"`) and
// returns the label it matches on.
func RouteMatcher(s string) (string, error) {
	ms, err := compat.Matchers(s, "config")
	if err != nil {
		return "", err
	}
	if len(ms) != 1 {
		return "", fmt.Errorf("expected one matcher such as category=\"business\", got %d", len(ms))
	}
	return ms[0].Name, nil
}

// AlertnameEquals returns the alert name that matcher s selects when it is
// an equality matcher on alertname (`alertname="HighErrorRate"`), read by
// the parser Alertmanager's config loader uses.
func AlertnameEquals(s string) (string, bool) {
	m, err := compat.Matcher(s, "config")
	if err != nil || m.Name != "alertname" || m.Type != labels.MatchEqual {
		return "", false
	}
	return m.Value, true
}

// RouteSelector is a route's matchers as Alertmanager's config loader
// reads them, parsed once to be asked about many alerts.
type RouteSelector []*labels.Matcher

// ParseRouteSelector reads a route's matchers (`severity="critical"`,
// match and match_re written as matchers) as Alertmanager's config loader
// does.
func ParseRouteSelector(matchers []string) (RouteSelector, error) {
	var out RouteSelector
	for _, s := range matchers {
		ms, err := compat.Matchers(s, "config")
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out, nil
}

// Select reports whether an alert whose labels are ls, as far as they are
// known, matches all of the selector's matchers. decided is false when
// that depends on a label not in ls (one the alert takes from its series,
// say) and no matcher on a known label already fails.
func (s RouteSelector) Select(ls map[string]string) (match, decided bool) {
	decided = true
	for _, m := range s {
		v, known := ls[m.Name]
		switch {
		case !known:
			decided = false
		case !m.Matches(v):
			return false, true
		}
	}
	return decided, decided
}
