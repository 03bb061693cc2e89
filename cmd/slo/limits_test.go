package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// limitSpec is a service with one status alert; FOR is replaced.
const limitSpec = `version: slo/v1
service: hang
team: platform
alerts:
  - name: RedisDown
    summary: Redis down
    signal:
      status:
        selector: redis_up{job="redis"}
    severity: critical
    for: FOR
`

// limitScenario is a scenario file on spec.yaml (for: 5m); BODY is the
// test group.
const limitScenario = `version: slo/v1
spec: spec.yaml
tests:
  - name: limits
BODY
`

// TestLimits runs slo test on inputs that would take minutes and gigabytes
// without the limits (a for of 292 years, a billion samples, a 1ms interval,
// ranges over centuries) and on inputs just over a limit lowered by its
// flag. Each must stop before any evaluation with exit 1 and a positioned
// error naming the limit and its flag, and pass once the flag raises the
// limit.
func TestLimits(t *testing.T) {
	for _, tc := range []struct {
		name string
		// spec is the alert's for (the file spec.yaml); body, when set, is
		// a scenario file sc.yaml tested instead of the spec.
		spec, body string
		flags      []string
		exit       int
		stderr     string
		// promtool, when set, is a promtool unit-test file prom.yml on
		// rules.yml tested instead; stdout must contain want.
		promtool, want string
	}{{
		name:   "interval",
		spec:   "5m",
		body:   "    interval: 1ms\n    input_series:\n      - series: redis_up{job=\"redis\"}\n        values: 1x10\n    alert_rule_test:\n      - eval_time: 1h\n        alertname: RedisDown",
		exit:   1,
		stderr: "sc.yaml:5:15: error: interval: 1ms between input samples is shorter than the limit of 1s (--min-interval) [scenario/limit]\n",
	}, {
		name:  "interval raised",
		spec:  "5m",
		body:  "    interval: 1ms\n    input_series:\n      - series: redis_up{job=\"redis\"}\n        values: 1x10\n    alert_rule_test:\n      - eval_time: 10ms\n        alertname: RedisDown",
		flags: []string{"--min-interval", "1ms"},
		exit:  0,
	}, {
		name:   "evaluation_interval",
		spec:   "5m",
		body:   "    input_series:\n      - series: redis_up{job=\"redis\"}\n        values: 1x10\nevaluation_interval: 100ms",
		exit:   1,
		stderr: "sc.yaml:8:22: error: evaluation_interval: 100ms between input samples is shorter than the limit of 1s (--min-interval) [scenario/limit]\n",
	}, {
		name:   "samples of a series",
		spec:   "5m",
		body:   "    input_series:\n      - series: redis_up{job=\"redis\"}\n        values: 1x1000000000\n    alert_rule_test:\n      - eval_time: 10m\n        alertname: RedisDown",
		exit:   1,
		stderr: "sc.yaml:7:17: error: input_series: values: 1,000,000,001 samples in one series, more than the limit of 150,000 (--max-samples) [scenario/limit]\n",
	}, {
		name:   "samples of a series, lowered",
		spec:   "5m",
		body:   "    input_series:\n      - series: redis_up{job=\"redis\"}\n        values: 1x5 0 _x3 {{schema:0 sum:1 count:1}}x2 stale\n    alert_rule_test:\n      - eval_time: 10m\n        alertname: RedisDown",
		flags:  []string{"--max-samples", "12"},
		exit:   1,
		stderr: "sc.yaml:7:17: error: input_series: values: 15 samples in one series, more than the limit of 12 (--max-samples) [scenario/limit]\n",
	}, {
		name:   "samples in all",
		spec:   "5m",
		body:   "    input_series:\n      - series: redis_up{job=\"redis\",instance=\"a\"}\n        values: 1x9\n      - series: redis_up{job=\"redis\",instance=\"b\"}\n        values: 1x9\n    alert_rule_test:\n      - eval_time: 5m\n        alertname: RedisDown",
		flags:  []string{"--max-total-samples", "15"},
		exit:   1,
		stderr: "sc.yaml:4:5: error: input_series: 20 samples in all, more than the limit of 15 (--max-total-samples) [scenario/limit]\n",
	}, {
		name:  "samples in all, raised",
		spec:  "5m",
		body:  "    input_series:\n      - series: redis_up{job=\"redis\",instance=\"a\"}\n        values: 1x9\n      - series: redis_up{job=\"redis\",instance=\"b\"}\n        values: 1x9\n    alert_rule_test:\n      - eval_time: 5m\n        alertname: RedisDown",
		flags: []string{"--max-total-samples", "20"},
		exit:  0,
	}, {
		name:   "never_fires over 292 years",
		spec:   "5m",
		body:   "    input_series:\n      - series: redis_up{job=\"redis\"}\n        values: 1x10\n    alert_range_test:\n      - alertname: RedisDown\n        never_fires: {from: 0m, to: 292y}",
		exit:   1,
		stderr: "sc.yaml:10:37: error: never_fires: to 292y: the scenario is 292y long, longer than the limit of 100d (--max-length) [scenario/limit]\n",
	}, {
		name:   "eval_time over the steps",
		spec:   "5m",
		body:   "    input_series:\n      - series: redis_up{job=\"redis\"}\n        values: 1x10\n    alert_rule_test:\n      - eval_time: 1d\n        alertname: RedisDown",
		flags:  []string{"--max-steps", "1000"},
		exit:   1,
		stderr: "sc.yaml:9:20: error: eval_time: 1d: at the rules' evaluation interval of 1m that is 1,441 evaluation steps, more than the limit of 1,000 (--max-steps) [scenario/limit]\n",
	}, {
		name:   "input longer than the length",
		spec:   "5m",
		body:   "    interval: 1d\n    input_series:\n      - series: redis_up{job=\"redis\"}\n        values: 1x200\n    alert_rule_test:\n      - eval_time: 10m\n        alertname: RedisDown",
		exit:   1,
		stderr: "sc.yaml:8:17: error: input_series: 201 samples 1d apart end at 200d: the scenario is 200d long, longer than the limit of 100d (--max-length) [scenario/limit]\n",
	}, {
		name:   "spec for of 292 years",
		spec:   "292y",
		exit:   1,
		stderr: "spec.yaml:10:15: error: RedisDown critical: for: 292y makes its generated scenarios longer than the limit of 100d (--max-length) [scenario/limit]\n",
	}, {
		name:   "spec for over the steps",
		spec:   "1d",
		flags:  []string{"--max-steps", "1000"},
		exit:   1,
		stderr: "spec.yaml:10:15: error: RedisDown critical: for: 1d at the rules' evaluation interval of 1m makes its generated scenarios longer than the limit of 1,000 evaluation steps (--max-steps) [scenario/limit]\n",
	}, {
		name:   "generated scenarios over the length",
		spec:   "9d",
		flags:  []string{"--max-length", "9d"},
		exit:   1,
		stderr: "spec.yaml:5:5: error: generated scenario \"RedisDown critical: fires after 9d when down\": it is 9d20m long (it holds the signal for the alert's for and keep_firing_for after its windows fill), longer than the limit of 9d (--max-length) [scenario/limit]\n",
	}, {
		name:     "promtool file: a billion samples",
		promtool: "tests:\n  - interval: 1s\n    input_series:\n      - series: up{job=\"a\"}\n        values: 1x1000000000\n    alert_rule_test:\n      - eval_time: 40y\n        alertname: Down\n",
		exit:     1,
		want:     "input_series: up{job=\"a\"}: 1,000,000,001 samples in one series, more than the limit of 150,000 (--max-samples)",
	}, {
		// promtool never loads a sample after the last eval_time; those
		// are not expanded nor counted (a real one: wikimedia's
		// mysql-replication-threads_test.yaml, 0x10000000 for 50m).
		name:     "promtool file: a billion samples after the last eval_time",
		promtool: "tests:\n  - input_series:\n      - series: up{job=\"a\"}\n        values: 1x1000000000\n    alert_rule_test:\n      - eval_time: 10m\n        alertname: Down\n",
		exit:     0,
		want:     "1 passed, 0 failed",
	}, {
		name:     "promtool file: 1ms evaluation interval",
		promtool: "evaluation_interval: 1ms\ntests:\n  - interval: 1s\n    input_series:\n      - series: up{job=\"a\"}\n        values: 1x10\n    alert_rule_test:\n      - eval_time: 1h\n        alertname: Down\n",
		exit:     1,
		want:     "evaluation_interval: 1ms between evaluations is shorter than the limit of 1s (--min-interval)",
	}, {
		name:     "promtool file: eval_time over the steps",
		promtool: "tests:\n  - input_series:\n      - series: up{job=\"a\"}\n        values: 1x10\n    alert_rule_test:\n      - eval_time: 292y\n        alertname: Down\n",
		exit:     1,
		want:     "eval_time: 292y at the evaluation_interval of 1m is 153,475,201 evaluation steps, more than the limit of 150,000 (--max-steps)",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write := func(name, data string) {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("spec.yaml", strings.Replace(limitSpec, "FOR", tc.spec, 1))
			path := "spec.yaml"
			if tc.promtool != "" {
				write("rules.yml", "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n        for: 5m\n")
				write("prom.yml", "rule_files: [rules.yml]\n"+tc.promtool)
				path = "prom.yml"
			}
			if tc.body != "" {
				write("sc.yaml", strings.Replace(limitScenario, "BODY", tc.body, 1))
				path = "sc.yaml"
			}
			wd, _ := os.Getwd()
			if err := os.Chdir(dir); err != nil {
				t.Fatal(err)
			}
			defer os.Chdir(wd)
			var stdout, stderr bytes.Buffer
			start := time.Now()
			code := run(append(append([]string{"slo", "test"}, tc.flags...), path), &stdout, &stderr)
			if el := time.Since(start); el > 20*time.Second {
				t.Errorf("took %s: the limits should stop it before any evaluation", el)
			}
			if code != tc.exit {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.exit, stdout.String(), stderr.String())
			}
			if got := stderr.String(); got != tc.stderr {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, tc.stderr)
			}
			if !strings.Contains(stdout.String(), tc.want) {
				t.Errorf("stdout:\n%s\nwant it to contain:\n%s", stdout.String(), tc.want)
			}
		})
	}
}
