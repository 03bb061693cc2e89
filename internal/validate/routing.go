package validate

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/slo-compiler/slo/internal/model"
	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/spec"
	"gopkg.in/yaml.v2"
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
		GroupBy:            rs.GroupBy,
		GroupWait:          v.duration(rs.GroupWait, 30*time.Second, "routing.group_wait"),
		GroupInterval:      v.duration(rs.GroupInterval, 5*time.Minute, "routing.group_interval"),
		RepeatInterval:     v.duration(rs.RepeatInterval, 4*time.Hour, "routing.repeat_interval"),
	}
	if m.GroupBy == nil {
		m.GroupBy = []string{"alertname", "service", "severity"}
	}
	for i, l := range m.GroupBy {
		if l != "..." && !promx.ValidLabelName(l) {
			v.diags.Errorf(rs.At("group_by"), "spec/label-name", "routing.group_by[%d]: %q is not a valid label name", i, l)
		}
	}
	if rs.DefaultReceiver == "" {
		v.diags.Errorf(rs.Pos, "spec/required", "routing.default_receiver: missing; expected the receiver that takes alerts no team route matches")
	}
	if rs.Base != "" {
		m.BasePath = rs.Base
		if !filepath.IsAbs(rs.Base) {
			m.BasePath = filepath.Join(filepath.Dir(path), rs.Base)
		}
		if v.opts.ReadFile == nil {
			v.diags.Errorf(rs.At("base"), "spec/base", "routing.base: files cannot be read here")
		} else if b, err := v.opts.ReadFile(m.BasePath); err != nil {
			v.diags.Errorf(rs.At("base"), "spec/base", "routing.base: cannot read the base Alertmanager config: %v", err)
		} else if names, err := baseReceivers(b); err != nil {
			v.diags.Errorf(rs.At("base"), "spec/base", "routing.base: %s is not valid YAML: %v", m.BasePath, promx.RedactError(b, err))
		} else {
			m.Base, m.BaseReceivers = b, names
		}
	}
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
		tr := model.TeamRoute{Team: team, Receiver: t.Receiver, Pos: t.Pos}
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
			if sr.Receiver == "" {
				v.diags.Errorf(sr.Pos, "spec/required", "routing.teams.%s.%s.receiver: missing; expected a receiver name", team, sev)
			}
			tr.Severities = append(tr.Severities, model.SeverityRoute{
				Severity:            sev,
				Receiver:            sr.Receiver,
				MuteTimeIntervals:   sr.MuteTimeIntervals,
				ActiveTimeIntervals: sr.ActiveTimeIntervals,
				RepeatInterval:      v.duration(sr.RepeatInterval, 0, fmt.Sprintf("routing.teams.%s.%s.repeat_interval", team, sev)),
				Continue:            sr.Continue,
				Pos:                 sr.Pos,
			})
		}
		if tr.Receiver == "" && len(tr.Severities) == 0 {
			v.diags.Errorf(t.Pos, "spec/required", "routing.teams.%s: expected a receiver or one per severity (critical, warning, info)", team)
		}
		m.Teams = append(m.Teams, tr)
	}
	return m
}

// baseReceivers returns the receiver names of a base Alertmanager config.
// The merged config is loaded by Alertmanager's own loader after rendering;
// this only reads enough to check the routing's references.
func baseReceivers(b []byte) ([]string, error) {
	var base struct {
		Receivers []struct {
			Name string `yaml:"name"`
		} `yaml:"receivers"`
	}
	if err := yaml.Unmarshal(b, &base); err != nil {
		return nil, err
	}
	var names []string
	for _, r := range base.Receivers {
		names = append(names, r.Name)
	}
	return names, nil
}
