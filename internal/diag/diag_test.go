package diag

import (
	"bytes"
	"strings"
	"testing"
)

// TestOneLinePerDiagnostic: a message of several lines (a wrapped decoder
// error) is folded into one line in every format, so that editors and
// problem matchers see one diagnostic.
func TestOneLinePerDiagnostic(t *testing.T) {
	var l List
	l.Errorf(Pos{File: "a.yaml", Line: 3, Col: 5}, "spec/base", "not valid: yaml: unmarshal errors:\n  line 1: cannot unmarshal\r\n  line 2: field x not found\n")
	want := "a.yaml:3:5: error: not valid: yaml: unmarshal errors: line 1: cannot unmarshal line 2: field x not found [spec/base]"
	if got := l[0].String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for _, format := range Formats {
		var b bytes.Buffer
		if err := Write(&b, format, l); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if format == "json" {
			if !strings.Contains(out, `"message": "not valid: yaml: unmarshal errors: line 1: cannot unmarshal line 2: field x not found"`) {
				t.Errorf("json: %s", out)
			}
			continue
		}
		if strings.Count(out, "\n") != 1 || strings.Contains(out, "\r") {
			t.Errorf("%s: %q is not one line", format, out)
		}
	}
	if l[0].Message == OneLine(l[0].Message) {
		t.Error("Write changed the caller's list, or the message had one line")
	}
}
