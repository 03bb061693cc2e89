package app

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/spec"
)

// scenarioNames checks the names a scenario file uses against what the
// specs it tests compile to: an assertion on an alert no compiled rule
// defines would pass whatever the rules do (no alert of that name ever
// fires), and a receiver the Alertmanager config lacks can never be
// notified. promtool lets both pass; slo reports them.
func scenarioNames(sf *spec.ScenarioFile, b *Build) diag.List {
	var diags diag.List
	var alerts []string
	for _, rf := range b.Output.RuleFiles {
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Alert != "" && !slices.Contains(alerts, r.Alert) {
					alerts = append(alerts, r.Alert)
				}
			}
		}
	}
	slices.Sort(alerts)
	alert := func(n *spec.Node, name string) {
		if name == "" || slices.Contains(alerts, name) {
			return
		}
		diags.Errorf(n.At("alertname"), "scenario/unknown-alert", "alertname: no rule of the specs this file tests defines an alert %q%s", name, suggest(name, alerts))
	}
	receivers, haveConfig := configReceivers(b)
	for _, t := range sf.Tests {
		for _, at := range t.AlertRuleTest {
			alert(&at.Node, at.Alertname)
			if !haveConfig {
				continue // the harness says there is no config to route with
			}
			for _, e := range append(slices.Clone(at.ExpAlerts), at.ExpPending...) {
				if e.ExpReceivers == nil {
					continue
				}
				for _, r := range e.ExpReceivers.Values {
					if !slices.Contains(receivers, r) {
						diags.Errorf(e.At("exp_receivers"), "scenario/unknown-receiver", "exp_receivers: %q is not a receiver of the compiled Alertmanager config%s", r, suggest(r, receivers))
					}
				}
			}
		}
		for _, rt := range t.AlertRangeTest {
			alert(&rt.Node, rt.Alertname)
		}
	}
	return diags
}

// suggest is "; did you mean X?" for a close candidate, or the list of
// candidates when it is short.
func suggest(name string, candidates []string) string {
	if best := spec.Closest(name, candidates); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	if len(candidates) > 0 && len(candidates) <= 10 {
		return "; expected one of " + strings.Join(candidates, ", ")
	}
	return ""
}

// configReceivers returns the receivers the compiled Alertmanager config
// defines, and whether the build has one.
func configReceivers(b *Build) ([]string, bool) {
	for _, f := range b.Files {
		if f.Name != "alertmanager/alertmanager.yml" {
			continue
		}
		var cfg struct {
			Receivers []struct {
				Name string `yaml:"name"`
			} `yaml:"receivers"`
		}
		if yaml.Unmarshal(f.Data, &cfg) != nil {
			return nil, false // refused by Alertmanager's loader too: reported there
		}
		var out []string
		for _, r := range cfg.Receivers {
			out = append(out, r.Name)
		}
		slices.Sort(out)
		return out, true
	}
	return nil, false
}
