package spec

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
)

// YAMLError turns an error of yaml.v3's decoder dec, reading src from path,
// into one positioned spec/yaml diagnostic, at the character the parser
// refused.
//
// yaml.v3 formats its parser's errors with a line alone, and not the line
// of the problem: it prints the line where the enclosing construct starts,
// counted from 0 for parser errors (one line early), and no line at all for
// an unknown alias or a byte that is not UTF-8. The parser's state still
// holds the exact marks after Decode fails (the problem, its context, the
// event being composed, the offset of a bad byte), so they are read from
// the decoder, and the message is made from them too: the error's text is
// shown, never taken apart. That reads unexported fields of the pinned
// go.yaml.in/yaml/v3 (see yamlMarks); when a later version renames them,
// the error is reported as it is, at the file alone, and
// TestYAMLErrorPositions fails.
func YAMLError(path string, src []byte, dec *yaml.Decoder, err error) diag.Diagnostic {
	d := diag.Diagnostic{Pos: diag.Pos{File: path}, Code: "spec/yaml"}
	d.Message = "invalid YAML: " + diag.OneLine(err.Error())
	mk, ok := yamlMarks(dec)
	if !ok {
		return d
	}
	bom := bytes.HasPrefix(src, utf8BOM)
	src = bytes.TrimPrefix(src, utf8BOM)
	switch {
	case mk.kind == yamlReaderError:
		// The reader counts bytes of the file, byte-order mark
		// included, before lines exist; the marks leave it out.
		off := mk.offset
		if bom {
			off -= len(utf8BOM)
		}
		d.Pos.Line, d.Pos.Col = byteLineCol(src, off)
		d.Message = fmt.Sprintf("invalid YAML: %s (%s); the file must be UTF-8 text", mk.problem, byteName(mk.value))
	case mk.kind == yamlScannerError || mk.kind == yamlParserError:
		end := utf8.RuneCount(src)
		at, text := mk.problemAt, mk.problem
		switch {
		case mk.context == "" || mk.contextAt == mk.problemAt:
		case mk.problemAt.index >= end && mk.contextAt.index < end:
			// Nothing follows: what is left open is the mistake.
			at, text = mk.contextAt, fmt.Sprintf("%s %s that starts here", mk.problem, mk.context)
		default:
			text = fmt.Sprintf("%s %s at line %d column %d", mk.problem, mk.context, mk.contextAt.line+1, mk.contextAt.column+1)
			if mk.problem == "did not find expected '-' indicator" && mk.problemAt.column == mk.contextAt.column {
				// A key dedented to the list's own column (sli: two
				// spaces left of its siblings) ends the item it belongs to.
				text += fmt.Sprintf("; this line stands at the column of the list's '-' without one: indent it like the fields of the item above it (line %d), or start a new item with '- '", mk.contextAt.line+1)
			}
		}
		d.Pos.Line, d.Pos.Col = at.line+1, at.column+1
		if at.index >= end {
			d.Pos.Line, d.Pos.Col = endOfText(src)
		}
		if runeAt(src, d.Pos.Line, d.Pos.Col) == '\t' && !strings.Contains(text, "tab") {
			text += "; YAML does not allow tabs in indentation, indent with spaces"
		}
		d.Message = "invalid YAML: " + text
	default:
		// An error of the composer (an unknown alias) is about the
		// event it was composing.
		d.Pos.Line, d.Pos.Col = mk.event.line+1, mk.event.column+1
		switch {
		case mk.eventType == yamlAliasEvent:
			// The composer's only error of its own: yaml.v3 fails
			// on an alias whose anchor it has not seen.
			d.Message = fmt.Sprintf("invalid YAML: unknown anchor '%s' referenced", mk.anchor)
		case mk.problem != "":
			d.Message = "invalid YAML: " + mk.problem
		}
	}
	return d
}

var utf8BOM = []byte("\xef\xbb\xbf")

// yaml.v3's yaml_error_type_t values.
const (
	yamlReaderError  = 2
	yamlScannerError = 3
	yamlParserError  = 4

	yamlAliasEvent = 5 // yaml_ALIAS_EVENT of yaml_event_type_t
)

type yamlMark struct{ index, line, column int }

type yamlState struct {
	kind                 int
	problem, context     string
	problemAt, contextAt yamlMark
	offset, value        int
	event                yamlMark
	eventType            int
	anchor               string
}

// yamlMarks reads the error state of dec's parser: Decoder.parser is a
// *parser holding parser (yaml_parser_t) and event (yaml_event_t). Reading
// unexported fields through reflect is allowed; nothing is written.
func yamlMarks(dec *yaml.Decoder) (st yamlState, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	p := reflect.ValueOf(dec).Elem().FieldByName("parser")
	if !p.IsValid() || p.Kind() != reflect.Pointer || p.IsNil() {
		return st, false
	}
	p = p.Elem()
	yp, ev := p.FieldByName("parser"), p.FieldByName("event")
	if !yp.IsValid() || !ev.IsValid() {
		return st, false
	}
	mark := func(v reflect.Value) yamlMark {
		return yamlMark{int(v.FieldByName("index").Int()), int(v.FieldByName("line").Int()), int(v.FieldByName("column").Int())}
	}
	st.kind = int(yp.FieldByName("error").Int())
	st.problem = yp.FieldByName("problem").String()
	st.context = yp.FieldByName("context").String()
	st.problemAt = mark(yp.FieldByName("problem_mark"))
	st.contextAt = mark(yp.FieldByName("context_mark"))
	st.offset = int(yp.FieldByName("problem_offset").Int())
	st.value = int(yp.FieldByName("problem_value").Int())
	st.event = mark(ev.FieldByName("start_mark"))
	st.eventType = int(ev.FieldByName("typ").Int())
	st.anchor = string(ev.FieldByName("anchor").Bytes())
	return st, true
}

// byteLineCol returns the line and column (in characters) of byte offset
// off of src.
func byteLineCol(src []byte, off int) (line, col int) {
	off = min(max(off, 0), len(src))
	before := src[:off]
	start := bytes.LastIndexByte(before, '\n') + 1
	return bytes.Count(before, []byte("\n")) + 1, utf8.RuneCount(before[start:]) + 1
}

// endOfText is the position just after the last character that is not
// white space: where a parser that ran out of input expected more.
func endOfText(src []byte) (line, col int) {
	return byteLineCol(src, len(bytes.TrimRight(src, " \t\r\n")))
}

// runeAt returns the character at line:col of src, or -1.
func runeAt(src []byte, line, col int) rune {
	lines := bytes.Split(src, []byte("\n"))
	if line < 1 || line > len(lines) {
		return -1
	}
	for i, r := range []rune(string(lines[line-1])) {
		if i == col-1 {
			return r
		}
	}
	return -1
}

func byteName(v int) string {
	if v < 0x100 {
		return fmt.Sprintf("byte 0x%02x", v)
	}
	return fmt.Sprintf("character U+%04X", v)
}
