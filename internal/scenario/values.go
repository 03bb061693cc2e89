package scenario

import (
	"fmt"
	"strings"

	"github.com/slo-compiler/slo/internal/num"
)

// values builds a series' values in promtool's expanding notation, one
// segment at a time, counting samples exactly.
type values struct {
	parts []string
	n     int // samples so far
	last  float64
}

// gap adds count missing samples.
func (v *values) gap(count int) *values {
	switch {
	case count <= 0:
	case count == 1:
		v.parts = append(v.parts, "_")
	default:
		v.parts = append(v.parts, fmt.Sprintf("_x%d", count))
	}
	v.n += count
	return v
}

// line adds count samples starting at start and growing by step each.
func (v *values) line(start, step float64, count int) *values {
	if count <= 0 {
		return v
	}
	switch {
	case count == 1:
		v.parts = append(v.parts, num.Format(start))
	case step == 0:
		v.parts = append(v.parts, fmt.Sprintf("%sx%d", num.Format(start), count-1))
	case step > 0:
		v.parts = append(v.parts, fmt.Sprintf("%s+%sx%d", num.Format(start), num.Format(step), count-1))
	default:
		v.parts = append(v.parts, fmt.Sprintf("%s-%sx%d", num.Format(start), num.Format(-step), count-1))
	}
	v.n += count
	v.last = start + step*float64(count-1)
	return v
}

// cont continues a counter from its last value, growing by step for count
// samples.
func (v *values) cont(step float64, count int) *values {
	return v.line(v.last+step, step, count)
}

func (v *values) String() string { return strings.Join(v.parts, " ") }
