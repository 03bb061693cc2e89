package promtool

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slo-compiler/slo/internal/simulate"
)

// promtoolCases are the testdata files compared with the real promtool.
var promtoolCases = []struct {
	file string
	pass bool
	// want are substrings our failure text must contain, so that a test
	// fails if both we and promtool stopped reporting a failure.
	want []string
}{
	{file: "pass_basic.test.yml", pass: true},
	{file: "no_match.test.yml", pass: true},
	{file: "fail_labels.test.yml", want: []string{"alertname: InstanceDown, time: 5m", `severity="page"`, `severity="ticket"`}},
	{file: "fail_annotations.test.yml", want: []string{"(eu1)", "(us2)"}},
	{file: "fail_missing_alert.test.yml", want: []string{"name: alert not yet firing", "alertname: HighErrorRatio, time: 10m", "got:[]", "name: unexpected alert"}},
	{file: "fail_sample.test.yml", want: []string{`expr: "job:requests:sum", time: 10m`, "2.01E+02", "parse error"}},
	{file: "bad_series.test.yml", want: []string{"parse error"}},
	{file: "bad_series_name.test.yml", want: []string{"parse error"}},
	{file: "bad_promql.test.yml", want: []string{"bad_promql.yml", "could not parse expression"}},
	{file: "bad_rulefile.test.yml", want: []string{"only one of 'record' and 'alert' must be set"}},
	{file: "bad_testfile.test.yml", want: []string{"unknown_field"}},
	{file: "missing_alertname.test.yml", want: []string{"misses required attribute alertname"}},
	{file: "eval_error.test.yml", want: []string{"rule: dup, time: 4m0s, err: vector contains metrics with the same labelset"}},
	// Assertions with empty expectations: the failure text shows every
	// computed alert and sample.
	{file: "ondemand/probe_compat.test.yml", want: []string{"alertname: AKeepFiring, time: 16m", "alertname: AHigh, time: 11m", `expr: "a:total", time: 45m`, `Annotations:{value="11"}`}},
	{file: "ondemand/probe_alerts.test.yml", want: []string{`expr: "alerts:firing", time: 44m`, `expr: "alerts:for_state", time: 44m`}},
}

func runBoth(t *testing.T, path string) (onDemand, exhaustive *FileResult) {
	t.Helper()
	var err error
	onDemand, err = RunFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	exhaustive, err = RunFile(path, Options{Options: simulate.Options{Exhaustive: true}})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(exhaustive.Errors(), onDemand.Errors()); d != "" {
		t.Errorf("%s: on-demand and exhaustive differ (-exhaustive +on-demand):\n%s", path, d)
	}
	plain, err := RunFile(path, Options{Options: simulate.Options{NoMaterialize: true}})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(exhaustive.Errors(), plain.Errors()); d != "" {
		t.Errorf("%s: on-demand without materialization and exhaustive differ (-exhaustive +on-demand):\n%s", path, d)
	}
	return onDemand, exhaustive
}

// promtoolStderr runs `promtool test rules` on file (relative to
// testdata) and returns what it printed on stderr and whether it passed.
// promtool 2.42 leaves its TSDB folder (test_storageNNN) in the temporary
// folder when a test group's input series do not parse (bad_series and
// bad_series_name leave one each run); TMPDIR points it at the test's
// own, which the test removes.
func promtoolStderr(t *testing.T, file string) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed")
	}
	cmd := exec.Command(bin, "test", "rules", file)
	cmd.Dir = "testdata"
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("running promtool: %v", err)
	}
	return stderr.String(), err == nil
}

// ourStderr renders a result the way promtool writes its stderr.
func ourStderr(r *FileResult) string {
	var b strings.Builder
	for _, w := range r.Warnings {
		b.WriteString(w + "\n")
	}
	if !r.Passed() {
		b.WriteString("  FAILED:\n")
		for _, e := range r.Errors() {
			b.WriteString(e + "\n")
		}
	}
	return b.String()
}

func TestAgainstPromtool(t *testing.T) {
	for _, tc := range promtoolCases {
		t.Run(tc.file, func(t *testing.T) {
			got, _ := runBoth(t, filepath.Join("testdata", tc.file))
			if got.Passed() != tc.pass {
				t.Errorf("passed = %v, want %v; errors:\n%s", got.Passed(), tc.pass, strings.Join(got.Errors(), "\n"))
			}
			text := strings.Join(got.Errors(), "\n")
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("failure text does not contain %q:\n%s", w, text)
				}
			}
			stderr, pass := promtoolStderr(t, tc.file)
			if pass != got.Passed() {
				t.Errorf("promtool passed = %v, we passed = %v", pass, got.Passed())
			}
			if d := cmp.Diff(normalizePromtool(stderr), normalizePromtool(seriesLinesFromZero(ourStderr(got)))); d != "" {
				t.Errorf("stderr differs from promtool's (-promtool +ours):\n%s", d)
			}
		})
	}
}

var seriesParseError = regexp.MustCompile(`(?m)^(\d+)(:\d+: parse error)`)

// seriesLinesFromZero renumbers input series parse errors: promqltest
// v0.315 counts the lines of the load command it generates from 1 (the
// "load" line), promtool 2.42 from 0.
func seriesLinesFromZero(s string) string {
	return seriesParseError.ReplaceAllStringFunc(s, func(m string) string {
		sm := seriesParseError.FindStringSubmatch(m)
		n, _ := strconv.Atoi(sm[1])
		return strconv.Itoa(n-1) + sm[2]
	})
}

// normalizePromtool removes what legitimately differs between promtool
// 2.42 and our output.
func normalizePromtool(s string) string {
	// We are run with paths under testdata/, promtool from inside it.
	s = strings.ReplaceAll(s, "testdata/", "")
	// YAML errors name the Go type the file is decoded into.
	s = strings.ReplaceAll(s, "type promtool.", "type main.")
	return s
}
