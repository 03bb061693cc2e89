package backtest

import (
	"fmt"
	"io"
	"time"
)

// progress writes a line at most every progressEvery on long runs: the
// queries sent and the evaluation steps done. Nothing is written for runs
// shorter than that.
type progress struct {
	w       io.Writer
	start   time.Time
	last    time.Time
	total   int // queries expected
	queries int
	steps   int
	nsteps  int
	printed bool
}

var progressEvery = 2 * time.Second

func newProgress(w io.Writer) *progress {
	now := time.Now()
	return &progress{w: w, start: now, last: now}
}

func (p *progress) due() bool {
	if p.w == nil {
		return false
	}
	if now := time.Now(); now.Sub(p.last) >= progressEvery {
		p.last = now
		return true
	}
	return false
}

// step counts one query about to be sent for what.
func (p *progress) step(what string) {
	p.queries++
	if p.due() {
		p.printed = true
		fmt.Fprintf(p.w, "slo backtest: query %d of about %d: %s\n", p.queries, max(p.total, p.queries), what)
	}
}

// phase starts the evaluation of n steps.
func (p *progress) phase(n int) { p.nsteps = n }

func (p *progress) tick() {
	p.steps++
	if p.due() {
		p.printed = true
		fmt.Fprintf(p.w, "slo backtest: evaluated %d of %d steps\n", p.steps, p.nsteps)
	}
}

func (p *progress) done() {
	if p.printed {
		fmt.Fprintf(p.w, "slo backtest: done: %d queries, %d steps in %s\n", p.queries, p.steps, time.Since(p.start).Round(time.Second))
	}
}
