package num

import "testing"

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{99.9 / 100, "0.999"},
		{1 - 0.999, "0.001"},
		{14.4 * (1 - 0.999), "0.0144"},
		{0.02 * 720, "14.4"},
		{100, "100"},
		{-0.2, "-0.2"},
		{15000, "15000"},
		{1e-7, "0.0000001"},
		{0, "0"},
		{2.0 / 3, "0.666666666667"},
	} {
		if got := Format(tc.in); got != tc.want {
			t.Errorf("Format(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
