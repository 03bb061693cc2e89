package app

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/slo-compiler/slo/internal/scenario"
)

// The README's examples are what a newcomer copies first, so these tests
// keep the ones most likely to drift true: the scenario count and the
// verdict lines of "The workflow", the compiled rule of "A spec and what it
// becomes", and docs/spec.md's compiled records of several signal kinds.
// Each reads the doc and fails, naming the line, when slo no longer prints
// what it shows.

const readmePath = "../../README.md"

// readmeBlocks returns the fenced code blocks of the README that follow a
// line containing after, each as its lines, with the README line number of
// its first line.
func readmeBlocks(t *testing.T, after string) (blocks [][]string, lines []int) {
	t.Helper()
	f, err := os.Open(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, armed, in := 0, false, false
	for sc.Scan() {
		n++
		l := sc.Text()
		trimmed := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(trimmed, "```"):
			if in {
				in = false
			} else if armed {
				in, armed = true, false
				blocks = append(blocks, nil)
				lines = append(lines, n+1)
			}
		case in:
			blocks[len(blocks)-1] = append(blocks[len(blocks)-1], l)
		case strings.Contains(l, after):
			armed = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(blocks) == 0 {
		t.Fatalf("README.md: no code block after a line with %q", after)
	}
	return blocks, lines
}

// TestReadmeWorkflowOutput checks step 2 of the README's workflow: the
// count on its "N passed, 0 failed" line is the number of scenarios slo test
// runs over the repository (counted, not run), and its verdict lines are
// the generated scenarios of QueueDepthHigh critical once its threshold is
// raised to the value they show.
func TestReadmeWorkflowOutput(t *testing.T) {
	blocks, at := readmeBlocks(t, "and runs them, with the hand-written ones under `tests/`")
	block, first := blocks[0], at[0]
	okRE := regexp.MustCompile(`^ok   (\S+): (.*)$`)
	countRE := regexp.MustCompile(`^(\d+) passed, 0 failed$`)
	thresholdRE := regexp.MustCompile(`^QueueDepthHigh critical: .*\(threshold: above (\d+)\)$`)
	want := map[string]bool{}
	var file, threshold string
	count := -1
	for i, l := range block {
		l = strings.TrimSpace(l)
		if m := okRE.FindStringSubmatch(l); m != nil {
			tm := thresholdRE.FindStringSubmatch(m[2])
			if tm == nil {
				t.Fatalf("README.md:%d: %q is not a QueueDepthHigh critical threshold scenario; update this test with the example", first+i, l)
			}
			file, threshold = m[1], tm[1]
			want[m[2]] = true
		} else if m := countRE.FindStringSubmatch(l); m != nil {
			count, _ = strconv.Atoi(m[1])
		}
	}
	if count < 0 || len(want) == 0 {
		t.Fatalf("README.md:%d: the example shows no ok lines or no \"N passed, 0 failed\" line:\n%s", first, strings.Join(block, "\n"))
	}

	// The count: every scenario slo test would run, none evaluated.
	n := 0
	run, diags, err := Test(TestOptions{Paths: repoPaths, Keep: func(string, *scenario.Scenario) bool { n++; return false }})
	if err != nil || diags.HasErrors() || run == nil {
		t.Fatalf("slo test of the repository: %v %v", err, diags)
	}
	if n != count {
		t.Errorf("README.md: the workflow's slo test prints \"%d passed, 0 failed\", but the repository has %d scenarios", count, n)
	}

	// The verdict lines: the spec with QueueDepthHigh's critical threshold
	// raised, in a copy of specs/ (and config/, the routing's base).
	dir := t.TempDir()
	for _, d := range []string{"specs", "config"} {
		if err := os.CopyFS(filepath.Join(dir, d), os.DirFS(filepath.Join("../..", d))); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, filepath.FromSlash(file))
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("README.md:%d names %s: %v", first, file, err)
	}
	aboveRE := regexp.MustCompile(`(?s)(- name: QueueDepthHigh\n.*?above: \{warning: \d+, critical: )(\d+)\}`)
	if !aboveRE.Match(src) {
		t.Fatalf("%s: no QueueDepthHigh with above: {warning: N, critical: N}; update the README's workflow and this test", file)
	}
	src = aboveRE.ReplaceAll(src, []byte("${1}"+threshold+"}"))
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	run, diags, err = Test(TestOptions{Paths: []string{file}, Run: regexp.MustCompile(`^QueueDepthHigh critical: `)})
	if err != nil || diags.HasErrors() || run == nil {
		t.Fatalf("slo test %s: %v %v", file, err, diags)
	}
	got := map[string]bool{}
	for _, r := range run.Results {
		if !r.Passed() {
			t.Errorf("%s: %s failed: %v", file, r.Scenario.Name, r.Failures)
		}
		if filepath.ToSlash(r.File) != file {
			t.Errorf("scenario %q of %s, want %s", r.Scenario.Name, r.File, file)
		}
		got[r.Scenario.Name] = true
	}
	for name := range want {
		if !got[name] {
			t.Errorf("README.md:%d shows %q, which slo test of %s with the critical threshold at %s does not run; it runs %v", first, name, file, threshold, readmeNames(got))
		}
	}
}

// TestReadmeCompiledRule checks "A spec and what it becomes": every line of
// the rule file the README shows, but "...", is in the committed rule file
// it names (which slo check keeps equal to what the specs compile to), in
// the same order.
func TestReadmeCompiledRule(t *testing.T) {
	blocks, at := readmeBlocks(t, "`slo compile` writes `rules/")
	block, first := blocks[0], at[0]
	fileRE := regexp.MustCompile("`slo compile` writes `(rules/[^`]+)`")
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	m := fileRE.FindSubmatch(data)
	if m == nil {
		t.Fatal("README.md: no \"`slo compile` writes `rules/...`\"")
	}
	rules, err := os.ReadFile(filepath.Join("../..", string(m[1])))
	if err != nil {
		t.Fatal(err)
	}
	have := strings.Split(string(rules), "\n")
	j := 0
	for i, l := range block {
		if strings.TrimSpace(l) == "..." {
			continue
		}
		for j < len(have) && have[j] != l {
			j++
		}
		if j == len(have) {
			t.Fatalf("README.md:%d: %q is not in %s (after the lines before it)", first+i, l, m[1])
		}
		j++
	}
}

func readmeNames(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// kindsSpec makes the records that docs/spec.md shows as "real output for
// several kinds": one alert per kind, of service shop.
const kindsSpec = `version: slo/v1
service: shop
team: shop
alerts:
  - name: ErrorRatioHigh
    signal: {ratio: {bad: 'http_requests_total{code=~"5.."}', total: http_requests_total, by: [route]}}
    above: {warning: 0.1}
  - name: UptimeLow
    signal: {uptime: {selector: 'probe_success{target="shop"}', by: [target], window: 1d}}
    below: {critical: 0.99}
  - name: OrdersFailing
    signal: {increase: {counter: orders_failed_total, by: [region], window: 1h}}
    above: {warning: 10}
  - name: TrafficDrop
    signal: {change: {expr: sum(active_users), offset: 1w}}
    below: {warning: -0.5}
  - name: DiskFull
    signal: {projection: {gauge: 'node_filesystem_avail_bytes{mountpoint="/"}', by: [instance], window: 6h, horizon: 4h}}
    below: {critical: 0}
  - name: QuotaExhausted
    signal: {projection: {counter: api_calls_total, by: [], window: 1d, horizon: 30d}}
    above: {warning: 1000000}
  - name: OrdersDrop
    signal: {change: {counter: orders_total, by: [region], window: 1h, offset: 1w}}
    below: {warning: -0.5}
  - name: BillingMonthEnd
    signal: {projection: {gauge: 'billing_month_to_date_usd{provider="gcp"}', by: [], window: 6h, to: end_of_month}}
    above: {warning: 1000}
`

// TestSpecDocKindsOutput checks the block docs/spec.md calls "real output
// for several kinds": every record it shows is in the rule file slo compiles
// from kindsSpec, with the expression shown.
func TestSpecDocKindsOutput(t *testing.T) {
	const doc = "../../docs/spec.md"
	data, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	start := -1
	for i, l := range lines {
		if strings.Contains(l, "This is real output for several kinds") {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatalf("%s: no \"This is real output for several kinds\"", doc)
	}
	var block []string
	first := 0
	for i := start + 1; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "```") {
			if first > 0 {
				break
			}
			first = i + 2
			continue
		}
		if first > 0 {
			block = append(block, lines[i])
		}
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "shop.yaml")
	if err := os.WriteFile(path, []byte(kindsSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	b, diags, err := Compile([]string{path})
	if err != nil || diags.HasErrors() || b == nil {
		t.Fatalf("compile: %v %v", err, diags)
	}
	var rules string
	for _, f := range b.Files {
		if strings.HasSuffix(f.Name, "shop.yml") {
			rules = string(f.Data)
		}
	}
	if rules == "" {
		t.Fatalf("no shop rule file among %d files", len(b.Files))
	}
	recordRE := regexp.MustCompile(`^      - record: (\S+)$`)
	n := 0
	for i := 0; i < len(block); i++ {
		m := recordRE.FindStringSubmatch(block[i])
		if m == nil {
			continue
		}
		n++
		pair := block[i]
		if i+1 < len(block) {
			pair += "\n" + block[i+1]
		}
		if !strings.Contains(rules, pair+"\n") {
			t.Errorf("%s:%d: slo compiles %s differently:\n%s\nnot in:\n%s", doc, first+i, m[1], pair, rules)
		}
	}
	if n == 0 {
		t.Fatalf("%s:%d: the block shows no record", doc, first)
	}
}

// TestTestingDocScenarioExample runs the scenario file docs/testing.md
// shows under "Scenario files", placed as tests/<folder>/<file> of a copy of
// this repository's specs, as its relative spec paths expect: it must load
// and pass.
func TestTestingDocScenarioExample(t *testing.T) {
	const doc = "../../docs/testing.md"
	data, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	const open = "```yaml\nversion: slo/v1\nspec:"
	i := strings.Index(s, open)
	if i < 0 {
		t.Fatalf("%s: no scenario file example (a yaml block starting version: slo/v1, spec:)", doc)
	}
	body := s[i+len("```yaml\n"):]
	j := strings.Index(body, "```")
	if j < 0 {
		t.Fatalf("%s: the scenario file example is not closed", doc)
	}
	line := strings.Count(s[:i], "\n") + 2

	dir := t.TempDir()
	for _, d := range []string{"specs", "config"} {
		if err := os.CopyFS(filepath.Join(dir, d), os.DirFS(filepath.Join("../..", d))); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "tests", "doc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tests", "doc", "example.yaml"), []byte(body[:j]), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	run, diags, err := Test(TestOptions{Paths: []string{"tests/doc/example.yaml"}})
	if err != nil || diags.HasErrors() || run == nil {
		t.Fatalf("%s:%d: the example does not load: %v\n%s", doc, line, err, diags)
	}
	if len(run.Results) == 0 {
		t.Fatalf("%s:%d: the example runs no scenario", doc, line)
	}
	for _, r := range run.Results {
		if !r.Passed() {
			t.Errorf("%s:%d: %s fails: %v", doc, line, r.Scenario.Name, r.Failures)
		}
	}
}
