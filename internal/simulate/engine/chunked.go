package engine

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"
)

// span is the steps start, start+step, ... end of one range query.
type span struct {
	start, end time.Time
	step       time.Duration
}

func (sp span) steps() int { return int(sp.end.Sub(sp.start)/sp.step) + 1 }

// minPartSteps is the fewest steps of a part of a split range query: a
// part loads each selector's window at its first step, which the steps
// of a range query otherwise mostly reuse from the step before.
const minPartSteps = 16

// openSessions counts the Sessions open in the process: each is a test
// group being evaluated on a goroutine of its own (slo test runs as many
// side by side as there are processors).
var openSessions atomic.Int64

// helpers is how many goroutines a range query may add to its own: one per
// processor that no open Session keeps busy. Splitting a query costs some
// CPU time (each part loads its windows at its first step), which pays
// only where a processor would otherwise idle: a scenario run alone, or
// the last ones of slo test.
func helpers() int {
	return max(0, runtime.GOMAXPROCS(0)-int(max(openSessions.Load(), 1)))
}

// split deals the steps of each span of at least minPartSteps*parts steps
// out to parts interleaved spans (steps i, i+parts, i+2*parts, ... of the
// span for part i), so that parts cost the same even where the cost of a
// step grows along the span (windows that start at the test's start).
// Spans with fewer steps stay whole.
func split(spans []span, parts int) []span {
	if parts <= 1 {
		return spans
	}
	var out []span
	for _, sp := range spans {
		n := sp.steps()
		if n < minPartSteps*parts {
			out = append(out, sp)
			continue
		}
		step := sp.step * time.Duration(parts)
		for i := range parts {
			count := (n - i + parts - 1) / parts
			start := sp.start.Add(time.Duration(i) * sp.step)
			out = append(out, span{start: start, end: start.Add(time.Duration(count-1) * step), step: step})
		}
	}
	return out
}

// rangeQueries evaluates expr over the steps of spans with range queries
// and returns their results merged (see mergeMatrices), or the error of
// the first query (in the order of split's spans) that failed. Where a
// processor is free (see helpers) it splits the spans and runs the parts
// side by side.
//
// A range query evaluates the same instant evaluation at each of its
// steps, independently of its other steps (the rules it is used for read
// no @ start() or end(), see plan/materialize.go; subquery steps are
// aligned to absolute time), so the union of the parts' results is the
// whole's. Only the sample limit differs: it applies per query, so parts
// exceed it less often than the whole; either way a query that fails makes
// the group run exhaustively, where promtool's verdict is reported.
func rangeQueries(ctx context.Context, engine *promql.Engine, q storage.Queryable, expr string, spans []span) (promql.Matrix, error) {
	return rangeQueriesOn(ctx, engine, q, expr, spans, 1+helpers())
}

// rangeQueriesOn is rangeQueries on workers goroutines.
func rangeQueriesOn(ctx context.Context, engine *promql.Engine, q storage.Queryable, expr string, spans []span, workers int) (promql.Matrix, error) {
	parts := split(spans, workers)
	mats := make([]promql.Matrix, len(parts))
	errs := make([]error, len(parts))
	run := func(i int) {
		p := parts[i]
		mats[i], errs[i] = rangeQuery(ctx, engine, q, expr, p.start, p.end, p.step)
	}
	if workers == 1 || len(parts) == 1 {
		for i := range parts {
			run(i)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(workers, len(parts)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1) - 1); i < len(parts); i = int(next.Add(1) - 1) {
					run(i)
				}
			}()
		}
		wg.Wait()
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return mergeMatrices(mats), nil
}
