package validate

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/spec"
)

func (v *validator) routing(path string, r *spec.Routing) *model.Routing {
	rs := r.Routing
	if rs == nil {
		if r.Invalid("routing") {
			return nil // the decoder reported it
		}
		v.diags.Errorf(r.At("routing"), "spec/required", "routing: expected a mapping with default_receiver and teams")
		return nil
	}
	m := &model.Routing{
		Source:             path,
		DefaultReceiver:    rs.DefaultReceiver,
		DefaultReceiverPos: rs.At("default_receiver"),
		TeamsInvalid:       rs.Invalid("teams"),
		GroupBy:            rs.GroupBy,
		GroupWait:          v.duration(rs.GroupWait, 30*time.Second, "routing.group_wait"),
		GroupInterval:      v.duration(rs.GroupInterval, 5*time.Minute, "routing.group_interval"),
		RepeatInterval:     v.duration(rs.RepeatInterval, 4*time.Hour, "routing.repeat_interval"),
	}
	if m.GroupBy == nil {
		m.GroupBy = []string{"alertname", "service", "severity"}
	}
	// Alertmanager refuses a label listed twice, and "..." (group by
	// every label) beside other labels.
	seen := map[string]int{}
	for i, l := range m.GroupBy {
		first, dup := seen[l]
		if !dup {
			seen[l] = i
		}
		switch {
		case l != "..." && !promx.ValidLabelName(l):
			v.diags.Errorf(rs.At("group_by"), "spec/label-name", "routing.group_by[%d]: %q is not a valid label name", i, l)
		case dup:
			v.diags.Errorf(rs.At("group_by"), "spec/label-name", "routing.group_by[%d]: %q is listed twice (first at group_by[%d]); list each label once", i, l, first)
		case l == "..." && len(m.GroupBy) > 1:
			v.diags.Errorf(rs.At("group_by"), "spec/label-name", "routing.group_by[%d]: \"...\" groups by every label, so no other label can be listed beside it; write [...] alone, or the labels", i)
		}
	}
	baseOK := false
	if rs.Base != "" {
		m.BasePath, m.BasePos = rs.Base, rs.At("base")
		if !filepath.IsAbs(rs.Base) {
			m.BasePath = filepath.Join(filepath.Dir(path), rs.Base)
		}
		if v.opts.ReadFile == nil {
			v.diags.Errorf(rs.At("base"), "spec/base", "routing.base: files cannot be read here")
		} else if b, err := v.opts.ReadFile(m.BasePath); err != nil {
			v.diags.Errorf(rs.At("base"), "spec/base", "routing.base: cannot read the base Alertmanager config: %v", err)
		} else if names, ds := readBaseNames(m.BasePath, b); len(ds) > 0 {
			v.diags = append(v.diags, ds...)
		} else if err := readBaseRoute(b, m); err != nil {
			// A shape readBaseNames does not look at (the route tree);
			// Alertmanager's loader says where after rendering.
			v.diags.Errorf(rs.At("base"), "spec/base", "routing.base: %s: %v", m.BasePath, promx.RedactError(b, err))
		} else {
			m.Base, m.BaseReceivers, m.BaseTimeIntervals = b, names.receivers, names.timeIntervals
			baseOK = true
		}
	}
	// A base written but unread (or misspelt: the decoder reported it) may
	// define the receivers and intervals, and have a route.
	baseUnknown := rs.Base != "" && !baseOK || rs.Invalid("base")
	rc := routeChecker{v: v, m: m, known: !baseUnknown}
	if rs.DefaultReceiver == "" && m.BaseRoute == nil && !baseUnknown && !rs.Invalid("default_receiver") {
		v.diags.Errorf(rs.Pos, "spec/required", "routing.default_receiver: missing; expected the receiver that takes alerts no team route matches")
	}
	rc.receiver(rs.DefaultReceiver, m.DefaultReceiverPos)
	m.Position = v.position(rs, m)

	for _, name := range sortedKeys(rs.Alerts) {
		a := rs.Alerts[name]
		what := "routing.alerts." + name
		if a == nil {
			v.diags.Errorf(rs.KeyAt("alerts."+name), "spec/required", "%s: expected a receiver name or a mapping with a receiver", what)
			continue
		}
		m.Alerts = append(m.Alerts, model.AlertRoute{Alert: name, Route: rc.route(&a.Node, what, a.Receiver, a.MuteTimeIntervals, a.ActiveTimeIntervals, a.RepeatInterval, a.Continue)})
		m.Alerts[len(m.Alerts)-1].Pos = rs.KeyAt("alerts." + name)
	}
	m.Routes = rc.labelRoutes(rs.Routes, "routing.routes")

	for _, team := range sortedKeys(rs.Teams) {
		t := rs.Teams[team]
		pos := rs.KeyAt("teams." + team)
		if !kebabRE.MatchString(team) {
			v.diags.Errorf(pos, "spec/name", "routing.teams: expected a lower-case team name like platform, got %q", team)
		}
		if t == nil {
			v.diags.Errorf(pos, "spec/required", "routing.teams.%s: expected a mapping of severities to receivers", team)
			continue
		}
		what := "routing.teams." + team
		tr := model.TeamRoute{Team: team, KeyPos: pos, Route: rc.route(&t.Node, what, t.Receiver, t.MuteTimeIntervals, t.ActiveTimeIntervals, t.RepeatInterval, t.Continue)}
		tr.Routes = rc.labelRoutes(t.Routes, what+".routes")
		for _, sev := range model.Severities {
			var sr *spec.SeverityRoute
			switch sev {
			case model.Critical:
				sr = t.Critical
			case model.Warning:
				sr = t.Warning
			case model.Info:
				sr = t.Info
			}
			if sr == nil {
				continue
			}
			swhat := fmt.Sprintf("%s.%s", what, sev)
			if sr.Receiver == "" && t.Receiver == "" && !sr.Invalid("receiver") && !t.Invalid("receiver") {
				v.diags.Errorf(sr.Pos, "spec/required", "%s.receiver: missing; expected a receiver name (or a receiver for the whole team)", swhat)
			}
			tr.Severities = append(tr.Severities, model.SeverityRoute{
				Severity: sev,
				Route:    rc.route(&sr.Node, swhat, sr.Receiver, sr.MuteTimeIntervals, sr.ActiveTimeIntervals, sr.RepeatInterval, sr.Continue),
			})
		}
		if tr.Receiver == "" && len(tr.Severities) == 0 && len(tr.Routes) == 0 && !t.Invalid("receiver") {
			v.diags.Errorf(t.Pos, "spec/required", "routing.teams.%s: expected a receiver or one per severity (critical, warning, info)", team)
		}
		m.Teams = append(m.Teams, tr)
	}
	return m
}

