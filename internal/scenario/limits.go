package scenario

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slo-compiler/slo/internal/diag"
	"github.com/slo-compiler/slo/internal/promx"
)

// Limits bound the work one scenario may ask for. They are checked before
// anything is evaluated (a scenario over them is a positioned error, not a
// run that takes minutes and gigabytes), and each names the flag of slo
// test and slo check that raises it.
type Limits struct {
	// MaxLength is the longest a scenario may be: its last sample, eval
	// time or range end, from time zero.
	MaxLength time.Duration
	// MaxSteps is the most rule evaluation steps (length over the rules'
	// evaluation interval, plus one) a scenario may have.
	MaxSteps int
	// MaxSamples is the most samples one input series may have.
	MaxSamples int
	// MaxTotalSamples is the most samples the input series of one scenario
	// may have together.
	MaxTotalSamples int
	// MinInterval is the shortest time between input samples.
	MinInterval time.Duration
}

// DefaultLimits fit every scenario of the repository with room to spare.
// Measured: the longest is 32d1h21m, with 46,162 evaluation steps and
// 46,162 samples in a series (the generated month-boundary scenario of a
// projection to the end of the month, at 1-minute samples); the generated
// baseline scenarios hold about 7.1 days; at most 61,146 samples in a
// scenario. 100 days at one step a minute is 144,001 steps.
var DefaultLimits = Limits{
	MaxLength:       100 * 24 * time.Hour,
	MaxSteps:        150_000,
	MaxSamples:      150_000,
	MaxTotalSamples: 2_000_000,
	MinInterval:     time.Second,
}

// Flag names of the limits, as slo test and slo check spell them.
const (
	FlagMaxLength       = "max-length"
	FlagMaxSteps        = "max-steps"
	FlagMaxSamples      = "max-samples"
	FlagMaxTotalSamples = "max-total-samples"
	FlagMinInterval     = "min-interval"
)

// WithDefaults fills unset (zero) limits from DefaultLimits.
func (l Limits) WithDefaults() Limits { return l.orDefault() }

// orDefault fills unset limits from DefaultLimits.
func (l Limits) orDefault() Limits {
	d := DefaultLimits
	if l.MaxLength > 0 {
		d.MaxLength = l.MaxLength
	}
	if l.MaxSteps > 0 {
		d.MaxSteps = l.MaxSteps
	}
	if l.MaxSamples > 0 {
		d.MaxSamples = l.MaxSamples
	}
	if l.MaxTotalSamples > 0 {
		d.MaxTotalSamples = l.MaxTotalSamples
	}
	if l.MinInterval > 0 {
		d.MinInterval = l.MinInterval
	}
	return d
}

// SampleSlots counts the samples (and gaps, `_`) a values string in
// promtool's expanding notation stands for, without expanding it: `1x3` and
// `0+10x3` are 4, `_x3` is 3 (counted as 4: the limits only need an upper
// bound), `stale`, `_` and a number are 1, a histogram `{{...}}` is 1 and
// `{{...}}x3` 4. A count too large for an int is math.MaxInt.
func SampleSlots(values string) int {
	total := 0
	add := func(n int) {
		if total > math.MaxInt-n {
			total = math.MaxInt
			return
		}
		total += n
	}
	eachToken(values, func(start, end int) { add(tokenSlots(values[start:end])) })
	return total
}

