package signal

import (
	"fmt"
	"strconv"
	"strings"
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
// Values are written exactly (shortest round-trip form) and the last one
// is accumulated the way the series parser expands a+bxn, one addition at
// a time, so the next segment continues without a tiny counter reset.
func (v *values) line(start, step float64, count int) *values {
	if count <= 0 {
		return v
	}
	switch {
	case count == 1:
		v.parts = append(v.parts, exact(start))
	case step == 0:
		v.parts = append(v.parts, fmt.Sprintf("%sx%d", exact(start), count-1))
	case step > 0:
		v.parts = append(v.parts, fmt.Sprintf("%s+%sx%d", exact(start), exact(step), count-1))
	default:
		v.parts = append(v.parts, fmt.Sprintf("%s-%sx%d", exact(start), exact(-step), count-1))
	}
	v.n += count
	v.last = start
	for range count - 1 {
		v.last += step
	}
	return v
}

func exact(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// cont continues a counter from its last value, growing by step for count
// samples.
func (v *values) cont(step float64, count int) *values {
	return v.line(v.last+step, step, count)
}

func (v *values) String() string { return strings.Join(v.parts, " ") }