// position reads routing.position: where the generated subtree goes among
// the children of the base config's root route.
func (v *validator) position(rs *spec.RoutingSpec, m *model.Routing) model.Position {
	p := model.Position{Where: "first", Pos: rs.At("position")}
	if !rs.Has("position") {
		return p
	}
	const want = "first, last, before <receiver> or after <receiver>"
	where, receiver, _ := strings.Cut(strings.TrimSpace(rs.Position), " ")
	receiver = strings.TrimSpace(receiver)
	switch {
	case (where == "first" || where == "last") && receiver == "":
	case (where == "before" || where == "after") && receiver != "":
	default:
		v.diags.Errorf(p.Pos, "routing/position", "routing.position: expected %s, got %q", want, rs.Position)
		return p
	}
	p.Where, p.Receiver = where, receiver
	if m.Base == nil {
		return p
	}
	b := m.BaseRoute
	if b == nil {
		v.diags.Warnf(p.Pos, "routing/position", "routing.position: %s has no route of its own, so the generated route is its root route and position has no effect", m.BasePath)
		return p
	}
	if receiver != "" && !slices.Contains(b.Children, receiver) {
		v.diags.Errorf(p.Pos, "routing/position", "routing.position: no route directly under the root route of %s has receiver %q%s", m.BasePath, receiver, suggest(receiver, b.Children))
		return p
	}
	at := p.Index(b)
	for i := range at {
		if b.CatchAll(i) {
			v.diags.Errorf(p.Pos, "routing/position", "routing.position: route %d under the root route of %s (receiver %q) matches every alert and does not continue, so slo's routes placed after it would never be reached; place them before it", i+1, m.BasePath, b.Children[i])
			break
		}
	}
	return p
}

// routeChecker checks the receivers and time intervals a route names
// against the base config.
type routeChecker struct {
	v *validator
	m *model.Routing
	// known is set when the base config was read (or there is none), so
	// that an unreadable base does not make every name unknown.
	known bool
}

