package promtool

import (
	"fmt"
	"time"

	"github.com/slo-compiler/slo/internal/promx"
	"github.com/slo-compiler/slo/internal/scenario"
)

// groupLimits checks a promtool test group against the limits before
// anything is loaded (loading expands every values string): the
// evaluation and input intervals, the samples of each series and of all of
// them, and the last eval time in evaluation steps. It
// returns the failure message, or "".
func groupLimits(tg *testGroup, evalInterval time.Duration, lim scenario.Limits) string {
	lim = lim.WithDefaults()
	fd, n := promx.FormatDuration, scenario.FormatCount
	if evalInterval < lim.MinInterval {
		return fmt.Sprintf("evaluation_interval: %s between evaluations is shorter than the limit of %s (--%s)", fd(evalInterval), fd(lim.MinInterval), scenario.FlagMinInterval)
	}
	if iv := time.Duration(tg.Interval); iv < lim.MinInterval {
		return fmt.Sprintf("interval: %s between input samples is shorter than the limit of %s (--%s)", fd(iv), fd(lim.MinInterval), scenario.FlagMinInterval)
	}
	total := 0
	for _, s := range tg.InputSeries {
		c := scenario.SampleSlots(s.Values)
		if c > lim.MaxSamples {
			return fmt.Sprintf("input_series: %s: %s samples in one series, more than the limit of %s (--%s)", s.Series, n(c), n(lim.MaxSamples), scenario.FlagMaxSamples)
		}
		total += c
	}
	if total > lim.MaxTotalSamples {
		return fmt.Sprintf("input_series: %s samples in all, more than the limit of %s (--%s)", n(total), n(lim.MaxTotalSamples), scenario.FlagMaxTotalSamples)
	}
	// No length limit: a file evaluated every 100d over 292 years
	// (promtool's own long-period.yml) is cheap; the steps bound the work.
	end := tg.maxEvalTime()
	if steps := int64(end/evalInterval) + 1; steps > int64(lim.MaxSteps) {
		return fmt.Sprintf("eval_time: %s at the evaluation_interval of %s is %s evaluation steps, more than the limit of %s (--%s)", fd(end), fd(evalInterval), n(int(steps)), n(lim.MaxSteps), scenario.FlagMaxSteps)
	}
	return ""
}
