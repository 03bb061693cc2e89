package diff

import (
	"bytes"
	"maps"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/promx"
)

// watchList returns the alert names whose behaviour may differ between
// base and head: those whose alerting rules, or the recording rules they
// read, differ; those the two Alertmanager configs route differently; and,
// following the inhibitions the specs declare, the alerts those mute and
// the alerts that mute them (whether one is muted depends on the other's
// state). When the configs differ in more than their routes and receivers
// (inhibit rules, time intervals), every alert is watched.
func watchList(base, head *Side) map[string]bool {
	watch := map[string]bool{}
	bf, hf := fingerprints(base.Files), fingerprints(head.Files)
	for name, f := range hf {
		if g, ok := bf[name]; ok && g != f {
			watch[name] = true
		}
	}
	bam, ham := base.Files[alertmanagerFile], head.Files[alertmanagerFile]
	if !bytes.Equal(bam, ham) {
		if !sameBeyondRoutes(bam, ham) {
			for name := range hf {
				watch[name] = true
			}
			return watch
		}
		br, hr := receivers(base), receivers(head)
		for name := range hf {
			if _, ok := bf[name]; ok && !reflect.DeepEqual(br[name], hr[name]) {
				watch[name] = true
			}
		}
	}
	// Inhibitions: a watched alert's state decides whether the alerts it
	// mutes are muted, and whether a watched alert is muted depends on
	// the alerts that mute it.
	var edges [][2]string
	for _, p := range []*model.Project{base.Project, head.Project} {
		for _, e := range entries(p) {
			if e.alert != nil && e.alert.Inhibits != nil {
				for _, t := range e.alert.Inhibits.Alerts {
					edges = append(edges, [2]string{e.alert.Name, t})
				}
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, e := range edges {
			if watch[e[0]] != watch[e[1]] {
				watch[e[0]], watch[e[1]] = true, true
				changed = true
			}
		}
	}
	return watch
}

// fingerprints maps each alert name of the rule files to its alerting
// rules and every recording rule of the same file they read, directly or
// not (a rule reads a record whose name its expression contains).
func fingerprints(files map[string][]byte) map[string]string {
	out := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if !strings.HasPrefix(name, "rules/") {
			continue
		}
		groups, _ := promx.LoadRuleFile(files[name])
		records := map[string][]promx.Rule{}
		for _, g := range groups {
			for _, r := range g.Rules {
				if r.Record != "" {
					records[r.Record] = append(records[r.Record], r)
				}
			}
		}
		for _, g := range groups {
			for _, r := range g.Rules {
				if r.Alert == "" {
					continue
				}
				var b strings.Builder
				b.WriteString(out[r.Alert])
				writeRule(&b, r)
				seen := map[string]bool{}
				queue := []string{r.Expr}
				for len(queue) > 0 {
					expr := queue[0]
					queue = queue[1:]
					for _, rec := range slices.Sorted(maps.Keys(records)) {
						if seen[rec] || !strings.Contains(expr, rec) {
							continue
						}
						seen[rec] = true
						for _, rr := range records[rec] {
							writeRule(&b, rr)
							queue = append(queue, rr.Expr)
						}
					}
				}
				out[r.Alert] = b.String()
			}
		}
	}
	return out
}

func writeRule(b *strings.Builder, r promx.Rule) {
	b.WriteString(r.Record + "\x00" + r.Alert + "\x00" + r.Expr + "\x00" + r.For.String() + "\x00" + r.KeepFiringFor.String() + "\x00")
	for _, k := range slices.Sorted(maps.Keys(r.Labels)) {
		b.WriteString(k + "=" + r.Labels[k] + "\x00")
	}
	b.WriteString("\x01")
}

// sameBeyondRoutes reports whether two Alertmanager configs are the same
// but for their route trees and receivers.
func sameBeyondRoutes(a, b []byte) bool {
	var x, y map[string]any
	if yaml.Unmarshal(a, &x) != nil || yaml.Unmarshal(b, &y) != nil {
		return false
	}
	for _, k := range []string{"route", "receivers"} {
		delete(x, k)
		delete(y, k)
	}
	return reflect.DeepEqual(x, y)
}

// ruleAlerts lists the alert names of a rule file.
func ruleAlerts(data []byte) []string {
	var out []string
	groups, _ := promx.LoadRuleFile(data)
	for _, g := range groups {
		for _, r := range g.Rules {
			if r.Alert != "" && !slices.Contains(out, r.Alert) {
				out = append(out, r.Alert)
			}
		}
	}
	return out
}
