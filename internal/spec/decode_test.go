package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slo-compiler/slo/internal/diag"
)

// TestExprPositions maps offsets inside an expression back to the file for
// each way YAML can write a string.
func TestExprPositions(t *testing.T) {
	src := `version: slo/v1
service: pos
alerts:
  - name: Plain
    signal: {expr: sum by (a) (x)}
  - name: Quoted
    signal: {expr: "sum by (a) (x)"}
  - name: Literal
    signal:
      expr: |
        sum by (a) (
          rate(x[5m])
        )
  - name: Folded
    signal:
      expr: >
        sum by (a)
        (rate(x[5m]))
  - name: Multi
    signal:
      expr: sum by (a)
        (rate(x[5m]))
  - name: Escaped
    signal: {expr: "sum(x{a=\"\\u00e9\", b=\"\u00e9\"}) or y"}
  - name: SingleEscaped
    signal: {expr: 'sum(x{a=''é''}) or y'}
`
	f, diags := Parse("p.yaml", []byte(src))
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	at := func(i int, needle string) diag.Pos {
		e := f.Services[0].Alerts[i].Signal.Expr
		off := strings.LastIndex(e.Text, needle)
		if off < 0 {
			t.Fatalf("%q not in %q", needle, e.Text)
		}
		return e.PosAt(off)
	}
	for _, tc := range []struct {
		alert  int
		needle string
		line   int
		col    int
	}{
		{0, "sum", 5, 20},
		{0, "(x)", 5, 31},
		{1, "sum", 7, 21},
		{1, "(x)", 7, 32},
		{2, "sum", 11, 9},
		{2, "rate", 12, 11},
		{2, ")", 13, 9},
		{3, "sum", 17, 9},
		{3, "(rate", 18, 9},
		{4, "sum", 21, 13},
		{4, "(rate", 22, 9},
		// After an escape, the value is shorter than the file's text.
		{5, "b=", 24, 42},
		{5, "or", 24, 57},
		{6, "or", 26, 37},
	} {
		got := at(tc.alert, tc.needle)
		want := diag.Pos{File: "p.yaml", Line: tc.line, Col: tc.col}
		if got != want {
			t.Errorf("alert %d %q: got %v, want %v", tc.alert, tc.needle, got, want)
		}
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[string]string{
		"30s": "30s", "5m": "5m0s", "1h30m": "1h30m0s", "1d": "24h0m0s", "1w": "168h0m0s", "100ms": "100ms",
	} {
		d, err := ParseDuration(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"", "5", "5 m", "-5m", "1m1h", "5M", "99999999999999999999y"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) succeeded; want an error", in)
		}
	}
}

func TestUnknownFieldSuggestion(t *testing.T) {
	_, diags := Parse("u.yaml", []byte("version: slo/v1\nservise: x\nzzz: 1\n"))
	var got []string
	for _, d := range diags.Sorted() {
		got = append(got, d.String())
	}
	want := []string{
		`u.yaml:2:1: error: unknown field "servise" in the document; did you mean "service"? [spec/unknown-field]`,
		`u.yaml:3:1: error: unknown field "zzz" in the document; expected one of alerts, interval, labels, runbook_url, service, slos, team, version [spec/unknown-field]`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// FuzzParse feeds the decoder arbitrary bytes: it may report anything, but
// must not panic, and every diagnostic must carry the file's name.
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"../../specs/*/*.yaml", "../../specs/*.yaml", "../app/testdata/*/*/specs/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("version: slo/v1\nservice: [\n"))
	f.Add([]byte("a: &x {b: *x}\n"))
	f.Add([]byte("*x"))
	f.Add([]byte("\xef\xbb\xbfversion: \xff\n"))
	f.Add([]byte("version: slo/v1\r\nservice: \"a\r\n"))
	f.Add([]byte("a:\n\t- b\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		_, diags := Parse("fuzz.yaml", src)
		for _, d := range diags {
			if d.Pos.File != "fuzz.yaml" {
				t.Fatalf("diagnostic without the file: %v", d)
			}
			if d.Code == "spec/yaml" && (d.Pos.Line < 1 || d.Pos.Col < 1) {
				t.Fatalf("YAML error without a line and column: %v", d)
			}
			if strings.ContainsAny(d.String(), "\r\n") {
				t.Fatalf("diagnostic of more than one line: %q", d.String())
			}
		}
	})
}
