package backtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Checkout makes the project at base readable as a folder: base is a
// folder holding a project (returned as is), or a git revision of the
// repository holding the working directory, whose tree is extracted with
// `git archive REV | tar -x` into a temporary folder. It returns the
// folder that stands for the repository's current directory there, and a
// cleanup.
//
// This is a small stand-in for the revision loader of slo diff (issue 13
// item 1), which is built elsewhere; it can be swapped for that one.
func Checkout(base string) (dir string, cleanup func(), err error) {
	if fi, err := os.Stat(base); err == nil && fi.IsDir() {
		return base, func() {}, nil
	}
	var stderr bytes.Buffer
	cmd := exec.Command("git", "rev-parse", "--verify", "--quiet", base+"^{commit}")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", nil, fmt.Errorf("--base %s: neither a folder nor a git revision of this repository", base)
	}
	prefix, err := exec.Command("git", "rev-parse", "--show-prefix").Output()
	if err != nil {
		return "", nil, fmt.Errorf("--base %s: git rev-parse --show-prefix: %v", base, err)
	}
	tmp, err := os.MkdirTemp("", "slo-base-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("--base %s: git rev-parse --show-toplevel: %v", base, err)
	}
	archive := exec.Command("git", "-C", strings.TrimSpace(string(top)), "archive", "--format=tar", base)
	untar := exec.Command("tar", "-x", "-C", tmp)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		cleanup()
		return "", nil, err
	}
	untar.Stdin = pipe
	var aerr, terr bytes.Buffer
	archive.Stderr, untar.Stderr = &aerr, &terr
	if err := untar.Start(); err != nil {
		cleanup()
		return "", nil, err
	}
	if err := archive.Run(); err != nil {
		_ = untar.Wait()
		cleanup()
		return "", nil, fmt.Errorf("--base %s: git archive: %v: %s", base, err, strings.TrimSpace(aerr.String()))
	}
	if err := untar.Wait(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("--base %s: tar: %v: %s", base, err, strings.TrimSpace(terr.String()))
	}
	return filepath.Join(tmp, strings.TrimSpace(string(prefix))), cleanup, nil
}
