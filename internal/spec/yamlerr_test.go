package spec

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestYAMLErrorPositions: a YAML syntax error is reported at the character
// the parser refused, with a line and a column, one line for each; yaml.v3's
// own message names the line where the enclosing construct starts (one line
// early for parser errors) or no line at all. It also fails when a new
// go.yaml.in/yaml/v3 renames the parser fields YAMLError reads.
func TestYAMLErrorPositions(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{{
		name: "tab indentation",
		src:  "version: slo/v1\nservice: api\nteam: x\nalerts:\n\t- name: A\n",
		want: "a.yaml:5:1: error: invalid YAML: found character that cannot start any token; YAML does not allow tabs in indentation, indent with spaces [spec/yaml]",
	}, {
		name: "tab after an indented line",
		src:  "version: slo/v1\nalerts:\n  - name: A\n\t  signal: x\n",
		want: "a.yaml:4:1: error: invalid YAML: found a tab character that violates indentation while scanning a plain scalar at line 3 column 11 [spec/yaml]",
	}, {
		name: "unclosed quote: where it opens",
		src:  "version: slo/v1\nservice: \"api\nteam: x\nalerts: []\n",
		want: "a.yaml:2:10: error: invalid YAML: found unexpected end of stream while scanning a quoted scalar that starts here [spec/yaml]",
	}, {
		name: "unclosed flow sequence (yaml.v3: line 2)",
		src:  "version: slo/v1\nservice: api\nteam: [x, y\nalerts: []\n",
		want: "a.yaml:4:7: error: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence at line 3 column 7 [spec/yaml]",
	}, {
		name: "unclosed flow mapping (yaml.v3: line 2)",
		src:  "version: slo/v1\nservice: api\nteam: {x: y\nalerts: []\n",
		want: "a.yaml:4:7: error: invalid YAML: did not find expected ',' or '}' while parsing a flow mapping at line 3 column 7 [spec/yaml]",
	}, {
		name: "unclosed flow sequence at the end of the file",
		src:  "version: slo/v1\nservice: api\nteam: [\n\n",
		want: "a.yaml:3:8: error: invalid YAML: did not find expected node content [spec/yaml]",
	}, {
		name: "PromQL braces in a flow mapping",
		src:  "version: slo/v1\nservice: api\nalerts:\n  - name: A\n    signal: {expr: rate(x{a=\"b\"}[5m]) > 0}\n",
		want: "a.yaml:5:26: error: invalid YAML: did not find expected ',' or '}' while parsing a flow mapping at line 5 column 13 [spec/yaml]",
	}, {
		name: "key indented too far",
		src:  "version: slo/v1\nservice: api\n  team: x\nalerts: []\n",
		want: "a.yaml:3:7: error: invalid YAML: mapping values are not allowed in this context [spec/yaml]",
	}, {
		name: "dedented key in a list item (yaml.v3: line 2)",
		src:  "version: slo/v1\nalerts:\n  - name: A\n    signal: x\n   for: 5m\n",
		want: "a.yaml:5:4: error: invalid YAML: did not find expected '-' indicator while parsing a block collection at line 3 column 3 [spec/yaml]",
	}, {
		name: "unknown alias (yaml.v3: no line)",
		src:  "version: slo/v1\nservice: api\nteam: *x\n",
		want: "a.yaml:3:7: error: invalid YAML: unknown anchor 'x' referenced [spec/yaml]",
	}, {
		name: "byte 0xff (yaml.v3: no line)",
		src:  "version: slo/v1\nservice: api\nteam: äö\xff\n",
		want: "a.yaml:3:9: error: invalid YAML: invalid leading UTF-8 octet (byte 0xff); the file must be UTF-8 text [spec/yaml]",
	}, {
		name: "byte 0xff in a comment",
		src:  "version: slo/v1\n# \xff\n",
		want: "a.yaml:2:3: error: invalid YAML: invalid leading UTF-8 octet (byte 0xff); the file must be UTF-8 text [spec/yaml]",
	}, {
		name: "control character",
		src:  "version: slo/v1\nservice: a\x01\n",
		want: "a.yaml:2:11: error: invalid YAML: control characters are not allowed (byte 0x01); the file must be UTF-8 text [spec/yaml]",
	}, {
		name: "byte-order mark: not a column",
		src:  "\xef\xbb\xbfversion: slo/v1 x: y\n",
		want: "a.yaml:1:18: error: invalid YAML: mapping values are not allowed in this context [spec/yaml]",
	}, {
		name: "byte 0xff after a byte-order mark",
		src:  "\xef\xbb\xbfversion: \xff\n",
		want: "a.yaml:1:10: error: invalid YAML: invalid leading UTF-8 octet (byte 0xff); the file must be UTF-8 text [spec/yaml]",
	}, {
		name: "CRLF line ends",
		src:  "version: slo/v1\r\nservice: api\r\nteam: x\r\n  y: z\r\n",
		want: "a.yaml:4:4: error: invalid YAML: mapping values are not allowed in this context [spec/yaml]",
	}, {
		name: "second document",
		src:  "version: slo/v1\nservice: a\n---\nversion: slo/v1\nservice: [\n",
		want: "a.yaml:5:11: error: invalid YAML: did not find expected node content [spec/yaml]",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := Parse("a.yaml", []byte(tc.src))
			var got []string
			for _, d := range diags {
				got = append(got, d.String())
			}
			if diff := cmp.Diff([]string{tc.want}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// A redefined anchor is valid YAML (the later one counts).
	if _, diags := Parse("a.yaml", []byte("version: slo/v1\nservice: &a api\nteam: &a x\nlabels: {t: *a}\n")); diags.HasErrors() {
		t.Errorf("redefined anchor: %v", diags)
	}
}

// TestYAMLErrorsPositionedAfterMutation puts characters that break YAML
// (a tab, an open bracket or quote, an alias, a byte that is not UTF-8, a
// CRLF, ...) at every seventh byte of a shipped spec (every 31st under
// -short): every syntax error must have a line and column inside the file,
// not before the line the character went in (a parser stops at or after
// a mistake), and be one line.
func TestYAMLErrorsPositionedAfterMutation(t *testing.T) {
	src, err := os.ReadFile("../../specs/dubbing/job-processing.yaml")
	if err != nil {
		t.Fatal(err)
	}
	stride := 7
	if testing.Short() {
		stride = 31
	}
	inserts := []string{"\t", "[", "{", "\"", "'", "*x ", "\xff", ": ", "&a ", "- ", "\n  ", "|", ">", "}", "]", "%", "@", "`", "!", "? ", "\r\n", "---\n", "\x01"}
	errs := 0
	for i := 0; i < len(src); i += stride {
		for _, ins := range inserts {
			mut := string(src[:i]) + ins + string(src[i:])
			_, diags := Parse("x.yaml", []byte(mut))
			for _, d := range diags {
				if d.Code != "spec/yaml" {
					continue
				}
				errs++
				at := strings.Count(string(src[:i]), "\n") + 1
				if d.Pos.Line < at || d.Pos.Col < 1 || d.Pos.Line > strings.Count(mut, "\n")+1 || strings.ContainsAny(d.String(), "\r\n") {
					t.Errorf("%q inserted at byte %d (line %d): %q", ins, i, at, d.String())
				}
			}
		}
	}
	if errs == 0 {
		t.Fatal("no mutant was refused")
	}
}
