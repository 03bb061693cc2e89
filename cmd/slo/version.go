package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// version describes the running binary from its build info: the module
// version (a tag such as v1.2.0 for go install ...@v1.2.0, a pseudo-version
// or "(devel)" for a build in a checkout), the VCS revision and whether the
// tree had uncommitted changes when the build stamped them, and the Go
// version. It is printed only by slo version and slo --version, never
// written into a generated file, whose bytes must not depend on the build.
func version(bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		return fmt.Sprintf("slo (no build info) %s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, at string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "slo %s", v)
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		fmt.Fprintf(&b, ", commit %s", rev)
		if at != "" {
			fmt.Fprintf(&b, " (%s)", at)
		}
		if modified {
			b.WriteString(", with uncommitted changes")
		}
	}
	fmt.Fprintf(&b, ", built with %s %s/%s", bi.GoVersion, runtime.GOOS, runtime.GOARCH)
	return b.String()
}

func buildVersion() string { return version(debug.ReadBuildInfo()) }
