package main

import (
	"bytes"
	"strings"
	"testing"
)

// Bad backtest flags exit 2 with a message naming the flag, before any
// compile or query.
func TestBacktestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{}, "--prometheus URL is required"},
		{[]string{"--prometheus", "http://x", "--from", "yesterday"}, `--from: expected an RFC 3339 time such as 2026-11-01T00:00:00Z or Unix seconds, got "yesterday"`},
		{[]string{"--prometheus", "http://x", "--from", "2026-11-01T00:00:00Z", "--last", "1d"}, "--from and --last both give the start of the window"},
		{[]string{"--prometheus", "http://x", "--last", "soon"}, `--last: expected a positive duration such as 30d, got "soon"`},
		{[]string{"--prometheus", "http://x", "--from", "2026-11-02T00:00:00Z", "--to", "2026-11-01T00:00:00Z"}, "--from 2026-11-02T00:00:00Z is not before --to 2026-11-01T00:00:00Z"},
		{[]string{"--prometheus", "http://x", "--format", "html"}, `--format: expected one of text, markdown, json, got "html"`},
		{[]string{"--prometheus", "http://x", "--max-series", "0"}, "--max-series: expected a positive number, got 0"},
		{[]string{"--prometheus", "127.0.0.1:9090", "--last", "1h", "../../internal/scaffold/project/specs"}, `--prometheus: expected an http:// or https:// URL such as http://127.0.0.1:9090, got "127.0.0.1:9090"`},
		{[]string{"--prometheus", "http://x", "--max-range", "-1d"}, `--max-range: expected a positive duration such as 90d, got "-1d"`},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"slo", "backtest"}, c.args...), &stdout, &stderr)
		if code != exitFailure || !strings.Contains(stderr.String(), c.want) || stdout.Len() > 0 {
			t.Errorf("slo backtest %v: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, stdout.String(), stderr.String(), c.want)
		}
	}
}
