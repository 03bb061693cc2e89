// Package report writes the results of slo test: text for people, JSON,
// JUnit XML for CI test reports, and GitHub annotations; and the coverage
// table of which alerts have firing and silent scenarios.
package report

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/scenario"
)

// Formats lists the formats Write accepts.
var Formats = []string{"text", "json", "junit", "github"}

// Summary counts results.
type Summary struct {
	Passed, Failed int
	Duration       time.Duration
}

// Summarize counts passed and failed results.
func Summarize(results []*scenario.Result) Summary {
	var s Summary
	for _, r := range results {
		if r.Passed() {
			s.Passed++
		} else {
			s.Failed++
		}
		s.Duration += r.Duration
	}
	return s
}

// Write renders results in format. Results are written in the order given.
func Write(w io.Writer, format string, results []*scenario.Result, verbose bool) error {
	switch format {
	case "", "text":
		return text(w, results, verbose)
	case "json":
		return jsonReport(w, results)
	case "junit":
		return junit(w, results)
	case "github":
		return github(w, results)
	}
	return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0fms", float64(d)/float64(time.Millisecond)) }

func text(w io.Writer, results []*scenario.Result, verbose bool) error {
	var b strings.Builder
	for _, r := range results {
		textResult(&b, r, verbose)
	}
	textSummary(&b, results)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteTextResult writes one result as the text format does, for a caller
// that prints results as they come (slo test); WriteTextSummary then ends
// the report.
func WriteTextResult(w io.Writer, r *scenario.Result, verbose bool) error {
	var b strings.Builder
	textResult(&b, r, verbose)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteTextSummary writes the text format's last line.
func WriteTextSummary(w io.Writer, results []*scenario.Result) error {
	var b strings.Builder
	textSummary(&b, results)
	_, err := io.WriteString(w, b.String())
	return err
}

func textResult(b *strings.Builder, r *scenario.Result, verbose bool) {
	status := "ok  "
	if !r.Passed() {
		status = "FAIL"
	}
	if r.Passed() && !verbose {
		fmt.Fprintf(b, "%s %s: %s\n", status, r.File, r.Scenario.Name)
		return
	}
	fmt.Fprintf(b, "%s %s: %s (%s, %d evaluations)\n", status, r.File, r.Scenario.Name, ms(r.Duration), r.Evaluations)
	for _, f := range r.Failures {
		fmt.Fprintf(b, "    %s: %s\n", f.Pos, indent(f.Message, "      "))
	}
}

func textSummary(b *strings.Builder, results []*scenario.Result) {
	s := Summarize(results)
	fmt.Fprintf(b, "%d passed, %d failed\n", s.Passed, s.Failed)
}

func indent(s, pad string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pad)
}

func jsonReport(w io.Writer, results []*scenario.Result) error {
	type failure struct {
		File    string `json:"file"`
		Line    int    `json:"line"`
		Column  int    `json:"column"`
		Message string `json:"message"`
	}
	type item struct {
		File        string    `json:"file"`
		Name        string    `json:"name"`
		Generated   bool      `json:"generated"`
		Status      string    `json:"status"`
		DurationMS  float64   `json:"duration_ms"`
		Evaluations int       `json:"evaluations"`
		Failures    []failure `json:"failures"`
	}
	s := Summarize(results)
	out := struct {
		Summary struct {
			Passed     int     `json:"passed"`
			Failed     int     `json:"failed"`
			DurationMS float64 `json:"duration_ms"`
		} `json:"summary"`
		Scenarios []item `json:"scenarios"`
	}{Scenarios: []item{}}
	out.Summary.Passed, out.Summary.Failed = s.Passed, s.Failed
	out.Summary.DurationMS = float64(s.Duration) / float64(time.Millisecond)
	for _, r := range results {
		it := item{File: r.File, Name: r.Scenario.Name, Generated: r.Scenario.Generated, Status: "passed",
			DurationMS: float64(r.Duration) / float64(time.Millisecond), Evaluations: r.Evaluations, Failures: []failure{}}
		if !r.Passed() {
			it.Status = "failed"
		}
		for _, f := range r.Failures {
			it.Failures = append(it.Failures, failure{f.Pos.File, f.Pos.Line, f.Pos.Col, f.Message})
		}
		out.Scenarios = append(out.Scenarios, it)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func junit(w io.Writer, results []*scenario.Result) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      string   `xml:"time,attr"`
		Failure   *failure `xml:"failure,omitempty"`
	}
	type suite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Time     string     `xml:"time,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	var suites []*suite
	byFile := map[string]*suite{}
	for _, r := range results {
		s := byFile[r.File]
		if s == nil {
			s = &suite{Name: r.File}
			byFile[r.File] = s
			suites = append(suites, s)
		}
		tc := testcase{Name: r.Scenario.Name, Classname: r.File, Time: fmt.Sprintf("%.3f", r.Duration.Seconds())}
		if !r.Passed() {
			var msgs []string
			for _, f := range r.Failures {
				msgs = append(msgs, f.Pos.String()+": "+f.Message)
			}
			tc.Failure = &failure{Message: firstLine(r.Failures[0].Message), Text: strings.Join(msgs, "\n\n")}
			s.Failures++
		}
		s.Tests++
		s.Cases = append(s.Cases, tc)
	}
	for _, s := range suites {
		var total time.Duration
		for _, r := range results {
			if r.File == s.Name {
				total += r.Duration
			}
		}
		s.Time = fmt.Sprintf("%.3f", total.Seconds())
	}
	out := struct {
		XMLName xml.Name `xml:"testsuites"`
		Suites  []*suite `xml:"testsuite"`
	}{Suites: suites}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func github(w io.Writer, results []*scenario.Result) error {
	var b strings.Builder
	for _, r := range results {
		for _, f := range r.Failures {
			props := []string{"file=" + ghProp(f.Pos.File)}
			if f.Pos.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", f.Pos.Line))
			}
			if f.Pos.Col > 0 {
				props = append(props, fmt.Sprintf("col=%d", f.Pos.Col))
			}
			props = append(props, "title="+ghProp(r.Scenario.Name))
			fmt.Fprintf(&b, "::error %s::%s\n", strings.Join(props, ","), ghData(f.Message))
		}
	}
	s := Summarize(results)
	fmt.Fprintf(&b, "%d passed, %d failed\n", s.Passed, s.Failed)
	_, err := io.WriteString(w, b.String())
	return err
}

func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// CoverageRow is one alert severity and whether scenarios show it firing
// and silent.
type CoverageRow struct {
	Alert    string
	Severity string
	Firing   bool
	Silent   bool
}

// Alerts names every alert severity that must be covered.
type Alerts []struct{ Alert, Severity string }

// Coverage lists, for every alert severity in want, whether the results'
// scenarios cover it firing and silent. A cover without a severity covers
// every severity of its alert.
func Coverage(want Alerts, results []*scenario.Result) []CoverageRow {
	rows := make([]CoverageRow, 0, len(want))
	for _, a := range want {
		row := CoverageRow{Alert: a.Alert, Severity: a.Severity}
		for _, r := range results {
			for _, c := range r.Scenario.Covers {
				if c.Alert != a.Alert || (c.Severity != "" && c.Severity != a.Severity) {
					continue
				}
				if c.Firing {
					row.Firing = true
				} else {
					row.Silent = true
				}
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// WriteCoverage prints the coverage table and returns how many rows lack a
// firing or a silent scenario.
func WriteCoverage(w io.Writer, rows []CoverageRow) (missing int, err error) {
	var b strings.Builder
	width := len("alert")
	for _, r := range rows {
		width = max(width, len(r.Alert)+1+len(r.Severity))
	}
	fmt.Fprintf(&b, "%-*s  firing   silent\n", width, "alert")
	mark := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "MISSING"
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s  %-7s  %s\n", width, r.Alert+" "+r.Severity, mark(r.Firing), mark(r.Silent))
		if !r.Firing || !r.Silent {
			missing++
		}
	}
	_, err = io.WriteString(w, b.String())
	return missing, err
}

// Sorted returns rows sorted by alert and severity.
func Sorted(rows []CoverageRow) []CoverageRow {
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b CoverageRow) int { return strings.Compare(a.Alert+" "+a.Severity, b.Alert+" "+b.Severity) })
	return out
}
