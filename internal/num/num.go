// Package num writes numbers the way a person writes them: 0.999, never
// 0.9990000000000001, and never in exponent form.
package num

import (
	"math"
	"strconv"
)

// Round rounds f to 12 significant digits, which removes the noise of
// binary floating point (99.9/100, 14.4*0.001) from values people wrote
// with a few digits.
func Round(f float64) float64 {
	if f == 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 12, 64), 64)
	if err != nil {
		return f
	}
	return r
}

// Format renders f rounded to 12 significant digits, in plain decimal form.
func Format(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(Round(f), 'f', -1, 64)
}
