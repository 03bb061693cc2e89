package main

import "testing"

// TestGCFloorLeavesTheUsersSettingAlone: the compile's GC floor is there
// unless GOGC or GOMEMLIMIT is set, which then rules alone.
func TestGCFloorLeavesTheUsersSettingAlone(t *testing.T) {
	for _, tc := range []struct {
		gogc, limit string
		want        int
	}{
		{"", "", gcFloorBytes},
		{"50", "", 0},
		{"", "100MiB", 0},
	} {
		t.Setenv("GOGC", tc.gogc)
		t.Setenv("GOMEMLIMIT", tc.limit)
		if got := len(gcFloor()); got != tc.want {
			t.Errorf("GOGC=%q GOMEMLIMIT=%q: a floor of %d bytes, want %d", tc.gogc, tc.limit, got, tc.want)
		}
	}
}
