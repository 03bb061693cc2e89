package app

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/scenario"
)

var notFoundRE = regexp.MustCompile(`^field (\S+) not found`)

// promtoolFailures turns an error of a promtool test file into failures at
// the lines the YAML decoder names: its "yaml: unmarshal errors:" list
// (unknown fields, wrong types) one failure a line, each at the field it
// names, or the first character of the line. Other errors (promtool's own
// failure reports, several lines by design) stay one failure at pos.
func promtoolFailures(pos diag.Pos, msg string) []scenario.Failure {
	msg = strings.TrimSpace(msg)
	lines := strings.Split(msg, "\n")
	var items []string
	switch {
	case strings.HasSuffix(lines[0], "yaml: unmarshal errors:"):
		items = lines[1:]
	case len(lines) == 1 && yamlSyntaxErrRE.MatchString(msg):
		items = []string{strings.TrimPrefix(msg, "yaml: ")}
	default:
		return []scenario.Failure{{Pos: pos, Message: msg}}
	}
	var src []string
	if b, err := os.ReadFile(pos.File); err == nil {
		src = strings.Split(string(b), "\n")
	}
	var out []scenario.Failure
	for _, it := range items {
		it = strings.TrimSpace(it)
		m := yamlErrLineRE.FindStringSubmatch(it)
		if m == nil {
			out = append(out, scenario.Failure{Pos: pos, Message: it})
			continue
		}
		p := pos
		p.Line, _ = strconv.Atoi(m[1])
		if p.Line >= 1 && p.Line <= len(src) {
			text := strings.TrimSuffix(src[p.Line-1], "\r")
			i := len(text) - len(strings.TrimLeft(text, " -"))
			if f := notFoundRE.FindStringSubmatch(m[2]); f != nil {
				if j := strings.Index(text, f[1]); j >= 0 {
					i = j
				}
			}
			p.Col = utf8.RuneCountInString(text[:i]) + 1
		}
		out = append(out, scenario.Failure{Pos: p, Message: "yaml: " + m[2]})
	}
	return out
}
