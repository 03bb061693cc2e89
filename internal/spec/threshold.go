package spec

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Threshold is a latency threshold: a number in the histogram's unit
// ("0.3") or a duration ("300ms"), which is read in seconds.
type Threshold struct {
	Node `yaml:"-"`
	// Value is the threshold in the histogram's unit (seconds for a
	// duration).
	Value float64
	// Text is the scalar as written, for the check that it reads like the
	// le label value it selects.
	Text string
	// Duration is set when the threshold was written as a duration.
	Duration bool
}

func (t *Threshold) decodeYAML(d *decoder, n *yaml.Node, what string) {
	const want = "a number in the histogram's unit (0.3) or a duration (300ms)"
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.typeError(n, what, want)
		return
	}
	t.Text = n.Value
	if n.Tag == "!!int" || n.Tag == "!!float" {
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil {
			d.typeError(n, what, want)
			return
		}
		t.Value = f
		return
	}
	if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
		// Quoted, as an le label value is: the same number.
		t.Value = f
		return
	}
	dur, err := ParseDuration(n.Value)
	if err != nil {
		d.typeError(n, what, want)
		return
	}
	t.Value, t.Duration = dur.Seconds(), true
}
