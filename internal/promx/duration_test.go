package promx

import (
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// FormatDuration remembers what Prometheus's formatter returned: asked
// twice, and again after it forgets everything, it says what the formatter
// says.
func TestFormatDurationRemembers(t *testing.T) {
	ds := []time.Duration{0, time.Millisecond, 5 * time.Minute, 90 * time.Minute, 28 * 24 * time.Hour, 365 * 24 * time.Hour, -time.Hour, 2*24*time.Hour + 19*time.Hour + 12*time.Minute}
	for range 2 {
		for _, d := range ds {
			if got, want := FormatDuration(d), model.Duration(d).String(); got != want {
				t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
			}
		}
	}
	for i := range maxFormatted + 10 {
		FormatDuration(time.Duration(i) * time.Second)
	}
	if n := formattedCount.Load(); n > maxFormatted {
		t.Errorf("remembers %d durations, more than %d", n, maxFormatted)
	}
	for _, d := range ds {
		if got, want := FormatDuration(d), model.Duration(d).String(); got != want {
			t.Errorf("after forgetting: FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
