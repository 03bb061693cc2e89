package overlay

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slo-compiler/slo/internal/num"
)

// obj is a JSON object whose keys keep their order. Values are obj, arr,
// string, float64, *float64 (nil renders null), bool or nil.
type obj []kv

type kv struct {
	k string
	v any
}

type arr []any

// style is how JSON text is laid out: multi-line with an indent unit, or on
// one line with or without a space after ':' and ','.
type style struct {
	unit   string // indent unit; "" means one line
	spaced bool   // one line: `{"a": 1, "b": 2}` rather than `{"a":1,"b":2}`
}

// encode renders v starting at a line indented by indent.
func (s style) encode(v any, indent string) string {
	var b strings.Builder
	s.write(&b, v, indent)
	return b.String()
}

func (s style) write(b *strings.Builder, v any, indent string) {
	switch v := v.(type) {
	case obj:
		if len(v) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, m := range v {
			s.sep(b, i, indent)
			writeString(b, m.k)
			b.WriteByte(':')
			if s.unit != "" || s.spaced {
				b.WriteByte(' ')
			}
			s.write(b, m.v, indent+s.unit)
		}
		s.close(b, indent)
		b.WriteByte('}')
	case arr:
		if len(v) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range v {
			s.sep(b, i, indent)
			s.write(b, e, indent+s.unit)
		}
		s.close(b, indent)
		b.WriteByte(']')
	case string:
		writeString(b, v)
	case float64:
		b.WriteString(num.Format(v))
	case *float64:
		if v == nil {
			b.WriteString("null")
		} else {
			b.WriteString(num.Format(*v))
		}
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case nil:
		b.WriteString("null")
	default:
		panic(fmt.Sprintf("overlay: cannot render %T", v))
	}
}

func (s style) sep(b *strings.Builder, i int, indent string) {
	if i > 0 {
		b.WriteByte(',')
	}
	switch {
	case s.unit != "":
		b.WriteString("\n" + indent + s.unit)
	case s.spaced && i > 0:
		b.WriteByte(' ')
	}
}

func (s style) close(b *strings.Builder, indent string) {
	if s.unit != "" {
		b.WriteString("\n" + indent)
	}
}

// writeString writes a JSON string the way Grafana and encoding/json do,
// but without escaping <, > and &, which dashboards keep as they are.
func writeString(b *strings.Builder, s string) {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.WriteString(strings.TrimSuffix(buf.String(), "\n"))
}

// thresholdsValue is the JSON form of t.
func thresholdsValue(t Thresholds) obj {
	steps := arr{}
	for _, s := range t.Steps {
		steps = append(steps, obj{{"color", s.Color}, {"value", s.Value}})
	}
	return obj{{"mode", t.Mode}, {"steps", steps}}
}
