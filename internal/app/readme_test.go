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
// verdict lines of "The workflow", and the compiled rule of "A spec and what
// it becomes". Each reads the README and fails, naming the line, when slo
// no longer prints what it shows.

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
