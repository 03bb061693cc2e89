// Command maxrss runs a command and reports its wall time, peak resident set
// size and CPU times, like GNU time's -f '%e %M %U %S', for systems without
// /usr/bin/time:
//
//	go build -o maxrss ./scripts/maxrss
//	./maxrss [-o FILE] CMD [ARG...]
//
// The command inherits stdin, stdout and stderr. When it has exited, maxrss
// writes one line "WALL_SECONDS PEAK_RSS_KIB USER_SECONDS SYS_SECONDS" to
// FILE (default: stderr) and exits with the command's exit code (2 if it
// could not be started, 1 if it was killed by a signal). Build it rather
// than use go run, which replaces the command's exit code with 1.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

func main() {
	out := flag.String("o", "", "write the measurement to `FILE` instead of stderr")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: maxrss [-o FILE] CMD [ARG...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		fmt.Fprintln(os.Stderr, "maxrss:", err)
		os.Exit(2)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		fmt.Fprintln(os.Stderr, "maxrss: no resource usage on", runtime.GOOS)
		os.Exit(2)
	}
	// Linux and the BSDs give ru_maxrss in KiB, Darwin in bytes.
	kib := int64(ru.Maxrss)
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		kib /= 1024
	}
	var w io.Writer = os.Stderr
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "maxrss:", err)
			os.Exit(2)
		}
		w = f
	}
	user := time.Duration(ru.Utime.Nano())
	sys := time.Duration(ru.Stime.Nano())
	_, werr := fmt.Fprintf(w, "%.3f %d %.3f %.3f\n", wall.Seconds(), kib, user.Seconds(), sys.Seconds())
	if c, ok := w.(io.Closer); ok && w != os.Stderr {
		werr = errors.Join(werr, c.Close())
	}
	if werr != nil {
		fmt.Fprintln(os.Stderr, "maxrss:", werr)
		os.Exit(2)
	}
	code := cmd.ProcessState.ExitCode()
	if code < 0 {
		code = 1 // killed by a signal
	}
	os.Exit(code)
}
