package promx

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/alertmanager/eventrecorder"
	"github.com/prometheus/alertmanager/inhibit"
	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/alertmanager/provider/mem"
	"github.com/prometheus/alertmanager/timeinterval"
	"github.com/prometheus/alertmanager/types"
	"github.com/prometheus/common/model"
)

// Alertmanager is a loaded Alertmanager config that answers routing and
// inhibition questions with Alertmanager's own code: the dispatch route
// tree, the inhibitor and the time-interval intervener.
type Alertmanager struct {
	cfg       *amconfig.Config
	route     *dispatch.Route
	intervals *timeinterval.Intervener
}

// LoadAlertmanager loads a config with Alertmanager's own loader. Secrets
// quoted by its errors are redacted (see RedactError).
func LoadAlertmanager(content []byte) (*Alertmanager, error) {
	cfg, err := amconfig.Load(string(content))
	if err != nil {
		return nil, RedactError(content, err)
	}
	ti := map[string][]timeinterval.TimeInterval{}
	for _, t := range cfg.TimeIntervals {
		ti[t.Name] = t.TimeIntervals
	}
	for _, t := range cfg.MuteTimeIntervals {
		ti[t.Name] = t.TimeIntervals
	}
	return &Alertmanager{cfg: cfg, route: dispatch.NewRoute(cfg.Route, nil), intervals: timeinterval.NewIntervener(ti)}, nil
}

// Delivery is one route an alert reaches.
type Delivery struct {
	Receiver string
	// Muted is set when the route's time intervals hold the notification
	// back at the time asked about; MutedBy names them.
	Muted   bool
	MutedBy []string
}

// Route returns the routes an alert with labels reaches, in the order
// Alertmanager walks them, with whether each is muted at time at by its
// mute or active time intervals.
func (am *Alertmanager) Route(labels map[string]string, at time.Time) ([]Delivery, error) {
	var out []Delivery
	for _, r := range am.route.Match(labelSet(labels)) {
		d := Delivery{Receiver: r.RouteOpts.Receiver}
		if len(r.RouteOpts.MuteTimeIntervals) > 0 {
			muted, names, err := am.intervals.Mutes(r.RouteOpts.MuteTimeIntervals, at)
			if err != nil {
				return nil, err
			}
			if muted {
				d.Muted, d.MutedBy = true, names
			}
		}
		if len(r.RouteOpts.ActiveTimeIntervals) > 0 {
			active, _, err := am.intervals.Mutes(r.RouteOpts.ActiveTimeIntervals, at)
			if err != nil {
				return nil, err
			}
			if !active {
				d.Muted = true
				d.MutedBy = append(d.MutedBy, "outside "+fmt.Sprint(r.RouteOpts.ActiveTimeIntervals))
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// Inhibited reports, for each of a set of alerts firing together, whether
// the others inhibit it under the config's inhibit rules. It runs
// Alertmanager's own inhibitor over an in-memory alert store.
func (am *Alertmanager) Inhibited(alerts []map[string]string) ([]bool, error) {
	out := make([]bool, len(alerts))
	if len(am.cfg.InhibitRules) == 0 || len(alerts) == 0 {
		return out, nil
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store, err := mem.NewAlerts(ctx, time.Hour, 0, nil, logger, eventrecorder.NopRecorder(), nil, nil)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	// The inhibitor ignores resolved alerts, judged against the wall
	// clock; the alerts are put as active now, whatever time is asked.
	now := time.Now()
	for _, ls := range alerts {
		a := &types.Alert{Alert: model.Alert{Labels: labelSet(ls), StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)}}
		if err := store.Put(ctx, a); err != nil {
			return nil, err
		}
	}
	ih := inhibit.NewInhibitor(store, am.cfg.InhibitRules, logger, eventrecorder.NopRecorder())
	go ih.Run()
	defer ih.Stop()
	ih.WaitForLoading()
	for i, ls := range alerts {
		out[i] = ih.Mutes(ctx, labelSet(ls))
	}
	return out, nil
}

func labelSet(m map[string]string) model.LabelSet {
	ls := make(model.LabelSet, len(m))
	for k, v := range m {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls
}

// Receivers returns the names of the config's receivers, sorted.
func (am *Alertmanager) Receivers() []string {
	var names []string
	for _, r := range am.cfg.Receivers {
		names = append(names, r.Name)
	}
	slices.Sort(names)
	return names
}

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