func (rc routeChecker) route(n *spec.Node, what, receiver string, mute, active []string, repeat *spec.Duration, cont bool) model.Route {
	rc.receiver(receiver, n.At("receiver"))
	rc.intervals(mute, n.At("mute_time_intervals"), what+".mute_time_intervals")
	rc.intervals(active, n.At("active_time_intervals"), what+".active_time_intervals")
	return model.Route{
		Receiver:            receiver,
		MuteTimeIntervals:   mute,
		ActiveTimeIntervals: active,
		RepeatInterval:      rc.v.duration(repeat, 0, what+".repeat_interval"),
		Continue:            cont,
		Pos:                 n.Pos,
		MutePos:             writtenAt(n, "mute_time_intervals"),
		ActivePos:           writtenAt(n, "active_time_intervals"),
	}
}

// writtenAt is where field name of n is written, or no position when it
// is not.
func writtenAt(n *spec.Node, name string) diag.Pos {
	if !n.Has(name) {
		return diag.Pos{}
	}
	return n.At(name)
}

func (rc routeChecker) labelRoutes(routes []*spec.LabelRoute, what string) []model.LabelRoute {
	var out []model.LabelRoute
	for i, r := range routes {
		rwhat := fmt.Sprintf("%s[%d]", what, i)
		if len(r.Matchers) == 0 && !r.Invalid("matchers") {
			rc.v.diags.Errorf(r.At("matchers"), "spec/required", "%s.matchers: missing; expected Alertmanager matchers such as [category=\"business\"]", rwhat)
		}
		for j, s := range r.Matchers {
			name, err := promx.RouteMatcher(s)
			switch {
			case err != nil:
				rc.v.diags.Errorf(r.At("matchers"), "routing/matcher", "%s.matchers[%d]: %q is not an Alertmanager matcher: %v; expected a matcher such as category=\"business\"", rwhat, j, s, err)
			case name == "team":
				rc.v.diags.Errorf(r.At("matchers"), "routing/matcher", "%s.matchers[%d]: match teams with routing.teams, not a team matcher", rwhat, j)
			}
		}
		out = append(out, model.LabelRoute{Matchers: r.Matchers, Route: rc.route(&r.Node, rwhat, r.Receiver, r.MuteTimeIntervals, r.ActiveTimeIntervals, r.RepeatInterval, r.Continue)})
	}
	return out
}

func (rc routeChecker) receiver(name string, pos diag.Pos) {
	m := rc.m
	if name == "" || m.Base == nil || slices.Contains(m.BaseReceivers, name) {
		return
	}
	rc.v.diags.Errorf(pos, "routing/unknown-receiver", "receiver %q is not defined in %s%s", name, m.BasePath, suggest(name, m.BaseReceivers))
}

func (rc routeChecker) intervals(names []string, pos diag.Pos, what string) {
	if !rc.known {
		return
	}
	m := rc.m
	for i, name := range names {
		if slices.Contains(m.BaseTimeIntervals, name) {
			continue
		}
		if m.Base == nil {
			rc.v.diags.Errorf(pos, "routing/unknown-time-interval", "%s[%d]: time interval %q is not defined; time intervals are defined in the base Alertmanager config (routing.base), and there is none", what, i, name)
			continue
		}
		rc.v.diags.Errorf(pos, "routing/unknown-time-interval", "%s[%d]: time interval %q is not defined in %s%s", what, i, name, m.BasePath, suggest(name, m.BaseTimeIntervals))
	}
}

// suggest is "; did you mean %q?" for the closest candidate, or the list of
// candidates when none is close.
func suggest(name string, candidates []string) string {
	if best := spec.Closest(name, candidates); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	if len(candidates) == 0 {
		return ", which defines none"
	}
	return "; expected one of " + strings.Join(candidates, ", ")
}

// readBaseRoute reads the root route of a base Alertmanager config into
// m, for routing.position. The merged config is loaded by Alertmanager's own
// loader after rendering.
func readBaseRoute(b []byte, m *model.Routing) error {
	type child struct {
		Receiver string    `yaml:"receiver"`
		Matchers yaml.Node `yaml:"matchers"`
		Match    yaml.Node `yaml:"match"`
		MatchRE  yaml.Node `yaml:"match_re"`
		Continue yaml.Node `yaml:"continue"`
	}
	var base struct {
		Route *struct {
			Receiver string  `yaml:"receiver"`
			Routes   []child `yaml:"routes"`
		} `yaml:"route"`
	}
	if err := yaml.Unmarshal(b, &base); err != nil {
		return err
	}
	if base.Route != nil {
		br := &model.BaseRoute{Receiver: base.Route.Receiver}
		for _, c := range base.Route.Routes {
			br.Children = append(br.Children, c.Receiver)
			br.Matchers = append(br.Matchers, childMatchers(c.Match, c.MatchRE, c.Matchers))
			// As Alertmanager reads it (`continue: !!bool yes`, which
			// yaml.v3 does not decode into a bool); readBaseNames has
			// reported any other value.
			cont, _ := yamlBool(&c.Continue)
			br.Continue = append(br.Continue, cont)
		}
		m.BaseRoute = br
	}
	return nil
}

