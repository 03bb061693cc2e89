package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer the watch loop writes to while the test
// reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// eventWait bounds how long the test waits for the watch loop to react to
// a save. It is no speed assertion: the goal (a second) is measured and
// logged, and this only keeps a broken loop from hanging the test.
const eventWait = 2 * time.Minute

const watchSpec = `version: slo/v1
service: q
team: ops
alerts:
  - name: QueueDepthHigh
    signal: {expr: 'sum by (stage) (queue_depth)'}
    above: {warning: 100, critical: CRITICAL}
    for: 5m
`

const watchRouting = `version: slo/v1
routing:
  base: ../config/base.yml
  default_receiver: chat
  teams:
    ops: {critical: pager, warning: chat}
`

const watchBase = `receivers:
  - name: chat
  - name: pager
`

// The page reaches the pager: the routing document and its base config
// decide, so this file depends on them.
const watchRouteScenario = `version: slo/v1
spec: [../specs/q.yaml, ../specs/routing.yaml]
tests:
  - name: a queue of 250 reaches the pager
    input_series:
      - series: queue_depth{stage="mix"}
        values: 250x30
    alert_rule_test:
      - eval_time: 10m
        alertname: QueueDepthHigh
        exp_alerts:
          - exp_labels: {stage: mix, service: q, severity: critical, team: ops}
            exp_receivers: [pager]
          - exp_labels: {stage: mix, service: q, severity: warning, team: ops}
            exp_receivers: []
`

// The queue holds 250 jobs: with a critical threshold of 200 it pages; at
// 300 it does not, and this scenario fails.
const watchScenario = `version: slo/v1
spec: ../specs/q.yaml
tests:
  - name: a queue of 250 pages
    input_series:
      - series: queue_depth{stage="mix"}
        values: 250x30
    alert_range_test:
      - alertname: QueueDepthHigh
        labels: {severity: critical}
        fires_within: {after: 0m, within: 10m}
`

