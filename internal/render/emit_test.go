package render

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// roundTrip writes s as a mapping value with the emitter and reads it back
// with yaml.v3.
func roundTrip(t *testing.T, s string) {
	t.Helper()
	var e emitter
	e.b.WriteString("a:\n")
	e.field(2, false, "k", s)
	e.b.WriteString("  z: end\n")
	var got map[string]map[string]string
	if err := yaml.Unmarshal([]byte(e.b.String()), &got); err != nil {
		t.Fatalf("%q: emitted YAML does not parse: %v\n%s", s, err, e.b.String())
	}
	if got["a"]["k"] != s || got["a"]["z"] != "end" {
		t.Fatalf("%q read back as %q (z=%q) from:\n%s", s, got["a"]["k"], got["a"]["z"], e.b.String())
	}
}

func TestScalarRoundTrip(t *testing.T) {
	for _, s := range []string{
		"", " ", "plain", "1m", "1", "0.5", "-0.2", "1e3", "0x1f", "1_000", "true", "False", "yes", "no", "on", "y", "null", "~",
		".inf", "-.Inf", ".nan", "2026-11-22", "<<", "=",
		"sum by (stage) (x)", `x{a="b",c=~"5.."} > 0.9`, "a: b", "a:b", "ends:", "a #b", "#c", "- item", "-x", "?x", ":x", "[x]", "{x}",
		"'quoted'", `"dq"`, "it's", `both ' and "`, "%x", "@x", "`x`", "&a", "*a", "!tag", "|x", ">x", " lead", "trail ",
		"line1\nline2", "(\n  a\nand\n  b\n)", "a\n\nb", "a\n", "\nb", " a\nb", "a \nb", "tab\there", "cr\rlf", "nul\x00", "bell\a",
		"bom\uFEFF", "emoji 🙂", "ünïcödé: yes", "{{ $labels.stage }} holds {{ $value }}", "{{ $value | humanizePercentage }}",
		"https://runbooks.example.com/x#y", "a, b", "x\\y",
	} {
		roundTrip(t, s)
	}
}

func FuzzScalar(f *testing.F) {
	for _, s := range []string{"a: b", "1", "x\ny", " #", "'\"", "{{ $value }}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !validUTF8(s) {
			t.Skip("rule files hold UTF-8 text")
		}
		roundTrip(t, s)
	})
}

func validUTF8(s string) bool {
	for _, r := range s {
		if r == '\uFFFD' {
			return false
		}
	}
	return true
}

// The keyword list answers as keywordRE for every short string that does
// not start with a digit, a sign or a dot: each keyword in every mix of
// case, with the Unicode letters (?i) folds to ASCII ones, and near misses.
func TestKeywordsMatchKeywordRE(t *testing.T) {
	var cases []string
	for _, k := range append(keywords, "tru", "nul", "yess", "o", "ye", "<", "==", "~~", "nan", "inf") {
		n := len(k)
		for mask := range 1 << n {
			b := []byte(k)
			for i := range n {
				if mask&(1<<i) != 0 && b[i] >= 'a' && b[i] <= 'z' {
					b[i] -= 'a' - 'A'
				}
			}
			cases = append(cases, string(b))
		}
	}
	cases = append(cases, "yeſ", "ſ", "\u212a", "nuLL", "On", "")
	for _, s := range cases {
		want := keywordRE.MatchString(s)
		if got := ambiguous(s); got != want {
			t.Errorf("ambiguous(%q) = %v, keywordRE says %v", s, got, want)
		}
	}
}

// A string starting with a digit is ambiguous when it is a number or
// keywordRE matches it (a date), as before the date prefilter: durations,
// dates, near dates and numbers.
func TestDigitFirstMatchesKeywordRE(t *testing.T) {
	for _, s := range []string{
		"5m", "1h30m", "2d19h12m", "28", "0.99", "1_000", "0x1F", "1e3", "99.9%",
		"2024-01-02", "2024-1-2", "2024-01-02T10:00:00Z", "2024-01", "2024-", "1234-5-6x",
		"12345-1-2", "123-4-5", "9999-9-9", "0000-00-00 x",
	} {
		plain := strings.ReplaceAll(s, "_", "")
		_, ferr := strconv.ParseFloat(plain, 64)
		_, ierr := strconv.ParseInt(plain, 0, 64)
		want := ferr == nil || errors.Is(ferr, strconv.ErrRange) || ierr == nil || keywordRE.MatchString(s)
		if got := ambiguous(s); got != want {
			t.Errorf("ambiguous(%q) = %v, want %v", s, got, want)
		}
	}
}
