package htmlreport

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"regexp"
)

// Document is the whole report.
type Document struct {
	Title    string
	Sections []Section
}

// Section is one alert (or SLO alert): its spec as written, its compiled
// rules, and its scenarios.
type Section struct {
	// ID is the HTML anchor; Name the alert's name.
	ID, Name string
	// Source is where the spec is written (file:line).
	Source    string
	Spec      string
	Rules     string
	Scenarios []Scenario
}

// Scenario is one plotted scenario.
type Scenario struct {
	Name string
	// Source is where it was written or generated from (file:line:col).
	Source string
	Figure Figure
	// Notes say what happened: each firing episode and who was notified
	// (or what muted it), errors evaluating signals.
	Notes []string
	// Err, when set, replaces the plot: the scenario could not be run.
	Err string
}

// Write renders d as one HTML page. The plots are drawn here; the page
// is the same bytes for the same document.
func Write(w io.Writer, d *Document) error {
	type scen struct {
		Scenario
		SVG template.HTML
	}
	type sect struct {
		Section
		Scens []scen
	}
	data := struct {
		Title    string
		Sections []sect
		Plots    int
	}{Title: d.Title}
	for _, s := range d.Sections {
		out := sect{Section: s}
		for _, sc := range s.Scenarios {
			o := scen{Scenario: sc}
			if sc.Err == "" {
				svg, err := Plot(sc.Figure)
				if err != nil {
					return fmt.Errorf("%s: %s: %w", s.Name, sc.Name, err)
				}
				// The SVG is drawn by gonum from our own data: no text
				// of it comes unescaped from a spec (its text renderer
				// escapes labels and titles).
				o.SVG = template.HTML(uniqueIDs(Inline(svg), data.Plots))
				data.Plots++
			}
			out.Scens = append(out.Scens, o)
		}
		data.Sections = append(data.Sections, out)
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, data); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

var idAttr = regexp.MustCompile(`(id="|url\(#|href="#)([^")]+)`)

// uniqueIDs prefixes the ids an SVG defines and refers to, so that the
// plots of one page do not share clip paths.
func uniqueIDs(svg []byte, n int) []byte {
	return idAttr.ReplaceAll(svg, []byte(fmt.Sprintf("${1}p%d-${2}", n)))
}

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font-family: sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
nav ul { columns: 2; }
section { border-top: 2px solid #ccc; margin-top: 2em; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; font-size: 85%; }
figure { margin: 1em 0; }
figure svg { max-width: 100%; height: auto; }
.src { color: #666; font-size: 85%; }
.err { color: #b00; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>{{len .Sections}} alerts, {{.Plots}} scenarios plotted. Each plot shows the scenario's input series (top) and
the alert's signal (bottom) with the threshold of each severity (dashed), and the spans in which the alert was
pending (light) and firing (dark).</p>
<nav><ul>
{{range .Sections}}<li><a href="#{{.ID}}">{{.Name}}</a> ({{len .Scens}})</li>
{{end}}</ul></nav>
{{range .Sections}}<section id="{{.ID}}">
<h2>{{.Name}}</h2>
{{if .Source}}<p class="src">{{.Source}}</p>{{end}}
{{if .Spec}}<h3>Spec</h3>
<pre>{{.Spec}}</pre>{{end}}
{{if .Rules}}<h3>Compiled rules</h3>
<pre>{{.Rules}}</pre>{{end}}
<h3>Scenarios</h3>
{{range .Scens}}<figure>
<figcaption><strong>{{.Name}}</strong> <span class="src">{{.Source}}</span></figcaption>
{{if .Err}}<p class="err">{{.Err}}</p>{{else}}{{.SVG}}{{end}}
{{if .Notes}}<ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
</figure>
{{end}}</section>
{{end}}</body>
</html>
`))
