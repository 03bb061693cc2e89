package app

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slo-compiler/slo/internal/htmlreport"
	"github.com/slo-compiler/slo/internal/scenario"
)

// TestReportInChromium builds the report of the repository's specs and
// scenarios and opens it in a real headless Chromium: no console error or
// exception, one drawn plot per scenario, and a screenshot of a plot that
// is not blank.
func TestReportInChromium(t *testing.T) {
	heavy(t)
	start := time.Now()
	doc, diags, err := Report(ReportOptions{Paths: repoPaths})
	if err != nil || diags.HasErrors() || doc == nil {
		t.Fatalf("report: %v %v", err, diags)
	}
	var buf bytes.Buffer
	if err := htmlreport.Write(&buf, doc); err != nil {
		t.Fatal(err)
	}
	built := time.Since(start)
	scenarios := 0
	for _, s := range doc.Sections {
		for _, sc := range s.Scenarios {
			scenarios++
			if sc.Err != "" {
				t.Errorf("%s: %s: %s", s.Name, sc.Name, sc.Err)
			}
		}
	}
	// Every scenario slo test runs on the repository is plotted (Keep
	// sees each one; none is run).
	tested := 0
	if _, _, err := Test(TestOptions{Paths: repoPaths, Keep: func(string, *scenario.Scenario) bool { tested++; return false }}); err != nil {
		t.Fatal(err)
	}
	if tested != scenarios {
		t.Errorf("slo test has %d scenarios, the report %d", tested, scenarios)
	}
	page := buf.String()
	if got := strings.Count(page, "<svg"); got != scenarios {
		t.Errorf("%d svg elements for %d scenarios", got, scenarios)
	}
	t.Logf("report: %d sections, %d scenarios, %d bytes, built in %s", len(doc.Sections), scenarios, len(page), built.Round(time.Millisecond))

	path := filepath.Join(t.TempDir(), "index.html")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	openInChromium(t, path, scenarios)
}

// TestSmallReportInChromium opens the report of one small spec in
// Chromium, as TestReportInChromium does for the whole repository.
func TestSmallReportInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser; run without -short")
	}
	dir := t.TempDir()
	spec := filepath.Join(dir, "q.yaml")
	src := "version: slo/v1\nservice: q\nalerts:\n  - name: QueueDepthHigh\n    summary: \"<b>deep</b>\"\n    signal: {expr: 'sum by (stage) (queue_depth)'}\n    above: {warning: 100, critical: 200}\n    for: 5m\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, page := buildReport(t, spec)
	path := filepath.Join(dir, "index.html")
	if err := os.WriteFile(path, page, 0o644); err != nil {
		t.Fatal(err)
	}
	openInChromium(t, path, len(doc.Sections[0].Scenarios))
}

// TestSmallReport builds the report of one small spec, as
// TestSmallReportInChromium does, without a browser, so that -short runs
// (make unit, under -race) run slo report's plot workers: one plotted
// scenario per scenario slo test runs, in slo test's order, none failed,
// and the same page on a second build.
func TestSmallReport(t *testing.T) {
	spec := filepath.Join(t.TempDir(), "q.yaml")
	src := "version: slo/v1\nservice: q\nalerts:\n  - name: QueueDepthHigh\n    signal: {expr: 'sum by (stage) (queue_depth)'}\n    above: {warning: 100, critical: 200}\n    for: 5m\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, page := buildReport(t, spec)
	var tested []string
	if _, _, err := Test(TestOptions{Paths: []string{spec}, Keep: func(_ string, s *scenario.Scenario) bool { tested = append(tested, s.Name); return false }}); err != nil {
		t.Fatal(err)
	}
	var plotted []string
	for _, s := range doc.Sections {
		for _, sc := range s.Scenarios {
			plotted = append(plotted, sc.Name)
			if sc.Err != "" {
				t.Errorf("%s: %s", sc.Name, sc.Err)
			}
			if len(sc.Figure.Inputs) == 0 || len(sc.Figure.Bands) == 0 && strings.Contains(sc.Name, "fires") {
				t.Errorf("%s: %d input series, %d bands; want the input and, for a firing scenario, its band", sc.Name, len(sc.Figure.Inputs), len(sc.Figure.Bands))
			}
		}
	}
	if len(tested) < 2 || strings.Join(plotted, "\n") != strings.Join(tested, "\n") {
		t.Errorf("report plots\n%s\nslo test runs\n%s", strings.Join(plotted, "\n"), strings.Join(tested, "\n"))
	}
	if got := strings.Count(string(page), "<svg"); got != len(tested) {
		t.Errorf("%d svg elements for %d scenarios", got, len(tested))
	}
	if _, again := buildReport(t, spec); !bytes.Equal(page, again) {
		t.Error("a second build of the report differs")
	}
}

