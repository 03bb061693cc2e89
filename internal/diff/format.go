package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Formats are the output formats of Write.
var Formats = []string{"text", "markdown", "json"}

// Write writes r to w in format (one of Formats).
func Write(w io.Writer, format string, r *Report) error {
	switch format {
	case "markdown":
		return writeMarkdown(w, r)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			Format string `json:"format"`
			*Report
		}{"slo-diff/v1", r})
	}
	return writeText(w, r)
}

func (a *Alert) title() string {
	s := a.Alert
	if a.SLO != "" {
		s += " (SLO " + a.SLO + ")"
	}
	switch a.Status {
	case "added":
		s += " — new"
	case "removed":
		s += " — removed"
	}
	return s
}

// summary counts the changes of r in one line.
func (r *Report) summary() string {
	if r.SpecOnly {
		if !r.Changed {
			return "no change in the alerts, routes and panels (scenarios not run)"
		}
		spec := len(r.Routing) + len(r.Dashboards)
		for _, a := range r.Alerts {
			spec += len(a.Changes)
		}
		return fmt.Sprintf("%s in %s (scenarios not run)", plural(spec, "spec change"), plural(len(r.Alerts), "alert"))
	}
	if !r.Changed {
		return fmt.Sprintf("no change: the alerts, routes and panels are the same, so the %s act the same on both sides", plural(r.Scenarios, "scenario"))
	}
	spec, beh := len(r.Routing)+len(r.Dashboards), 0
	for _, a := range r.Alerts {
		spec += len(a.Changes)
		beh += len(a.Behaviour)
	}
	ran := plural(r.Scenarios, "scenario") + " run on both sides"
	if r.Run < r.Scenarios {
		ran = fmt.Sprintf("%s, %d run on both sides (the others read no changed rule or route)", plural(r.Scenarios, "scenario"), r.Run)
	}
	return fmt.Sprintf("%s, %s in %s; %s", plural(spec, "spec change"), plural(beh, "behaviour change"), plural(len(r.Alerts), "alert"), ran)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func writeText(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "slo diff: base %s → head %s\n", r.Base.Label, r.Head.Label)
	for _, a := range r.Alerts {
		fmt.Fprintf(&b, "\n%s (service %s, %s)\n", a.title(), a.Service, a.Spec)
		if len(a.Changes) > 0 {
			b.WriteString("  spec:\n")
			for _, c := range a.Changes {
				fmt.Fprintf(&b, "    %s\n", c.Text)
			}
		}
		if len(a.Behaviour) > 0 {
			b.WriteString("  behaviour:\n")
			for _, x := range a.Behaviour {
				fmt.Fprintf(&b, "    %s\n", x.Text)
				if ps := x.plots(); len(ps) == 1 {
					fmt.Fprintf(&b, "      plot: %s\n", ps[0])
				} else if len(ps) > 1 {
					fmt.Fprintf(&b, "      plots: %s\n", strings.Join(ps, ", "))
				}
			}
		}
	}
	for _, sec := range []struct {
		name string
		cs   []Change
	}{{"routing", r.Routing}, {"dashboards", r.Dashboards}} {
		if len(sec.cs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s:\n", sec.name)
		for _, c := range sec.cs {
			fmt.Fprintf(&b, "  %s\n", c.Text)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", r.summary())
	_, err := io.WriteString(w, b.String())
	return err
}

// cell makes s safe in a Markdown table cell.
func cell(s string) string {
	if s == "" {
		return "—"
	}
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

func writeMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### slo diff: %s → %s\n\n", cell(r.Base.Label), cell(r.Head.Label))
	fmt.Fprintf(&b, "%s.\n", r.summary())
	for _, a := range r.Alerts {
		fmt.Fprintf(&b, "\n#### %s\n\nService `%s`, `%s`\n", cell(a.title()), a.Service, a.Spec)
		if len(a.Changes) > 0 {
			b.WriteString("\n| Setting | Base | Head |\n|---|---|---|\n")
			for _, c := range a.Changes {
				field := c.Field
				if c.Severity != "" {
					field = c.Severity + " " + field
				}
				fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(field), cell(c.Base), cell(c.Head))
			}
		}
		if len(a.Behaviour) > 0 {
			b.WriteString("\n**Behaviour on the scenarios:**\n\n")
			for _, x := range a.Behaviour {
				fmt.Fprintf(&b, "- %s%s\n", x.Text, mdLinks(x.plots()))
			}
		}
	}
	for _, sec := range []struct {
		name string
		cs   []Change
	}{{"Routing", r.Routing}, {"Dashboards", r.Dashboards}} {
		if len(sec.cs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n#### %s\n\n| Setting | Base | Head |\n|---|---|---|\n", sec.name)
		for _, c := range sec.cs {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(c.Field), cell(c.Base), cell(c.Head))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// plots are the distinct plot files of x, in order.
func (x *Behaviour) plots() []string {
	var out []string
	for _, p := range x.Plots {
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// mdLinks links plot files: " ([plot](p))", " ([plot 1](p), [plot 2](q))".
func mdLinks(ps []string) string {
	if len(ps) == 0 {
		return ""
	}
	var ls []string
	for i, p := range ps {
		name := "plot"
		if len(ps) > 1 {
			name = fmt.Sprintf("plot %d", i+1)
		}
		ls = append(ls, fmt.Sprintf("[%s](%s)", name, mdURL(p)))
	}
	return " (" + strings.Join(ls, ", ") + ")"
}

// mdURL escapes what would end or break a Markdown link target.
func mdURL(p string) string {
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E").Replace(p)
}
