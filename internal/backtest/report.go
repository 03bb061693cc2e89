package backtest

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Formats are the output formats of slo backtest.
var Formats = []string{"text", "markdown", "json"}

// Report is a backtest of one side, or of two (Base set).
type Report struct {
	Prometheus string
	From, To   time.Time
	// HeadName and BaseName say what each side is (a folder or a git
	// revision); BaseName is empty without --base.
	HeadName, BaseName string
	Head, Base         *Result
}

// Row is one alert and severity with both sides.
type Row struct {
	Alert, Severity string
	Head, Base      *AlertResult
}

// Rows pairs the alerts of both sides by name and severity.
func (r *Report) Rows() []Row {
	idx := map[[2]string]int{}
	var rows []Row
	add := func(res *Result, head bool) {
		if res == nil {
			return
		}
		for i := range res.Alerts {
			a := &res.Alerts[i]
			k := [2]string{a.Alert, a.Severity}
			j, ok := idx[k]
			if !ok {
				j = len(rows)
				idx[k] = j
				rows = append(rows, Row{Alert: a.Alert, Severity: a.Severity})
			}
			if head {
				rows[j].Head = a
			} else {
				rows[j].Base = a
			}
		}
	}
	add(r.Head, true)
	add(r.Base, false)
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Alert != rows[j].Alert {
			return rows[i].Alert < rows[j].Alert
		}
		return severityRank(rows[i].Severity) < severityRank(rows[j].Severity)
	})
	return rows
}

var empty = AlertResult{}

func orEmpty(a *AlertResult) *AlertResult {
	if a == nil {
		return &empty
	}
	return a
}

func dur(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	return model.Duration(d).String()
}

func receivers(a *AlertResult) string {
	if a == nil || len(a.Receivers) == 0 {
		return "none"
	}
	names := make([]string, 0, len(a.Receivers))
	for n := range a.Receivers {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s (%d)", n, a.Receivers[n]))
	}
	return strings.Join(parts, ", ")
}

func (r *Report) window() string { return dur(r.To.Sub(r.From)) }

func arrow[T comparable](base, head T, f func(T) string) string {
	if base == head {
		return f(head)
	}
	return f(base) + " → " + f(head)
}

func itoa(n int) string { return fmt.Sprint(n) }

func id(s string) string { return s }

// only names the side an alert severity exists on, when it exists on one
// side of two.
func (r *Report) only(row Row) string {
	switch {
	case r.Base == nil:
		return ""
	case row.Base == nil:
		return r.HeadName
	case row.Head == nil:
		return r.BaseName
	}
	return ""
}

// Text writes the report for a terminal.
func (r *Report) Text(w io.Writer) error {
	fmt.Fprintf(w, "backtest of %s against %s, %s to %s (%s)\n", r.sides(), r.Prometheus, stamp(r.From), stamp(r.To), r.window())
	for _, row := range r.Rows() {
		h := orEmpty(row.Head)
		name := row.Alert
		if row.Severity != "" {
			name += " " + row.Severity
		}
		if r.Base == nil {
			if h.Fired == 0 {
				fmt.Fprintf(w, "%s: never fired\n", name)
				continue
			}
			fmt.Fprintf(w, "%s: fired %s, %s firing in all, longest %s; %s; receivers: %s\n",
				name, times(h.Fired), dur(h.Firing), dur(h.Longest), pages(h.Pages), receivers(h))
			continue
		}
		b := orEmpty(row.Base)
		if only := r.only(row); only != "" {
			name += " (only in " + only + ")"
		}
		fmt.Fprintf(w, "%s: pages in the last %s: %s; fires %s; firing %s; longest %s; receivers: %s\n",
			name, r.window(), arrow(b.Pages, h.Pages, itoa), arrow(b.Fired, h.Fired, itoa),
			arrow(b.Firing, h.Firing, dur), arrow(b.Longest, h.Longest, dur), arrow(receivers(b), receivers(h), id))
	}
	return nil
}

func (r *Report) sides() string {
	if r.Base == nil {
		return r.HeadName
	}
	return r.BaseName + " → " + r.HeadName
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func pages(n int) string {
	switch n {
	case 0:
		return "paged no one"
	case 1:
		return "1 page"
	}
	return fmt.Sprintf("%d pages", n)
}

// Markdown writes the report as a table for a pull-request comment.
func (r *Report) Markdown(w io.Writer) error {
	fmt.Fprintf(w, "### slo backtest: %s\n\n", r.sides())
	fmt.Fprintf(w, "Against `%s`, %s to %s (%s).\n\n", r.Prometheus, stamp(r.From), stamp(r.To), r.window())
	fmt.Fprintln(w, "| Alert | Severity | Pages | Fired | Firing | Longest | Receivers |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---|")
	for _, row := range r.Rows() {
		h := orEmpty(row.Head)
		if r.Base == nil {
			fmt.Fprintf(w, "| %s | %s | %d | %d | %s | %s | %s |\n", row.Alert, row.Severity, h.Pages, h.Fired, dur(h.Firing), dur(h.Longest), receivers(h))
			continue
		}
		b := orEmpty(row.Base)
		recv := arrow(receivers(b), receivers(h), id)
		sev := row.Severity
		if only := r.only(row); only != "" {
			sev += " (only in " + only + ")"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", row.Alert, sev,
			arrow(b.Pages, h.Pages, itoa), arrow(b.Fired, h.Fired, itoa), arrow(b.Firing, h.Firing, dur), arrow(b.Longest, h.Longest, dur), recv)
	}
	return nil
}

type jsonSide struct {
	Fired          int            `json:"fired"`
	FiringSeconds  float64        `json:"firing_seconds"`
	LongestSeconds float64        `json:"longest_seconds"`
	Pages          int            `json:"pages"`
	Silent         int            `json:"silent"`
	Receivers      map[string]int `json:"receivers"`
}

type jsonRow struct {
	Alert    string `json:"alert"`
	Severity string `json:"severity"`
	// Only names the one side the alert severity exists on, with --base.
	Only string    `json:"only,omitempty"`
	Head jsonSide  `json:"head"`
	Base *jsonSide `json:"base,omitempty"`
}

type jsonReport struct {
	Prometheus string    `json:"prometheus"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	Head       string    `json:"head"`
	Base       string    `json:"base,omitempty"`
	Alerts     []jsonRow `json:"alerts"`
}

func side(a *AlertResult) jsonSide {
	a = orEmpty(a)
	rc := a.Receivers
	if rc == nil {
		rc = map[string]int{}
	}
	return jsonSide{Fired: a.Fired, FiringSeconds: a.Firing.Seconds(), LongestSeconds: a.Longest.Seconds(), Pages: a.Pages, Silent: a.Silent, Receivers: rc}
}

// JSON writes the report as JSON (schema in docs/backtest.md).
func (r *Report) JSON(w io.Writer) error {
	out := jsonReport{Prometheus: r.Prometheus, From: stamp(r.From), To: stamp(r.To), Head: r.HeadName, Alerts: []jsonRow{}}
	if r.Base != nil {
		out.Base = r.BaseName
	}
	for _, row := range r.Rows() {
		jr := jsonRow{Alert: row.Alert, Severity: row.Severity, Only: r.only(row), Head: side(row.Head)}
		if r.Base != nil {
			b := side(row.Base)
			jr.Base = &b
		}
		out.Alerts = append(out.Alerts, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// Write writes the report in format.
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case "markdown":
		return r.Markdown(w)
	case "json":
		return r.JSON(w)
	default:
		return r.Text(w)
	}
}