// childMatchers writes a base route's match, match_re and matchers as
// Alertmanager matchers, as its loader reads them: match and match_re on
// the whole value, match_re anchored.
func childMatchers(match, matchRE, matchers yaml.Node) []string {
	var out []string
	pairs := func(n yaml.Node, op string) {
		var m map[string]string
		if n.Decode(&m) != nil {
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out = append(out, fmt.Sprintf("%s%s%q", k, op, m[k]))
		}
	}
	pairs(match, "=")
	pairs(matchRE, "=~")
	var ms []string
	if matchers.Decode(&ms) == nil {
		out = append(out, ms...)
	}
	return out
}

// routingChecks checks what the routing names against the project: every
// service's team has a route, and every alert it overrides exists.
func (v *validator) routingChecks(p *model.Project) {
	r := p.Routing
	var teams []string
	for _, t := range r.Teams {
		teams = append(teams, t.Team)
	}
	fallback := r.DefaultReceiver
	if fallback == "" && r.BaseRoute != nil {
		fallback = r.BaseRoute.Receiver
	}
	// A team that no service has, close to a team without a route, is
	// one misspelling: reported once, at the routing's key when several
	// services agree on the other spelling, else at the service.
	used := map[string][]*model.Service{}
	for _, s := range p.Services {
		used[s.Team] = append(used[s.Team], s)
	}
	var unused []string
	keyPos := map[string]diag.Pos{}
	for _, t := range r.Teams {
		if len(used[t.Team]) == 0 {
			unused = append(unused, t.Team)
			keyPos[t.Team] = t.KeyPos
		}
	}
	misspelt := map[string]bool{}
	for _, team := range sortedKeys(used) {
		best := spec.Closest(team, unused)
		if team == "" || slices.Contains(teams, team) || best == "" || r.TeamsInvalid {
			continue
		}
		svcs := used[team]
		misspelt[team] = true
		if len(svcs) > 1 {
			v.diags.Errorf(keyPos[best], "routing/unknown-team", "routing.teams: no service has team %q; did you mean %q, the team of %d services (%s, ...)? Their alerts would go to the default receiver %q", best, team, len(svcs), svcs[0].TeamPos, fallback)
			continue
		}
		v.diags.Errorf(svcs[0].TeamPos, "routing/unknown-team", "team %q has no route in %s, so its alerts would go to the default receiver %q; did you mean %q (routing.teams at %s)?", team, r.Source, fallback, best, keyPos[best])
	}
	for _, s := range p.Services {
		// An error, not a warning: a misspelt team sends even the critical
		// alerts to the default receiver, and nobody is paged.
		if s.Team != "" && !slices.Contains(teams, s.Team) && !r.TeamsInvalid && !misspelt[s.Team] {
			hint := "; expected one of " + strings.Join(teams, ", ")
			if len(teams) == 0 {
				hint = "; routing.teams lists none"
			}
			if best := spec.Closest(s.Team, teams); best != "" {
				hint = fmt.Sprintf("; did you mean %q?", best)
			}
			v.diags.Errorf(s.TeamPos, "routing/unknown-team", "team %q has no route in %s, so its alerts would go to the default receiver %q%s", s.Team, r.Source, fallback, hint)
		}
	}
	var alerts []string
	for _, s := range p.Services {
		for _, slo := range s.SLOs {
			alerts = append(alerts, slo.Alerting.Name)
		}
		for _, a := range s.Alerts {
			alerts = append(alerts, a.Name)
		}
	}
	// An alert whose name did not validate (reported there) may be the
	// one named.
	for _, a := range r.Alerts {
		if !slices.Contains(alerts, a.Alert) && !slices.Contains(alerts, "") {
			hint := ""
			if best := spec.Closest(a.Alert, alerts); best != "" {
				hint = fmt.Sprintf("; did you mean %q?", best)
			}
			v.diags.Errorf(a.Pos, "routing/unknown-alert", "routing.alerts: no alert named %q in the specs compiled together%s", a.Alert, hint)
		}
	}
}
