package htmlreport

import (
	"bytes"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
)

func sample() *Document {
	ramp := Series{Label: `queue_depth{stage="a"}`, Step: time.Minute}
	for i := range 60 {
		ramp.Times = append(ramp.Times, time.Duration(i)*time.Minute)
		v := float64(i * 5)
		if i == 30 {
			v = math.NaN() // a break in the line
		}
		ramp.Values = append(ramp.Values, v)
	}
	fig := Figure{
		Title:      "QueueDepthHigh critical: fires after 5m at 220",
		End:        time.Hour,
		Inputs:     []Series{ramp},
		Signals:    []Series{ramp},
		Thresholds: []Threshold{{Severity: "warning", Label: "warning: > 100", Value: 100}, {Severity: "critical", Label: "critical: > 200", Value: 200}},
		Bands: []Band{
			{Severity: "critical", From: 40 * time.Minute, To: 45 * time.Minute},
			{Severity: "critical", Firing: true, From: 45 * time.Minute, To: time.Hour},
		},
	}
	return &Document{Title: "slo report", Sections: []Section{
		{ID: "alert-1", Name: "QueueDepthHigh", Source: "specs/a.yaml:3:5",
			Spec:  "- name: QueueDepthHigh\n  summary: \"<script>alert(1)</script>\"\n  runbook_url: https://runbooks.example.com/x",
			Rules: "- alert: QueueDepthHigh\n  expr: x > 200",
			Scenarios: []Scenario{
				{Name: "fires", Figure: fig, Notes: []string{"QueueDepthHigh fires: notifies <pager>"}},
				{Name: "empty", Figure: Figure{Title: "no input", End: 10 * time.Minute}},
			}},
		{ID: "alert-2", Name: "Other", Scenarios: []Scenario{
			{Name: "cannot run", Err: "load failed"},
			{Name: "one point", Figure: Figure{End: time.Minute, Inputs: []Series{{Label: "x", Times: []time.Duration{0}, Values: []float64{1}}}}},
		}},
	}}
}

func render(t *testing.T, d *Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteIsDeterministic(t *testing.T) {
	a, b := render(t, sample()), render(t, sample())
	if !bytes.Equal(a, b) {
		t.Fatal("two renderings of the same document differ")
	}
}

func TestWriteOnePlotPerScenario(t *testing.T) {
	page := string(render(t, sample()))
	// Three scenarios have a figure, one could not run.
	if got := strings.Count(page, "<svg"); got != 3 {
		t.Errorf("got %d svg elements, want 3", got)
	}
	if !strings.Contains(page, "load failed") {
		t.Error("the scenario that could not run does not say why")
	}
	// Each plot's ids are its own.
	ids := regexp.MustCompile(`id="([^"]+)"`).FindAllStringSubmatch(page, -1)
	seen := map[string]bool{}
	for _, m := range ids {
		if seen[m[1]] {
			t.Errorf("id %q defined twice", m[1])
		}
		seen[m[1]] = true
	}
}

func TestWriteEscapesAndLoadsNothing(t *testing.T) {
	page := string(render(t, sample()))
	if strings.Contains(page, "<script") {
		t.Error("spec text reached the page unescaped (or the page has a script)")
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(page, "notifies &lt;pager&gt;") {
		t.Error("spec text and notes are not shown escaped")
	}
	// Nothing is fetched: no src or href attribute names another
	// document (URLs in spec text are plain text, and the SVG namespace
	// declarations are not fetched).
	for _, m := range regexp.MustCompile(`(?i)\b(src|href)\s*=\s*"([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(m[2], "#") {
			t.Errorf("%s=%q refers to another document", m[1], m[2])
		}
	}
	if strings.Contains(page, "<link") || strings.Contains(page, "@import") || strings.Contains(page, "url(http") {
		t.Error("the page loads a style sheet or font from elsewhere")
	}
}

func TestPlotDrawsThresholdsAndBands(t *testing.T) {
	svg, err := Plot(sample().Sections[0].Scenarios[0].Figure)
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	for _, want := range []string{"critical: &gt; 200", "warning: &gt; 100", "critical pending", "critical firing", "time (minutes)"} {
		if !strings.Contains(s, want) {
			t.Errorf("plot lacks %q", want)
		}
	}
}
