package overlay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// value is a JSON value with the byte span it has in the source text, so
// that an edit can replace exactly that span and leave every other byte of
// the document as it was.
type value struct {
	// kind is '{', '[', '"', 'n' (number), 't', 'f' or '0' (null).
	kind       byte
	start, end int
	members    []member // objects, in source order
	elems      []*value // arrays
}

// member is one key of an object.
type member struct {
	key      string
	keyStart int
	val      *value
}

// get returns the value of key in an object, or nil.
func (v *value) get(key string) *value {
	if v == nil || v.kind != '{' {
		return nil
	}
	for _, m := range v.members {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// str returns the decoded string of a string value, and whether v is one.
func (v *value) str(src []byte) (string, bool) {
	if v == nil || v.kind != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(src[v.start:v.end], &s); err != nil {
		return "", false
	}
	return s, true
}

// parser reads a JSON document into values with spans. It accepts what
// encoding/json accepts (RFC 8259, with invalid UTF-8 in strings allowed); errors carry the line and column of the offending byte.
type parser struct {
	src []byte
	pos int
}

// parseJSON parses src, which must hold one JSON value and nothing but
// whitespace around it.
func parseJSON(src []byte) (*value, error) {
	p := &parser{src: src}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(src) {
		return nil, p.errorf("unexpected %s after the top-level value", p.char())
	}
	return v, nil
}

// syntaxError is a problem of the JSON text at Line:Col (1-based, the
// column in characters).
type syntaxError struct {
	Line, Col int
	Msg       string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

func (p *parser) errorf(format string, args ...any) error {
	line, col := lineCol(p.src, p.pos)
	return &syntaxError{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// lineCol converts a byte offset to a 1-based line and column (in runes).
func lineCol(src []byte, off int) (line, col int) {
	if off > len(src) {
		off = len(src)
	}
	line = 1 + bytes.Count(src[:off], []byte("\n"))
	lineStart := bytes.LastIndexByte(src[:off], '\n') + 1
	return line, utf8.RuneCount(src[lineStart:off]) + 1
}

// char describes the character at p.pos for a message: quoted, as a
// code point when it is not ASCII ('é' U+00E9), as a byte when it is not
// UTF-8. A byte order mark, which editors on Windows put at the start of a
// file and which JSON does not allow, is named with the way out.
func (p *parser) char() string {
	r, n := utf8.DecodeRune(p.src[p.pos:])
	switch {
	case r == '\uFEFF':
		return "byte order mark (U+FEFF); save the file as UTF-8 without one"
	case r == utf8.RuneError && n <= 1:
		return fmt.Sprintf("byte 0x%02x, which is not UTF-8", p.src[p.pos])
	case r >= utf8.RuneSelf:
		return fmt.Sprintf("%q (%U)", r, r)
	}
	return strconv.QuoteRune(r)
}

func (p *parser) space() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// maxDepth is encoding/json's nesting limit, so that the two accept the same
// documents.
const maxDepth = 10000

// value parses a value whose containers are depth deep: a container at
// depth maxDepth would be the limit's first excess level.
func (p *parser) value(depth int) (*value, error) {
	if p.pos >= len(p.src) {
		return nil, p.errorf("unexpected end of input")
	}
	start := p.pos
	if c := p.src[p.pos]; (c == '{' || c == '[') && depth >= maxDepth {
		return nil, p.errorf("nested too deeply")
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		if err := p.string(); err != nil {
			return nil, err
		}
		return &value{kind: '"', start: start, end: p.pos}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		if err := p.number(); err != nil {
			return nil, err
		}
		return &value{kind: 'n', start: start, end: p.pos}, nil
	case c == 't':
		return p.literal("true", 't')
	case c == 'f':
		return p.literal("false", 'f')
	case c == 'n':
		return p.literal("null", '0')
	default:
		return nil, p.errorf("unexpected %s", p.char())
	}
}

func (p *parser) literal(word string, kind byte) (*value, error) {
	if !bytes.HasPrefix(p.src[p.pos:], []byte(word)) {
		return nil, p.errorf("invalid literal")
	}
	v := &value{kind: kind, start: p.pos, end: p.pos + len(word)}
	p.pos += len(word)
	return v, nil
}

func (p *parser) object(depth int) (*value, error) {
	v := &value{kind: '{', start: p.pos}
	p.pos++
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		v.end = p.pos
		return v, nil
	}
	for {
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			return nil, p.errorf("expected a string key")
		}
		keyStart := p.pos
		if err := p.string(); err != nil {
			return nil, err
		}
		var key string
		if err := json.Unmarshal(p.src[keyStart:p.pos], &key); err != nil {
			return nil, p.errorf("invalid key: %v", err)
		}
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return nil, p.errorf("expected ':' after key %q", key)
		}
		p.pos++
		p.space()
		val, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.members = append(v.members, member{key: key, keyStart: keyStart, val: val})
		p.space()
		if p.pos >= len(p.src) {
			return nil, p.errorf("unexpected end of input in an object")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			v.end = p.pos
			return v, nil
		default:
			return nil, p.errorf("expected ',' or '}' in an object")
		}
	}
}

func (p *parser) array(depth int) (*value, error) {
	v := &value{kind: '[', start: p.pos}
	p.pos++
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		v.end = p.pos
		return v, nil
	}
	for {
		p.space()
		el, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.elems = append(v.elems, el)
		p.space()
		if p.pos >= len(p.src) {
			return nil, p.errorf("unexpected end of input in an array")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			v.end = p.pos
			return v, nil
		default:
			return nil, p.errorf("expected ',' or ']' in an array")
		}
	}
}

func (p *parser) string() error {
	p.pos++ // opening quote
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			return nil
		case c == '\\':
			p.pos++
			if p.pos >= len(p.src) {
				return p.errorf("unterminated string")
			}
			switch p.src[p.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.pos++
			case 'u':
				if p.pos+5 > len(p.src) || !isHex4(p.src[p.pos+1:p.pos+5]) {
					return p.errorf("invalid \\u escape")
				}
				p.pos += 5
			default:
				return p.errorf("invalid escape \\%c", p.src[p.pos])
			}
		case c < 0x20:
			return p.errorf("control character in a string")
		default:
			p.pos++
		}
	}
	return p.errorf("unterminated string")
}

func (p *parser) number() error {
	start := p.pos
	if p.src[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if digits() == 0 {
		return p.errorf("invalid number")
	}
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return p.errorf("invalid number")
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return p.errorf("invalid number")
		}
	}
	if !json.Valid(p.src[start:p.pos]) {
		return p.errorf("invalid number %s", p.src[start:p.pos])
	}
	return nil
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
