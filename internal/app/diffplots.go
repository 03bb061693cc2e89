package app

import (
	"bytes"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/slo-compiler/slo/internal/diff"
	"github.com/slo-compiler/slo/internal/harness"
	"github.com/slo-compiler/slo/internal/htmlreport"
	"github.com/slo-compiler/slo/internal/par"
	"github.com/slo-compiler/slo/internal/scenario"
)

// diffPlot is one drawn plot of slo diff --plots.
type diffPlot struct {
	C    *diff.ChangedScenario
	File string // its name in the folder
	SVG  []byte
	Err  error
}

// writeDiffPlots draws, for each scenario on which an alert acts
// differently, base and head on the same axes, and writes the plots and
// an index.html listing them to dir; each scenario's Plot is its path,
// dir joined with the file name, and the report's behaviours link them.
// Every plot is drawn before anything is written.
func writeDiffPlots(dir string, base, head *diff.Side, r *diff.Report) error {
	var plots []*diffPlot
	for i, c := range r.ChangedScenarios() {
		plots = append(plots, &diffPlot{C: c, File: fmt.Sprintf("%02d-%s.svg", i+1, slug(c.Scenario.Name))})
	}
	par.Each(len(plots), func(i int) {
		p := plots[i]
		fig, err := diffFigure(base, head, p.C)
		if err == nil {
			p.SVG, err = htmlreport.Plot(fig)
		}
		p.Err = err
	})
	for _, p := range plots {
		if p.Err != nil {
			return fmt.Errorf("plotting %s: %w", p.C.Name, p.Err)
		}
	}
	var index bytes.Buffer
	if err := diffIndex.Execute(&index, struct {
		Base, Head string
		Plots      []*diffPlot
	}{r.Base.Label, r.Head.Label, plots}); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range plots {
		if err := os.WriteFile(filepath.Join(dir, p.File), p.SVG, 0o644); err != nil {
			return err
		}
		p.C.Plot = filepath.ToSlash(filepath.Join(dir, p.File))
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), index.Bytes(), 0o644); err != nil {
		return err
	}
	r.LinkPlots()
	return nil
}

// diffFigure replays c on both sides' rules and puts both on one figure:
// the inputs (the same on both sides) once, each side's signal,
// thresholds and pending and firing bands labelled with its side.
func diffFigure(base, head *diff.Side, c *diff.ChangedScenario) (htmlreport.Figure, error) {
	fig := htmlreport.Figure{Title: shortTitle(c.Scenario.Name)}
	for i, side := range []*diff.Side{base, head} {
		name := sideName(i)
		f := &scenario.File{Name: c.Name, Alertmanager: side.Files["alertmanager/alertmanager.yml"]}
		for _, rf := range c.RuleFiles {
			if data, ok := side.Files[rf]; ok {
				f.RuleFiles = append(f.RuleFiles, scenario.RuleFile{Name: rf, Data: data})
			}
		}
		var ar alertRules
		for _, a := range c.Alerts {
			one := rulesOf(f.RuleFiles, a)
			for _, s := range one.signals {
				if !slices.Contains(ar.signals, s) {
					ar.signals = append(ar.signals, s)
				}
			}
			ar.thresholds = append(ar.thresholds, one.thresholds...)
		}
		tl, err := harness.Replay(f, c.Scenario, ar.signals)
		if err != nil {
			return fig, fmt.Errorf("%s: %w", name, err)
		}
		fig.End = max(fig.End, tl.End)
		if i == 0 {
			fig.Inputs = seriesOf(slices.Concat(tl.Inputs...), tl)
		}
		for _, s := range seriesOf(slices.Concat(tl.Signals...), tl) {
			s.Label, s.Side = name+": "+s.Label, name
			fig.Signals = append(fig.Signals, s)
		}
		for _, t := range ar.thresholds {
			t.Side, t.Label = name, name+" "+t.Label
			fig.Thresholds = append(fig.Thresholds, t)
		}
		for _, e := range tl.Episodes {
			if slices.Contains(c.Alerts, e.Alert) {
				fig.Bands = append(fig.Bands, htmlreport.Band{Severity: e.Labels["severity"], Firing: e.Firing, From: e.From, To: e.To, Side: name})
			}
		}
	}
	return fig, nil
}

// slug makes a scenario name a file name: lower-case letters and digits,
// runs of anything else a dash, at most 48 characters.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			if b.Len() >= 48 {
				break
			}
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "scenario"
	}
	return b.String()
}

var diffIndex = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>slo diff: {{.Base}} → {{.Head}}</title>
<style>
body { font-family: sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
figure { border-top: 2px solid #ccc; margin: 2em 0; padding-top: 1em; }
figure img { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>slo diff: {{.Base}} → {{.Head}}</h1>
{{if .Plots}}<p>{{len .Plots}} scenarios on which an alert acts differently. Each plot shows the scenario's input
series (top), the same on both sides, and the alert's signal on base and on head (bottom) with each side's
thresholds (base dotted, head dashed) and the spans in which the alert was pending (light) and firing (dark):
base's in the lower half of the plot, head's in the upper half.</p>
{{else}}<p>No scenario acts differently on head than on base.</p>
{{end}}{{range .Plots}}<figure id="{{.File}}">
<figcaption><strong>{{.C.Scenario.Name}}</strong> <small>{{.C.File}}</small></figcaption>
<ul>{{range .C.Behaviour}}<li>{{.}}</li>{{end}}</ul>
<img src="{{.File}}" alt="{{.C.Scenario.Name}}: base and head">
</figure>
{{end}}</body>
</html>
`))
