package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slo-compiler/slo/internal/outfile"
)

// TestInterruptRemovesTheFilesStaged: a compile interrupted (SIGINT) while
// it has files staged exits with 130 and leaves the output folder as it
// was. The interrupt goes to a copy of the test binary, which stages a
// file, installs the handler slo compile installs and signals itself.
func TestInterruptRemovesTheFilesStaged(t *testing.T) {
	if dir := os.Getenv("SLO_TEST_INTERRUPT_OUT"); dir != "" {
		var s outfile.Stager
		if err := s.Stage(outfile.File{Path: filepath.Join(dir, "rules", "a.yml"), Data: []byte("a\n")}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		if entries, _ := os.ReadDir(dir); len(entries) == 0 {
			fmt.Fprintln(os.Stderr, "nothing staged: the case tests nothing")
			os.Exit(3)
		}
		abortOnInterrupt(&s, os.Stderr)
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		time.Sleep(time.Minute) // the handler exits first
		os.Exit(4)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestInterruptRemovesTheFilesStaged$")
	// The child runs TestMain too, whose testscript.Main makes a
	// testscript-main folder in TMPDIR and removes it on return, which the
	// interrupt's os.Exit skips: TMPDIR is a folder of this test's.
	cmd.Env = append(os.Environ(), "SLO_TEST_INTERRUPT_OUT="+dir, "TMPDIR="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("interrupted: %v, want exit status 130\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "slo: interrupted\n") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("the output folder after the interrupt: %v, %v", entries, err)
	}
}