// eachToken calls fn with the bounds of each item of a values string, in
// order: the runs between blanks, a histogram's braces and what is in
// them being one item.
func eachToken(values string, fn func(start, end int)) {
	depth, start := 0, -1
	for i := 0; i < len(values); i++ {
		c := values[i]
		switch {
		case c == '{':
			depth++
		case c == '}':
			depth = max(depth-1, 0)
		case depth == 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			if start >= 0 {
				fn(start, i)
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		fn(start, len(values))
	}
}

// tokenSlots counts one item of the notation: N+1 for an xN, 1 otherwise.
func tokenSlots(tok string) int {
	tail := tok
	if i := strings.LastIndexByte(tok, '}'); i >= 0 {
		tail = tok[i+1:]
	}
	// Every xN counts, the largest: Prometheus expands the first one it
	// reads before it finds what is wrong after it ("0+1x99999999x5"
	// allocates 100 million samples, then fails on "x5").
	slots := 1
	for rest := tail; ; {
		i := strings.IndexByte(rest, 'x')
		if i < 0 {
			return slots
		}
		rest = rest[i+1:]
		j := 0
		for j < len(rest) && '0' <= rest[j] && rest[j] <= '9' {
			j++
		}
		if j == 0 {
			continue
		}
		n, err := strconv.ParseUint(rest[:j], 10, 63)
		if err != nil || n >= math.MaxInt {
			return math.MaxInt
		}
		slots = max(slots, int(n)+1)
	}
}

// CheckSeriesLimits checks what the scenario loader must know before it
// parses values strings (which expands them): the samples of one series.
func CheckSeriesLimits(pos diag.Pos, values string, lim Limits) (diag.Diagnostic, bool) {
	lim = lim.orDefault()
	n := SampleSlots(values)
	if n <= lim.MaxSamples {
		return diag.Diagnostic{}, false
	}
	return limitDiag(pos, "input_series: values: %s samples in one series, more than the limit of %s (--%s)",
		count(n), count(lim.MaxSamples), FlagMaxSamples), true
}

// CheckTotalSamples checks, from their notation (not expanded), the samples
// of a test group's input series together, given their values strings; the
// diagnostic is the one OverLimits gives, at the group's position.
func CheckTotalSamples(pos diag.Pos, values []string, lim Limits) (diag.Diagnostic, bool) {
	lim = lim.orDefault()
	n := 0
	for _, v := range values {
		n = addSaturating(n, SampleSlots(v))
	}
	if n <= lim.MaxTotalSamples {
		return diag.Diagnostic{}, false
	}
	return totalDiag(pos, "", n, lim), true
}

func totalDiag(pos diag.Pos, prefix string, n int, lim Limits) diag.Diagnostic {
	return limitDiag(pos, "%sinput_series: %s samples in all, more than the limit of %s (--%s)",
		prefix, count(n), count(lim.MaxTotalSamples), FlagMaxTotalSamples)
}

// addSaturating is a + b for non-negative counts, math.MaxInt when that
// overflows.
func addSaturating(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// CheckInterval checks the time between input samples.
func CheckInterval(pos diag.Pos, field string, iv time.Duration, lim Limits) (diag.Diagnostic, bool) {
	lim = lim.orDefault()
	if iv >= lim.MinInterval {
		return diag.Diagnostic{}, false
	}
	return limitDiag(pos, "%s: %s between input samples is shorter than the limit of %s (--%s)",
		field, promx.FormatDuration(iv), promx.FormatDuration(lim.MinInterval), FlagMinInterval), true
}

// LimitCode is the diagnostic code of every limit.
const LimitCode = "scenario/limit"

func limitDiag(pos diag.Pos, format string, args ...any) diag.Diagnostic {
	return diag.Diagnostic{Pos: pos, Severity: diag.Error, Code: LimitCode, Message: fmt.Sprintf(format, args...)}
}

// FormatCount writes n with thousands separators ("1,000,000,001"), as
// the limit errors do.
func FormatCount(n int) string { return count(n) }

// count writes n with thousands separators ("1,000,000,001").
func count(n int) string {
	if n == math.MaxInt {
		return "more than " + count(math.MaxInt/10*10)
	}
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Extent is how long a scenario is and what makes it that long.
type Extent struct {
	// End is the last time the scenario reads: its last input sample,
	// eval time or range end.
	End time.Duration
	// Pos and What are where that time is written and what it is
	// ("never_fires: to 292y").
	Pos  diag.Pos
	What string
	// Samples counts the samples of every input series.
	Samples int
	// SeriesSamples is the largest sample count of one series, at SeriesPos.
	SeriesSamples int
	SeriesPos     diag.Pos
}

// Measure returns the scenario's extent, from the notation of its series
// (not expanded) and its assertions.
func Measure(s *Scenario) Extent {
	var e Extent
	d := promx.FormatDuration
	set := func(t time.Duration, pos, field diag.Pos, what string) {
		if field.File != "" {
			pos = field
		}
		if t > e.End || e.What == "" {
			e.End, e.Pos, e.What = t, pos, what
		}
	}
	for _, se := range s.Series {
		n := SampleSlots(se.Values)
		e.Samples = addSaturating(e.Samples, n)
		if n > e.SeriesSamples {
			e.SeriesSamples, e.SeriesPos = n, se.Pos
		}
		last := time.Duration(math.MaxInt64)
		if n > 0 && s.Interval > 0 && int64(n-1) <= math.MaxInt64/int64(s.Interval) {
			last = time.Duration(n-1) * s.Interval
		}
		set(last, se.Pos, se.ValuesPos, fmt.Sprintf("input_series: %s samples %s apart end at %s", count(n), d(s.Interval), d(last)))
	}
	for _, a := range s.Alerts {
		set(a.At, a.Pos, a.TimePos, "eval_time: "+d(a.At))
	}
	for _, q := range s.Queries {
		set(q.At, q.Pos, q.TimePos, "eval_time: "+d(q.At))
	}
	for _, r := range s.Ranges {
		to, what := r.To, ""
		switch r.Kind {
		case NeverFires:
			what = "never_fires: to " + d(r.To)
		case AlwaysFires:
			what = "always_fires: to " + d(r.To)
		case FiresWithin:
			what = "fires_within: ends at " + d(r.To)
		case ResolvedBy:
			what = "resolved_by: " + d(r.To)
		case PendingThenFires:
			to += r.For
			what = fmt.Sprintf("firing after for: %s ends at %s", d(r.For), d(to))
		}
		if to < r.To { // overflow
			to = time.Duration(math.MaxInt64)
		}
		set(to, r.Pos, r.TimePos, what)
	}
	return e
}

// CheckLimits checks a scenario against the limits, given the rules'
// evaluation interval, and returns the diagnostics of every limit it is
// over. The per-series sample limit and the input interval of hand-written
// scenarios are checked by the loader (FromSpec), at their fields; here
// they are checked again for generated scenarios.
func CheckLimits(s *Scenario, evalInterval time.Duration, lim Limits) diag.List {
	var out diag.List
	for _, o := range OverLimits(s, evalInterval, lim) {
		out = append(out, o.Diagnostic)
	}
	return out
}

// Over is a limit a scenario is over: its diagnostic and the flag that
// sets the limit (FlagMaxSamples, ...).
type Over struct {
	diag.Diagnostic
	Flag string
}

// OverLimits is CheckLimits with the flag of each limit.
func OverLimits(s *Scenario, evalInterval time.Duration, lim Limits) []Over {
	lim = lim.orDefault()
	var out []Over
	e := Measure(s)
	where := func(pos diag.Pos) diag.Pos {
		if pos.File == "" {
			return s.Pos
		}
		return pos
	}
	prefix := ""
	if s.Generated {
		prefix = "generated scenario " + strconv.Quote(s.Name) + ": "
	}
	if s.Generated && s.Interval > 0 && s.Interval < lim.MinInterval {
		d, _ := CheckInterval(s.Pos, "interval", s.Interval, lim)
		d.Message = prefix + d.Message
		out = append(out, Over{d, FlagMinInterval})
	}
	if s.Generated && e.SeriesSamples > lim.MaxSamples {
		out = append(out, Over{limitDiag(where(e.SeriesPos), "%sinput_series: values: %s samples in one series, more than the limit of %s (--%s)",
			prefix, count(e.SeriesSamples), count(lim.MaxSamples), FlagMaxSamples), FlagMaxSamples})
	}
	if e.Samples > lim.MaxTotalSamples {
		out = append(out, Over{totalDiag(s.Pos, prefix, e.Samples, lim), FlagMaxTotalSamples})
	}
	fd := promx.FormatDuration
	steps := int64(0)
	if evalInterval > 0 {
		steps = int64(e.End/evalInterval) + 1
	}
	switch {
	case s.Generated && e.End > lim.MaxLength:
		out = append(out, Over{limitDiag(s.Pos, "%sit is %s long (it holds the signal for the alert's for and keep_firing_for after its windows fill), longer than the limit of %s (--%s)",
			prefix, fd(e.End), fd(lim.MaxLength), FlagMaxLength), FlagMaxLength})
	case e.End > lim.MaxLength:
		out = append(out, Over{limitDiag(where(e.Pos), "%s: the scenario is %s long, longer than the limit of %s (--%s)",
			e.What, fd(e.End), fd(lim.MaxLength), FlagMaxLength), FlagMaxLength})
	case s.Generated && steps > int64(lim.MaxSteps):
		out = append(out, Over{limitDiag(s.Pos, "%sit is %s long, at the rules' evaluation interval of %s %s evaluation steps, more than the limit of %s (--%s)",
			prefix, fd(e.End), fd(evalInterval), count(int(steps)), count(lim.MaxSteps), FlagMaxSteps), FlagMaxSteps})
	case steps > int64(lim.MaxSteps):
		out = append(out, Over{limitDiag(where(e.Pos), "%s: at the rules' evaluation interval of %s that is %s evaluation steps, more than the limit of %s (--%s)",
			e.What, fd(evalInterval), count(int(steps)), count(lim.MaxSteps), FlagMaxSteps), FlagMaxSteps})
	}
	return out
}

// CutSlots returns values with every sample from slot n on cut away where
// that can be done without expanding anything and without changing what
// the first n slots hold, what fails to parse, or where: the xN of the
// token that crosses slot n is lowered so that it ends there, and so is
// every later xN (to x0, one slot each), each count padded with spaces to
// its old width so that parse errors keep their columns. A values string
// with a token it does not know before slot n (a histogram, a sign or
// notation not plainly written) is returned unchanged, as are tokens after
// slot n that it does not know.
//
// promtool loads an input sample only when an evaluation reaches its time,
// so a test group never sees samples after its last eval_time; cutting
// them lets `0x10000000` with an eval_time of 50m take 51 samples, not
// ten million, and stay under --max-samples.
func CutSlots(values string, n int) string {
	if n < 0 {
		return values
	}
	b := []byte(values)
	at := 0 // slots before the current token
	ok := true
	eachToken(values, func(start, end int) {
		if !ok {
			return
		}
		tok := values[start:end]
		m := cuttable.FindStringSubmatchIndex(tok)
		switch {
		case m != nil:
			cnt, err := strconv.Atoi(tok[m[2]:m[3]])
			if err != nil || cnt == math.MaxInt {
				// Past uint64 the parser refuses the count, and a
				// lower one would parse; nor can it expand one this
				// large. Left as written; before slot n, all is.
				ok = at >= n
				break
			}
			slots := cnt + 1
			if tok[0] == '_' {
				slots = cnt
			}
			if at >= n || slots > n-at {
				keep := max(n-at, 1) // slots this token keeps
				want := keep - 1
				if tok[0] == '_' {
					want = keep
				}
				if want < cnt {
					d := strconv.Itoa(want)
					i := start + m[2]
					copy(b[i:], d)
					for j := i + len(d); j < start+m[3]; j++ {
						b[j] = ' '
					}
				}
				slots = keep
			}
			at += slots
		case at < n && (tok == "_" || tok == "stale" || number.MatchString(tok)):
			at++
		case at < n:
			ok = false // Not sure how many slots it takes.
		}
	})
	if !ok {
		return values
	}
	return string(b)
}

// The notation CutSlots knows: a plain decimal number, and a repetition
// of one, of `_`, or of a number plus or minus one (whose count is group
// 1).
var (
	number   = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)
	cuttable = regexp.MustCompile(`^(?:_|-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?(?:[-+][0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)?)x([0-9]+)$`)
)
