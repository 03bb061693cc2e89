package spec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/slo-compiler/slo/internal/diag"
)

// Expr is a PromQL expression written in a spec. It maps offsets in Text
// back to the file, so a PromQL error inside it is reported where the user
// wrote it, for plain, quoted and block (| and >) scalars alike.
type Expr struct {
	Node `yaml:"-"`
	Text string
	segs []segment
}

// segment says that Text[off:] starts at line:col of the file, until the
// next segment.
type segment struct{ off, line, col int }

// PosAt returns the file position of byte offset off of Text.
func (e *Expr) PosAt(off int) diag.Pos {
	p := e.Pos
	for _, s := range e.segs {
		if s.off > off {
			break
		}
		p.Line, p.Col = s.line, s.col+utf8.RuneCountInString(e.Text[s.off:min(max(off, s.off), len(e.Text))])
	}
	return p
}

func (e *Expr) decodeYAML(d *decoder, n *yaml.Node, what string) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.typeError(n, what, "a PromQL expression (a string)")
		return
	}
	e.Text = n.Value
	e.segs = d.segments(n)
}

// segments maps the value of scalar n to the lines and columns it was read
// from.
func (d *decoder) segments(n *yaml.Node) []segment {
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		var segs []segment
		cursor, indent := 0, -1
		for ln := n.Line + 1; ln <= len(d.lines); ln++ {
			line := d.lines[ln-1]
			trimmed := strings.TrimLeft(line, " ")
			if strings.TrimSpace(line) == "" {
				continue
			}
			ind := len(line) - len(trimmed)
			if indent < 0 {
				indent = ind
			}
			if ind < indent {
				break
			}
			content := line[indent:]
			i := strings.Index(n.Value[cursor:], content)
			if i < 0 {
				break
			}
			segs = append(segs, segment{cursor + i, ln, indent + 1})
			cursor += i + len(content)
		}
		return segs
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		return d.quotedSegments(n)
	}
	segs := []segment{{0, n.Line, n.Column}}
	if !strings.Contains(n.Value, " ") || n.Line > len(d.lines) {
		return segs
	}
	// A plain scalar may continue on following lines, folded into spaces.
	first := []rune(d.lines[n.Line-1])
	if n.Column-1 <= len(first) {
		cursor := len(strings.TrimRight(string(first[n.Column-1:]), " "))
		for ln := n.Line + 1; ln <= len(d.lines) && cursor < len(n.Value); ln++ {
			line := d.lines[ln-1]
			content := strings.TrimSpace(line)
			i := strings.Index(n.Value[cursor:], content)
			if content == "" || i < 0 {
				break
			}
			segs = append(segs, segment{cursor + i, ln, len(line) - len(strings.TrimLeft(line, " ")) + 1})
			cursor += i + len(content)
		}
	}
	return segs
}

// quotedSegments maps quoted scalar n: a new segment starts after each
// escape (a doubled ' in single quotes; \", \\, \xNN, \uNNNN... in double quotes),
// which is longer in the file than in the value. Only a scalar written on
// one line is mapped so; of one that goes on to further lines (folded), or
// whose text the walk does not match, only the start is exact.
func (d *decoder) quotedSegments(n *yaml.Node) []segment {
	start := []segment{{0, n.Line, n.Column + 1}}
	if n.Line > len(d.lines) {
		return start
	}
	line := []rune(d.lines[n.Line-1])
	segs := start
	col := n.Column // the rune index in line of the value's first rune
	for off := 0; off < len(n.Value); {
		if col >= len(line) {
			return start
		}
		vr, size := utf8.DecodeRuneInString(n.Value[off:])
		width := 1 // the runes the value's rune takes in the file
		switch r := line[col]; {
		case n.Style == yaml.SingleQuotedStyle && r == '\'':
			width = 2 // ''
		case n.Style == yaml.DoubleQuotedStyle && r == '\\':
			if col+1 >= len(line) {
				return start // a line break escaped: the scalar goes on
			}
			switch line[col+1] {
			case 'x':
				width = 4
			case 'u':
				width = 6
			case 'U':
				width = 10
			default:
				width = 2
			}
		default:
			if vr != r {
				return start
			}
		}
		off += size
		col += width
		if width > 1 {
			segs = append(segs, segment{off, n.Line, col + 1})
		}
	}
	return segs
}

// Duration is a Prometheus duration ("90s", "5m", "1h30m", "30d", "1w").
type Duration struct {
	Node `yaml:"-"`
	D    time.Duration
}

var durationRE = regexp.MustCompile(`^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$`)

// ParseDuration parses a Prometheus duration.
func ParseDuration(s string) (time.Duration, error) {
	m := durationRE.FindStringSubmatch(s)
	if s == "" || m == nil {
		return 0, fmt.Errorf("not a duration")
	}
	units := []time.Duration{365 * 24 * time.Hour, 7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute, time.Second, time.Millisecond}
	var d time.Duration
	for i, u := range units {
		if v := m[2+2*i]; v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n > int64((1<<63-1)/u) {
				return 0, fmt.Errorf("duration out of range")
			}
			d += time.Duration(n) * u
		}
	}
	return d, nil
}

func (v *Duration) decodeYAML(d *decoder, n *yaml.Node, what string) {
	const want = "a duration like 30s, 5m, 1h or 30d"
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.typeError(n, what, want)
		return
	}
	dur, err := ParseDuration(n.Value)
	if err != nil {
		d.diags.Errorf(d.pos(n), "spec/duration", "%s: expected %s, got %q", what, want, n.Value)
		return
	}
	v.D = dur
}

func (s *SeverityDurations) decodeYAML(d *decoder, n *yaml.Node, what string) {
	if n.Kind == yaml.ScalarNode {
		s.All = &Duration{}
		s.All.Pos = d.pos(n)
		s.All.decodeYAML(d, n, what)
		return
	}
	d.decodeStruct(n, s, what)
}

func (r *SeverityRoute) decodeYAML(d *decoder, n *yaml.Node, what string) {
	if n.Kind == yaml.ScalarNode {
		if n.Tag != "!!str" {
			d.typeError(n, what, "a receiver name or a mapping with a receiver")
			return
		}
		r.Receiver = n.Value
		r.setField("receiver", d.pos(n), d.pos(n))
		return
	}
	d.decodeStruct(n, r, what)
}

// decodeYAML reads a team route: a receiver name for all of the team's
// alerts ("checkout: checkout-pager") or a mapping.
func (r *TeamRoute) decodeYAML(d *decoder, n *yaml.Node, what string) {
	if n.Kind == yaml.ScalarNode {
		if n.Tag != "!!str" {
			d.typeError(n, what, "a receiver name or a mapping (a team route)")
			return
		}
		r.Receiver = n.Value
		r.setField("receiver", d.pos(n), d.pos(n))
		return
	}
	d.decodeStruct(n, r, what)
}