// TestWatch runs slo test --watch on a project, saves files the ways
// editors do, and reads what the loop prints: the verdict that flips, a
// spec made invalid and valid again, a spec in a new folder, and a clean
// stop on cancel.
func TestWatch(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// atomicSave writes a temporary file and renames it into place, as
	// most editors and IDEs save.
	atomicSave := func(name, data string) {
		t.Helper()
		write(name+".tmp123", data)
		if err := os.Rename(filepath.Join(dir, name+".tmp123"), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	// vimSave renames the file to a backup, writes a new file and removes
	// the backup, as vim does with its default backupcopy.
	vimSave := func(name, data string) {
		t.Helper()
		p := filepath.Join(dir, name)
		write("specs/4913", "") // vim's check that the folder is writable
		os.Remove(filepath.Join(dir, "specs/4913"))
		if err := os.Rename(p, p+"~"); err != nil {
			t.Fatal(err)
		}
		write(name, data)
		os.Remove(p + "~")
	}
	spec := func(critical string) string { return strings.Replace(watchSpec, "CRITICAL", critical, 1) }
	write("specs/q.yaml", spec("200"))
	write("specs/routing.yaml", watchRouting)
	write("tests/q.yaml", watchScenario)
	write("tests/route.yaml", watchRouteScenario)
	write("config/base.yml", watchBase)
	t.Chdir(dir)

	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	stopped := false
	go func() { done <- runContext(ctx, []string{"slo", "test", "--watch"}, &stdout, &stderr) }()
	// On a failure half-way, the loop still stops before t.Chdir restores
	// the working folder under it.
	defer func() {
		cancel()
		if !stopped {
			select {
			case <-done:
			case <-time.After(eventWait):
			}
		}
	}()

	// waitFor waits for re in what was written to w after offset *at, and
	// moves *at past it.
	waitFor := func(w *syncBuffer, at *int, re string) string {
		t.Helper()
		rx := regexp.MustCompile(re)
		deadline := time.Now().Add(eventWait)
		for time.Now().Before(deadline) {
			s := w.String()
			if loc := rx.FindStringIndex(s[*at:]); loc != nil {
				got := s[*at : *at+loc[1]]
				*at += loc[1]
				return got
			}
			select {
			case code := <-done:
				stopped = true
				t.Fatalf("the watch loop ended (exit %d) before printing %q\nstdout:\n%s\nstderr:\n%s", code, re, stdout.String(), stderr.String())
			case <-time.After(10 * time.Millisecond):
			}
		}
		t.Fatalf("no %q within %s\nstdout:\n%s\nstderr:\n%s", re, eventWait, stdout.String(), stderr.String())
		return ""
	}
	out, errs := 0, 0
	waitFor(&stdout, &out, `(?m)^ok   tests/q.yaml: a queue of 250 pages$`)
	waitFor(&stdout, &out, `(?m)^watching specs, tests: saving a file reruns the scenarios it affects`)

	// Raising the threshold over the queue's 250 fails the hand-written
	// scenario; the generated ones follow the spec and still pass.
	saved := time.Now()
	atomicSave("specs/q.yaml", spec("300"))
	round := waitFor(&stdout, &out, `(?s)changed: specs/q.yaml\n.*?\nreran [^\n]*\n`)
	t.Logf("save to verdicts (atomic save, threshold raised): %s", time.Since(saved).Round(time.Millisecond))
	for _, want := range []string{
		"FAIL tests/q.yaml: a queue of 250 pages: was PASS, now FAIL\n",
		"tests/q.yaml:9:9: expected QueueDepthHigh{severity=\"critical\"} to fire",
		"FAIL tests/route.yaml: a queue of 250 reaches the pager: was PASS, now FAIL\n",
		"2 now failing, 0 now passing, 0 new, 0 gone; in all ",
		" passed, 2 failed\n",
	} {
		if !strings.Contains(round, want) {
			t.Errorf("round after raising the threshold lacks %q:\n%s", want, round)
		}
	}
	// The files that depend on the spec ran: its generated scenarios and
	// the two scenario files that name it.
	if !regexp.MustCompile(`reran \d+ scenarios of 3 files`).MatchString(round) {
		t.Errorf("round after raising the threshold did not rerun the spec and its scenario file:\n%s", round)
	}

	// Back to 200 with vim's save: one round, the verdict flips back.
	saved = time.Now()
	vimSave("specs/q.yaml", spec("200"))
	round = waitFor(&stdout, &out, `(?s)changed: [^\n]*\n.*?\nreran [^\n]*\n`)
	t.Logf("save to verdicts (vim save, threshold restored): %s", time.Since(saved).Round(time.Millisecond))
	if !strings.Contains(round, "ok   tests/q.yaml: a queue of 250 pages: was FAIL, now PASS\n") ||
		!strings.Contains(round, "0 now failing, 2 now passing") || !strings.Contains(round, " passed, 0 failed\n") {
		t.Errorf("round after restoring the threshold:\n%s", round)
	}
	if strings.Contains(round, "4913") || strings.Contains(round, "~") {
		t.Errorf("editor droppings reported as changes:\n%s", round)
	}

	// A typo: positioned diagnostics, nothing run, still watching.
	atomicSave("specs/q.yaml", strings.Replace(spec("200"), "for: 5m", "fro: 5m", 1))
	waitFor(&stderr, &errs, `(?m)^specs/q.yaml:8:5: error: unknown field "fro".*did you mean "for"`)
	waitFor(&stdout, &out, `not run: the errors above must be fixed first; the verdicts stay as they were`)

	// Fixed, with the threshold raised meanwhile: the verdict changes
	// against the last good run.
	atomicSave("specs/q.yaml", spec("300"))
	round = waitFor(&stdout, &out, `(?s)changed: specs/q.yaml\n.*?\nreran [^\n]*\n`)
	if !strings.Contains(round, "FAIL tests/q.yaml: a queue of 250 pages: was PASS, now FAIL\n") {
		t.Errorf("round after fixing the spec:\n%s", round)
	}

	// A spec in a new folder: its generated scenarios are new verdicts;
	// the failing one is still failing only when rerun, so not here.
	write("specs/more/r.yaml", strings.NewReplacer("service: q", "service: r", "QueueDepthHigh", "BacklogHigh", "CRITICAL", "200").Replace(watchSpec))
	round = waitFor(&stdout, &out, `(?s)changed: specs/more/r.yaml\n.*?\nreran [^\n]*\n`)
	if !regexp.MustCompile(`(?m)^ok   specs/more/r.yaml: BacklogHigh critical: fires after 5m at [0-9.]+ \(threshold: above 200\): new, PASS$`).MatchString(round) {
		t.Errorf("round after adding a spec in a new folder:\n%s", round)
	}
	if !regexp.MustCompile(`reran \d+ scenarios of 1 file in`).MatchString(round) {
		t.Errorf("adding a spec reran more than it:\n%s", round)
	}

	atomicSave("specs/q.yaml", spec("200"))
	round = waitFor(&stdout, &out, `(?s)changed: specs/q.yaml\n.*?\nreran [^\n]*\n`)
	if !strings.Contains(round, "0 now failing, 2 now passing") {
		t.Errorf("round after restoring the threshold again:\n%s", round)
	}

	// The routing document sends the page to chat now: the scenario file
	// that names it fails, and nothing else reruns.
	atomicSave("specs/routing.yaml", strings.Replace(watchRouting, "critical: pager", "critical: chat", 1))
	round = waitFor(&stdout, &out, `(?s)changed: specs/routing.yaml\n.*?\nreran [^\n]*\n`)
	if !strings.Contains(round, "FAIL tests/route.yaml: a queue of 250 reaches the pager: was PASS, now FAIL\n") ||
		!regexp.MustCompile(`reran 1 scenarios of 2 files`).MatchString(round) {
		t.Errorf("round after changing the routing document:\n%s", round)
	}
	// Its base config lies outside the folders watched; a save there
	// reruns the same scenario file, still failing.
	atomicSave("config/base.yml", watchBase+"# a comment\n")
	round = waitFor(&stdout, &out, `(?s)changed: config/base.yml\n.*?\nreran [^\n]*\n`)
	if !strings.Contains(round, "FAIL tests/route.yaml: a queue of 250 reaches the pager: still failing\n") ||
		!regexp.MustCompile(`reran 1 scenarios of 1 file in`).MatchString(round) {
		t.Errorf("round after changing the base config:\n%s", round)
	}
	atomicSave("specs/routing.yaml", watchRouting)
	waitFor(&stdout, &out, `(?m)^ok   tests/route.yaml: a queue of 250 reaches the pager: was FAIL, now PASS$`)

	// Removing the scenario file drops its verdict.
	os.Remove(filepath.Join(dir, "tests/q.yaml"))
	round = waitFor(&stdout, &out, `(?s)changed: tests/q.yaml\n.*?\nreran [^\n]*\n`)
	if !strings.Contains(round, "gone tests/q.yaml: a queue of 250 pages (was PASS)\n") || !strings.Contains(round, " passed, 0 failed\n") {
		t.Errorf("round after removing the scenario file:\n%s", round)
	}

	cancel()
	select {
	case code := <-done:
		stopped = true
		if code != 0 {
			t.Errorf("exit %d after cancel, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(eventWait):
		t.Fatal("the watch loop did not stop after its context was cancelled")
	}
	if !strings.HasSuffix(stdout.String(), "stopped watching\n") {
		t.Errorf("stdout does not end with the stop:\n%s", stdout.String())
	}
}
