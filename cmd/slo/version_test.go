package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestVersion(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{
			name: "go install of a tag: no VCS stamps",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/slo-compiler/slo", Version: "v1.2.0"}},
			want: "slo v1.2.0, built with go1.26.8 " + platform,
		},
		{
			name: "a build in a checkout with changes",
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261201163512-768a8b5c1234+dirty"}, Settings: []debug.BuildSetting{
				{Key: "vcs", Value: "git"},
				{Key: "vcs.revision", Value: "768a8b5c1234567890abcdef1234567890abcdef"},
				{Key: "vcs.time", Value: "2026-12-01T16:35:12Z"},
				{Key: "vcs.modified", Value: "true"},
			}},
			want: "slo v0.0.0-20261201163512-768a8b5c1234+dirty, commit 768a8b5c1234 (2026-12-01T16:35:12Z), with uncommitted changes, built with go1.26.8 " + platform,
		},
		{
			name: "no version",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8"},
			want: "slo (devel), built with go1.26.8 " + platform,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := version(tc.bi, true); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