// buildReport builds the report of the spec file at spec, failing t on
// any error or diagnostic, and returns it with its page.
func buildReport(t *testing.T, spec string) (*htmlreport.Document, []byte) {
	t.Helper()
	doc, diags, err := Report(ReportOptions{Paths: []string{spec}})
	if err != nil || diags.HasErrors() || doc == nil {
		t.Fatalf("report: %v %v", err, diags)
	}
	var buf bytes.Buffer
	if err := htmlreport.Write(&buf, doc); err != nil {
		t.Fatal(err)
	}
	return doc, buf.Bytes()
}

// openInChromium opens the page at path in headless Chromium and fails on
// any console error or uncaught exception, unless the browser lays out
// plots plots (each with a size and drawn paths), and if a screenshot of
// the first plot is blank. It skips where chromium is not installed.
func openInChromium(t *testing.T, path string, plots int) {
	t.Helper()
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (apt-get install chromium; .ci/run installs it): the report was not opened in a browser")
	}
	// Chromium makes an org.chromium.Chromium.* folder in TMPDIR for its
	// singleton socket and leaves it when chromedp ends it: TMPDIR is a
	// folder of the test's own.
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.WindowSize(1280, 1600),
		chromedp.Env("TMPDIR="+t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	// Subscribed before the page loads, read until the browser closes.
	msgs := chromedp.Console(ctx)
	var mu sync.Mutex
	var problems, warnings []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			line := fmt.Sprintf("%s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line)
			mu.Lock()
			switch m.Type {
			case chromedp.ConsoleError, chromedp.ConsoleException, "assert":
				problems = append(problems, line)
			case chromedp.ConsoleWarning:
				warnings = append(warnings, line)
			}
			mu.Unlock()
		}
	}()
	opened := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path)); err != nil {
		t.Fatal(err)
	}
	t.Logf("chromium: loaded in %s", time.Since(opened).Round(time.Millisecond))
	// A plot counts when the browser laid it out with a size and it has
	// drawn paths.
	drawn, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll("figure svg")].filter(s => { const b = s.getBoundingClientRect(); return b.width > 100 && b.height > 100 && s.querySelectorAll("path").length > 0 }).length`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("chromium: %d plots laid out", drawn)
	// The first plot, scrolled to the top of the viewport: where it is.
	type rect struct{ X, Y, W, H float64 }
	at, err := chromedp.Run(ctx, chromedp.Evaluate[rect](`(() => { const s = document.querySelector("figure svg"); s.scrollIntoView(); const b = s.getBoundingClientRect(); return {X: b.x, Y: b.y, W: b.width, H: b.height}; })()`))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("chromium: opened, laid out and screenshot in %s", time.Since(opened).Round(time.Millisecond))
	cancel()
	<-done
	mu.Lock()
	for _, p := range problems {
		t.Errorf("browser console: %s", p)
	}
	for _, w := range warnings {
		t.Logf("browser console: %s", w)
	}
	mu.Unlock()
	if drawn != plots {
		t.Errorf("chromium drew %d plots, want one per scenario: %d", drawn, plots)
	}
	page, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	img := page
	if sub, ok := page.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok && at.W > 0 && at.H > 0 {
		img = sub.SubImage(image.Rect(int(at.X), int(at.Y), int(at.X+at.W), int(at.Y+at.H)))
	}
	if frac, colours := inked(img); frac < 0.02 || colours < 4 {
		t.Errorf("the screenshot of the first plot looks blank: %.1f%% of pixels not white, %d colours", 100*frac, colours)
	}
}

// inked returns the share of pixels of img that are not near white, and
// how many distinct colours it has.
func inked(img image.Image) (float64, int) {
	b := img.Bounds()
	ink := 0
	colours := map[[3]uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				ink++
			}
			if len(colours) < 64 {
				colours[[3]uint32{r >> 12, g >> 12, bl >> 12}] = true
			}
		}
	}
	return float64(ink) / float64(max(b.Dx()*b.Dy(), 1)), len(colours)
}
