package render

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// emitter writes the fixed shape of a rule file straight to a buffer. It is
// an order of magnitude faster than building and encoding yaml.Nodes, which
// matters at a thousand services; what it writes is parsed back by rulefmt
// and compared with what was meant before anything is written, and
// TestScalarRoundTrip and FuzzScalar hold its quoting to yaml.v3's reading.
// RuleFile reuses emitters (see emitters).
type emitter struct{ b bytes.Buffer }

// key writes "key:" at indent, with "- " before it when item is set.
func (e *emitter) key(indent int, item bool, k string) {
	if item {
		e.indent(indent - 2)
		e.b.WriteString("- ")
	} else {
		e.indent(indent)
	}
	e.b.WriteString(k)
	e.b.WriteByte(':')
}

// indent writes n spaces.
func (e *emitter) indent(n int) {
	for ; n > len(spaces); n -= len(spaces) {
		e.b.WriteString(spaces)
	}
	e.b.WriteString(spaces[:n])
}

const spaces = "                " // the deepest indent of a rule file and more

// field writes "key: value" for a string value at indent.
func (e *emitter) field(indent int, item bool, k, v string) {
	e.key(indent, item, k)
	e.scalar(indent, v)
}

// scalar writes a string value after a key: plain when YAML reads it back
// as the same string, else quoted, or as a literal block when multi-line.
func (e *emitter) scalar(indent int, s string) {
	pr := printable(s)
	if pr && strings.Contains(s, "\n") && literalOK(s) {
		e.b.WriteString(" |-\n")
		pad := strings.Repeat(" ", indent+2)
		for line := range strings.SplitSeq(s, "\n") {
			if line != "" {
				e.b.WriteString(pad)
				e.b.WriteString(line)
			}
			e.b.WriteByte('\n')
		}
		return
	}
	amb := ambiguous(s)
	switch {
	case amb && pr:
		// yaml.v3 double-quotes what would otherwise read as a number.
		e.b.WriteByte(' ')
		e.b.WriteString(doubleQuote(s))
	case !amb && pr && plainShape(s):
		e.b.WriteByte(' ')
		e.b.WriteString(s)
	case pr && !strings.ContainsAny(s, "\t\n\r"):
		e.b.WriteString(" '")
		e.b.WriteString(strings.ReplaceAll(s, "'", "''"))
		e.b.WriteByte('\'')
	default:
		e.b.WriteByte(' ')
		e.b.WriteString(doubleQuote(s))
	}
	e.b.WriteByte('\n')
}

// keywordRE matches plain scalars that YAML reads as something other than a
// string: booleans (YAML 1.1's too), null, infinities, timestamps, merge.
var keywordRE = regexp.MustCompile(`^(?i:true|false|yes|no|on|off|y|n|null|~|[-+]?\.inf|\.nan|<<|=)$|^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}`)

// keywords are the matches of keywordRE that start with neither a digit,
// a sign nor a dot, compared ignoring case as (?i) does.
var keywords = []string{"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", "<<", "="}

// ambiguous reports whether s, written plain, would not read back as the
// string s. It runs on every value written, so the common case (a word or
// an expression starting with a letter) returns before any parsing.
func ambiguous(s string) bool {
	if s == "" {
		return false
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '-', c == '+', c == '.':
		plain := strings.ReplaceAll(s, "_", "")
		if _, err := strconv.ParseFloat(plain, 64); err == nil || errors.Is(err, strconv.ErrRange) {
			return true
		}
		if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return true
		}
		if c >= '0' && c <= '9' && !datePrefix(s) {
			// Of keywordRE's matches, only a date starts with a digit:
			// the regular expression is spared for "5m", "1h30m" and the
			// like, which are most of what gets here.
			return false
		}
		return keywordRE.MatchString(s)
	case len(s) > 5:
		return false
	}
	for _, k := range keywords {
		if strings.EqualFold(s, k) {
			return true
		}
	}
	return false
}

// datePrefix reports whether s starts with four digits and a dash, as
// every string keywordRE's date matches does.
func datePrefix(s string) bool {
	if len(s) < 5 || s[4] != '-' {
		return false
	}
	for i := range 4 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// plainShape reports whether a printable, unambiguous s reads back as
// itself written plain: nothing YAML takes for syntax.
func plainShape(s string) bool {
	if s == "" || strings.ContainsRune("-?:,[]{}#&*!|>'\"%@`", rune(s[0])) {
		return false
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' || strings.HasSuffix(s, ":") {
		return false
	}
	return !strings.Contains(s, ": ") && !strings.Contains(s, " #") && !strings.ContainsAny(s, "\t\n\r")
}

// literalOK reports whether a literal block keeps s exactly: no trailing
// newline or spaces to lose, no leading space on the first line to be taken
// as indentation, nothing but printable characters.
func literalOK(s string) bool {
	if !printable(s) || strings.HasSuffix(s, "\n") || strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\n") || strings.ContainsAny(s, "\t\r") {
		return false
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.HasSuffix(line, " ") {
			return false
		}
	}
	return true
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return printableRunes(s[i:])
		}
		// ASCII: unicode.IsPrint holds from the space to the tilde.
		if (c < ' ' && c != '\n') || c == 0x7f {
			return false
		}
	}
	return true
}

func printableRunes(s string) bool {
	for _, r := range s {
		if r == '\n' {
			continue
		}
		if !unicode.IsPrint(r) || r == '\uFEFF' || r == unicode.ReplacementChar {
			return false
		}
	}
	return true
}

// doubleQuote writes a YAML double-quoted scalar. YAML's escapes are a
// superset of JSON's; \u and \U carry everything else.
func doubleQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || r == '\uFEFF' || !unicode.IsPrint(r) && r != ' ':
			if r > 0xffff {
				b.WriteString(`\U` + leftPad(strconv.FormatInt(int64(r), 16), 8))
			} else {
				b.WriteString(`\u` + leftPad(strconv.FormatInt(int64(r), 16), 4))
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func leftPad(s string, n int) string { return strings.Repeat("0", n-len(s)) + s }
