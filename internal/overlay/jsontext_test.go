package overlay

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzParseJSON: the span parser accepts exactly what encoding/json
// accepts, and every span it records is the text of a valid value.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{}`, `[1, -2.5e+3, "a\u00e9\n", true, false, null]`, `{"a": {"b": [{}]}}`, `"\x"`, `01`, `{"a" 1}`, "\"\xff\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseJSON([]byte(s))
		if (err == nil) != json.Valid([]byte(s)) {
			t.Fatalf("parseJSON error %v, json.Valid %v", err, json.Valid([]byte(s)))
		}
		if err != nil {
			return
		}
		var walk func(v *value)
		walk = func(v *value) {
			if !json.Valid([]byte(s[v.start:v.end])) {
				t.Fatalf("span %d:%d %q is not a value", v.start, v.end, s[v.start:v.end])
			}
			for _, m := range v.members {
				walk(m.val)
			}
			for _, e := range v.elems {
				walk(e)
			}
		}
		walk(v)
	})
}

// TestParseJSONDepth: nesting is accepted exactly as deep as
// encoding/json accepts it (a 2000-deep dashboard was refused).
func TestParseJSONDepth(t *testing.T) {
	for _, n := range []int{2000, 9999, 10000, 10001, 10002} {
		s := strings.Repeat("[", n) + strings.Repeat("]", n)
		_, err := parseJSON([]byte(s))
		if (err == nil) != json.Valid([]byte(s)) {
			t.Errorf("depth %d: parseJSON error %v, json.Valid %v", n, err, json.Valid([]byte(s)))
		}
		o := strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n)
		_, err = parseJSON([]byte(o))
		if (err == nil) != json.Valid([]byte(o)) {
			t.Errorf("object depth %d: parseJSON error %v, json.Valid %v", n, err, json.Valid([]byte(o)))
		}
	}
}

// TestParseJSONErrors: the character a syntax error stops at is named as
// the user sees it in an editor, not as the byte %q makes of it (a
// byte order mark was "unexpected 'ï'").
func TestParseJSONErrors(t *testing.T) {
	for src, want := range map[string]string{
		"\xef\xbb\xbf{\"uid\": \"d\"}": "1:1: unexpected byte order mark (U+FEFF); save the file as UTF-8 without one",
		"{\"a\": \u00e9}":              "1:7: unexpected 'é' (U+00E9)",
		"{\"a\": \xff}":                "1:7: unexpected byte 0xff, which is not UTF-8",
		"{\"a\": 1}\n,":                "2:1: unexpected ',' after the top-level value",
		"{\"a\": 1} \u00e9":            "1:10: unexpected 'é' (U+00E9) after the top-level value",
	} {
		_, err := parseJSON([]byte(src))
		if err == nil || err.Error() != want {
			t.Errorf("%q: got %v, want %s", src, err, want)
		}
	}
}
