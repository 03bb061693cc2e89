package main

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"slo": func() { os.Exit(run(os.Args, os.Stdout, os.Stderr)) },
		// want-exit N ARGS... runs slo ARGS and succeeds only when it exits
		// with code N, so scripts can tell problems (1) from failures (2).
		"want-exit": func() {
			want, err := strconv.Atoi(os.Args[1])
			if err != nil {
				fmt.Fprintln(os.Stderr, "want-exit: first argument must be the exit code")
				os.Exit(100)
			}
			args := append([]string{"slo"}, os.Args[2:]...)
			if got := run(args, os.Stdout, os.Stderr); got != want {
				fmt.Fprintf(os.Stderr, "want-exit: slo exited %d, want %d\n", got, want)
				os.Exit(100)
			}
		},
	})
}

// TestScripts runs the CLI scripts in testdata/script: each is a txtar
// archive of input files and the commands to run on them.
//
// The scripts share one read-back cache folder of the test's own (HOME is
// a folder that does not exist in a script, so the user cache folder is
// not one to write).
func TestScripts(t *testing.T) {
	cache := t.TempDir()
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: false,
		Setup: func(env *testscript.Env) error {
			env.Setenv("SLO_CACHE", cache)
			passGOGC(env)
			return nil
		},
	})
}

// passGOGC hands the test's GOGC on to the commands a script runs:
// testscript gives them a few variables of its own, and make test sets
// GOGC to spend less CPU on collecting.
func passGOGC(env *testscript.Env) {
	if v := os.Getenv("GOGC"); v != "" {
		env.Setenv("GOGC", v)
	}
}
