package promx

import "testing"

// TestRouteSelector: a route's matchers select an alert when every one
// matches its labels; the answer is undecided when a matcher reads a label
// the alert's known labels do not hold, unless another matcher already
// fails. A matcher that does not parse is an error.
func TestRouteSelector(t *testing.T) {
	ls := map[string]string{"alertname": "CheckoutQueueHigh", "severity": "critical", "service": "checkout"}
	for _, tc := range []struct {
		matchers       []string
		match, decided bool
	}{
		{[]string{"severity = critical"}, true, true},
		{[]string{`severity=~"warning|critical"`, `service="checkout"`}, true, true},
		{[]string{`severity="warning"`}, false, true},
		{[]string{`alertname="Watchdog"`, `namespace="kube-system"`}, false, true},
		{[]string{`namespace="kube-system"`}, false, false},
		{[]string{`severity="critical"`, `env=""`}, false, false},
		{[]string{`severity=~"crit"`}, false, true},
		{nil, true, true},
	} {
		sel, err := ParseRouteSelector(tc.matchers)
		if err != nil {
			t.Errorf("ParseRouteSelector(%q): %v", tc.matchers, err)
			continue
		}
		match, decided := sel.Select(ls)
		if match != tc.match || decided != tc.decided {
			t.Errorf("Select(%q) = %v, %v; want %v, %v", tc.matchers, match, decided, tc.match, tc.decided)
		}
	}
	if _, err := ParseRouteSelector([]string{`service="checkout"`, `severity="critical`}); err == nil {
		t.Error("ParseRouteSelector of an unterminated quote: no error")
	}
}
