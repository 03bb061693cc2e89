// Package amx is the part of promx that runs Alertmanager's own code:
// its config loader, route tree, inhibitor and time intervals. It is a
// package of its own for what it costs to link: Alertmanager's config,
// dispatch and inhibit packages bring some 320 packages more than promx's
// (the AWS SDK, gRPC, OpenTelemetry exporters, Kafka), and every test
// binary importing them links them all. Packages that only parse PromQL,
// rule files or route matchers import promx and stay clear of them.
package amx

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
	"github.com/prometheus/alertmanager/provider/mem"
	"github.com/prometheus/alertmanager/timeinterval"
	"github.com/prometheus/alertmanager/types"
	"github.com/prometheus/common/model"

	"github.com/slo-compiler/slo/internal/promx"
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
// quoted by its errors are redacted (see promx.RedactError).
func LoadAlertmanager(content []byte) (*Alertmanager, error) {
	cfg, err := amconfig.Load(string(content))
	if err != nil {
		return nil, promx.RedactError(content, err)
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

// CheckAlertmanagerConfig loads a rendered Alertmanager config with
// Alertmanager's own loader. The loader's errors quote config values; the
// secret ones are redacted (see promx.RedactError).
func CheckAlertmanagerConfig(content []byte) error {
	_, err := amconfig.Load(string(content))
	return promx.RedactError(content, err)
}

// AlertmanagerConfigProblem loads a rendered Alertmanager config with
// Alertmanager's own loader and returns its error as it is, secrets and
// all: for finding where the refused value was written, never for
// printing (see promx.RedactError).
func AlertmanagerConfigProblem(content []byte) error {
	_, err := amconfig.Load(string(content))
	return err
}
