package input

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/spec"
	"github.com/slo-compiler/slo/internal/validate"
)

// burnPair is a row of the workbook's window table that slo's default
// alerts use (docs/spec.md, "Default windows").
type burnPair struct {
	long, short time.Duration
	share       float64
}

var defaultPairs = map[string][]burnPair{
	"page":   {{time.Hour, 5 * time.Minute, 0.02}, {6 * time.Hour, 30 * time.Minute, 0.05}},
	"ticket": {{24 * time.Hour, 2 * time.Hour, 0.10}, {72 * time.Hour, 6 * time.Hour, 0.10}},
}

// fireable keeps an imported SLO with a low objective compiling: where a
// default window pair of slo's page or ticket could never fire (its burn
// factor times the budget is 100 % or more, which slo refuses as
// lint/burn-never-fires, and the other tool generates anyway), the alert
// gets the default pairs that can fire, written out, or is disabled when
// none can; a warning at the objective says so. alerting is the SLO's
// alerting mapping, made when nil.
func (c *Ctx) fireable(slo *yaml.Node, objective float64, period time.Duration, at, alerting *yaml.Node) *yaml.Node {
	for _, alert := range []string{"page", "ticket"} {
		if len(fireablePairs(alert, objective, period)) == len(defaultPairs[alert]) {
			continue
		}
		if alerting == nil {
			alerting = mapping(slo)
			set(slo, "alerting", nil, alerting)
		}
		if get(alerting, "disabled") != nil {
			return alerting
		}
		body := mapping(at)
		c.fit(body, alert, objective, period, at)
		set(alerting, alert, nil, body)
	}
	return alerting
}

// fireablePairs are the default window pairs of alert (page or ticket)
// that can fire at objective over period: those whose threshold is an
// error ratio below 100%.
func fireablePairs(alert string, objective float64, period time.Duration) []burnPair {
	budget := 1 - objective/100
	var keep []burnPair
	for _, p := range defaultPairs[alert] {
		long, short := scaledPair(p, period)
		if p.share*float64(period)/float64(long)*budget < 1 {
			keep = append(keep, burnPair{long, short, p.share})
		}
	}
	return keep
}

// fit writes into body, the mapping of alert (page or ticket), the window
// pairs that can fire at objective, with a warning at at, when some of the
// default pairs cannot; the alert is disabled when none can. body is left
// alone when every pair can fire.
func (c *Ctx) fit(body *yaml.Node, alert string, objective float64, period time.Duration, at *yaml.Node) {
	keep := fireablePairs(alert, objective, period)
	if len(keep) == len(defaultPairs[alert]) {
		return
	}
	if len(keep) == 0 {
		c.warnf(at, "input/unmapped", "the %s alert can never fire at an objective of %v%% (every window pair needs an error ratio above 100%%); the import disables it", alert, objective)
		body.Content = nil
		set(body, "disabled", nil, scalarOf("!!bool", "true", at))
		return
	}
	c.warnf(at, "input/unmapped", "the %s alert's fastest window pair can never fire at an objective of %v%%; the import keeps its other pair", alert, objective)
	ws := seq(at)
	for _, p := range keep {
		w := mapping(at)
		w.Style = yaml.FlowStyle
		set(w, "long", nil, str(formatDuration(p.long), at))
		set(w, "short", nil, str(formatDuration(p.short), at))
		set(w, "budget_percent", nil, number(fmt.Sprint(p.share*100), at))
		ws.Content = append(ws.Content, w)
	}
	set(body, "windows", nil, ws)
}

// scaledPair is slo's default window pair for period (validate's
// scaledWindows): shrunk in proportion below 30 days, rounded to the
// minute, the short window 5m at least and the long one twice the short.
func scaledPair(p burnPair, period time.Duration) (long, short time.Duration) {
	const table = 30 * 24 * time.Hour
	if period >= table {
		return p.long, p.short
	}
	scale := func(w time.Duration) time.Duration {
		return (time.Duration(float64(w)*float64(period)/float64(table)) + time.Minute/2).Truncate(time.Minute)
	}
	long, short = scale(p.long), scale(p.short)
	short = max(short, 5*time.Minute)
	return max(long, 2*short), short
}

func formatDuration(d time.Duration) string {
	var out string
	for _, u := range []struct {
		d time.Duration
		s string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.d; n > 0 {
			out += fmt.Sprint(int64(n)) + u.s
			d -= n * u.d
		}
	}
	if out == "" {
		return "0s"
	}
	return out
}

// periodOf is the period an SLO's duration field gives, or slo's default.
func periodOf(n *yaml.Node) time.Duration {
	if n != nil {
		if d, err := spec.ParseDuration(n.Value); err == nil {
			return d
		}
	}
	return validate.DefaultPeriod
}
