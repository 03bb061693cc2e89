// Package model is the typed domain of slo: services, their SLOs and alerts,
// signals and routing, with every default applied and every value checked.
// It knows neither YAML nor Prometheus and does no I/O; positions are kept
// only so that later lints can point at the spec.
package model

import (
	"time"

	"github.com/slo-compiler/slo/internal/diag"
)

// Severity is an alert severity. Alerts are routed on it.
type Severity string

// The severities slo knows, most severe first.
const (
	Critical Severity = "critical"
	Warning  Severity = "warning"
	Info     Severity = "info"
)

// Severities lists the severities most severe first.
var Severities = []Severity{Critical, Warning, Info}

// Project is everything compiled together: the services and the routing.
type Project struct {
	Services []*Service
	// Routing is nil when no routing document was given.
	Routing *Routing
}

// Service is one service's SLOs and alerts, from one spec document.
type Service struct {
	Name string
	Team string
	// TeamPos is where team is written.
	TeamPos diag.Pos
	// Source is the spec file the service was read from, as given.
	Source     string
	Labels     map[string]string
	RunbookURL string
	// Interval is the evaluation interval of the service's rule groups.
	Interval time.Duration
	SLOs     []*SLO
	Alerts   []*Alert
	Pos      diag.Pos
}

// SLO is an objective on an error ratio over a period.
type SLO struct {
	Name        string
	Description string
	// Objective is the target success ratio in (0, 1), e.g. 0.999.
	Objective float64
	Period    time.Duration
	SLI       SLI
	Labels    map[string]string
	Alerting  SLOAlerting
	Panel     *Panel
	Pos       diag.Pos
}

// ErrorBudget is the share of events allowed to fail: 1 - Objective.
func (s *SLO) ErrorBudget() float64 { return 1 - s.Objective }

// SLI measures an error ratio. Either Total with Bad or Good is set (counter
// selectors), or ErrorRatio is (an expression with the {{.window}}
// placeholder), or Latency is. A latency SLI on a classic histogram also
// sets Good (the bucket at the threshold) and Total (the count), so that it
// compiles as a ratio; on a native histogram only Latency is set.
type SLI struct {
	Bad, Good, Total string
	ErrorRatio       string
	By               []string
	// Latency is nil unless the SLI is the share of requests slower than
	// a threshold.
	Latency *Latency
}

// Latency is the share of requests slower than Threshold, from a
// histogram.
type Latency struct {
	// Histogram is the selector of the histogram's series with no suffix:
	// the native histogram itself, or the name its classic _bucket and
	// _count series extend.
	Histogram string
	Threshold float64
	// Native says the histogram is native (histogram_fraction) rather
	// than classic (Bucket over Count).
	Native bool
	// Bucket and Count are the classic histogram's series selectors: the
	// bucket whose le is the threshold, and the count of all requests.
	Bucket, Count string
}

// WindowPlaceholder is replaced by a range ("5m") in SLI ErrorRatio
// expressions.
const WindowPlaceholder = "{{.window}}"

// SLOAlerting is the multi-window multi-burn-rate alerting of an SLO.
type SLOAlerting struct {
	// Name is the alert name shared by the page and ticket alerts.
	Name        string
	Summary     string
	Description string
	RunbookURL  string
	Labels      map[string]string
	// Page and Ticket are nil when disabled.
	Page, Ticket *BurnAlert
}

// BurnAlert is one alerting rule: fires when any window pair burns too fast.
type BurnAlert struct {
	Severity      Severity
	For           time.Duration
	KeepFiringFor time.Duration
	Windows       []BurnWindow
}

// BurnWindow fires when the error ratio over both Long and Short exceeds
// Factor times the error budget.
type BurnWindow struct {
	Long, Short time.Duration
	Factor      float64
	Pos         diag.Pos
}

// Direction says on which side of its thresholds an alert fires.
type Direction int

const (
	// Above fires when the signal is greater than the threshold.
	Above Direction = iota
	// Below fires when the signal is less than the threshold.
	Below
	// Condition fires when the signal has any value (status signals).
	Condition
)

// Alert is a threshold alert on a signal.
type Alert struct {
	Name        string
	Summary     string
	Description string
	RunbookURL  string
	Signal      Signal
	Direction   Direction
	// Levels holds one entry per severity, most severe first.
	Levels []Level
	Labels map[string]string
	// Record is the name of the recording rule holding the signal.
	Record string
	// OnAbsent is what the alert does when its input is absent.
	OnAbsent OnAbsent
	Panel    *Panel
	// Inhibits is nil unless the alert mutes others while it fires.
	Inhibits *Inhibits
	Pos      diag.Pos
}

// Past says whether a value is past a threshold in direction d.
func Past(d Direction, value, threshold float64) bool {
	switch d {
	case Above:
		return value > threshold
	case Below:
		return value < threshold
	}
	return true
}

// OnAbsent is what an alert does when the series its signal reads are
// absent.
type OnAbsent int

const (
	// AbsentDefault: the signal's own meaning decides (an absent counter of
	// increase or uptime counts as no events or down; others go silent).
	AbsentDefault OnAbsent = iota
	// AbsentFire: the alert fires while the input is absent.
	AbsentFire
	// AbsentSilent: the alert stays silent on purpose.
	AbsentSilent
)

// Inhibits mutes Alerts (of Severities, or every severity when empty) while
// the alert fires, where the Equal labels match.
type Inhibits struct {
	Alerts     []string
	Severities []Severity
	Equal      []string
	Pos        diag.Pos
}

// Level is one severity of an alert.
type Level struct {
	Severity      Severity
	Threshold     float64
	For           time.Duration
	KeepFiringFor time.Duration
	Pos           diag.Pos
}

// Panel names the dashboard panel that shows a signal.
type Panel struct {
	Dashboard string
	Title     string
	ID        int
	Metric    string
	Pos       diag.Pos
}

// Signal is what an alert watches; one of the *Signal types below. Each
// kind's checks, records and scenarios are in package signal, one file per
// kind, found by Kind().
type Signal interface {
	// Kind is the spec field of the signal's kind ("ratio").
	Kind() string
	// Labels returns the labels the signal's series carry, when known.
	Labels() (labels []string, known bool)
}

// ExprSignal is any PromQL instant vector expression.
type ExprSignal struct {
	Expr string
	// By is the output labels, when they could be read off the expression.
	By      []string
	ByKnown bool
}

// RatioSignal is bad (or total minus good) over total, as rates. With
// Bad and Good and no Total, total is bad plus good, and a group that has
// only one of the two counters still counts.
type RatioSignal struct {
	Bad, Good, Total string
	By               []string
	Window           time.Duration
	// MinTotal is the traffic floor: the ratio is judged only where at
	// least this many events were counted in Window. Zero means no floor.
	MinTotal float64
}

// QuantileSignal is a quantile of a classic or a native histogram.
type QuantileSignal struct {
	// Bucket is the selector of the _bucket series, or of the native
	// histogram when Native.
	Bucket   string
	Quantile float64
	Native   bool
	By       []string
	Window   time.Duration
}

// LatencySignal is the share of requests slower than a threshold over
// Window, per By group, with an optional traffic floor as in RatioSignal.
type LatencySignal struct {
	Latency
	By       []string
	Window   time.Duration
	MinTotal float64
}

// UptimeSignal is the share of Window that a 0/1 series was 1: at each
// evaluation the group is up when any of its series is 1, and down when
// none is or (for groups the selector fixes) when no series matches.
type UptimeSignal struct {
	Selector string
	By       []string
	Window   time.Duration
	// FixedLabels are the labels the selector's equality matchers fix,
	// which absent() gives its output.
	FixedLabels []string
}

// StatusSignal is a component whose series is 0 (or, with UpValues, any
// value but those), or absent when Absent.
type StatusSignal struct {
	// By aggregates: a group is down when none of its series is up.
	By []string
	// UpValues are the values that mean up, when given; otherwise any
	// value but 0 does. With StateLabel, UpStates are the values of that
	// label whose one-hot series being 1 means up.
	UpValues   []float64
	StateLabel string
	UpStates   []string
	// UpSelector is Selector narrowed to the up states, with StateLabel.
	UpSelector string
	Selector   string
	Absent     bool
	// AbsentLabels are the labels absent() gives its output.
	AbsentLabels []string
}

// IncreaseSignal counts the events of a counter over Window.
type IncreaseSignal struct {
	Counter string
	By      []string
	Window  time.Duration
	// FixedLabels are the labels the counter selector's equality matchers
	// fix.
	FixedLabels []string
}

// ChangeSignal is (x - x offset Offset) / x offset Offset, of an
// expression (Expr) or of a counter's increase over Window (Counter).
type ChangeSignal struct {
	Expr    string
	Counter string
	Window  time.Duration
	Offset  time.Duration
	By      []string
	ByKnown bool
}

// BaselineSignal is x / avg_over_time(x[Window]).
type BaselineSignal struct {
	Expr    string
	Window  time.Duration
	By      []string
	ByKnown bool
}

// ProjectionSignal is where a counter (from its rate) or a gauge (from
// predict_linear) will be after Horizon; with MonthEnd, the month's total
// at the end of the calendar month (UTC) of a counter or of a
// month-to-date gauge.
type ProjectionSignal struct {
	Series   string
	Counter  bool
	By       []string
	Window   time.Duration
	Horizon  time.Duration
	MonthEnd bool
}

// Kind implements Signal.
func (*ExprSignal) Kind() string       { return "expr" }
func (*RatioSignal) Kind() string      { return "ratio" }
func (*QuantileSignal) Kind() string   { return "quantile" }
func (*LatencySignal) Kind() string    { return "latency" }
func (*UptimeSignal) Kind() string     { return "uptime" }
func (*StatusSignal) Kind() string     { return "status" }
func (*IncreaseSignal) Kind() string   { return "increase" }
func (*ChangeSignal) Kind() string     { return "change" }
func (*BaselineSignal) Kind() string   { return "baseline" }
func (*ProjectionSignal) Kind() string { return "projection" }

// Labels implements Signal.
func (s *ExprSignal) Labels() ([]string, bool)       { return s.By, s.ByKnown }
func (s *RatioSignal) Labels() ([]string, bool)      { return s.By, true }
func (s *QuantileSignal) Labels() ([]string, bool)   { return s.By, true }
func (s *LatencySignal) Labels() ([]string, bool)    { return s.By, true }
func (s *UptimeSignal) Labels() ([]string, bool)     { return s.By, true }
func (s *StatusSignal) Labels() ([]string, bool)     { return s.By, len(s.By) > 0 }
func (s *IncreaseSignal) Labels() ([]string, bool)   { return s.By, true }
func (s *ChangeSignal) Labels() ([]string, bool)     { return s.By, s.ByKnown }
func (s *BaselineSignal) Labels() ([]string, bool)   { return s.By, s.ByKnown }
func (s *ProjectionSignal) Labels() ([]string, bool) { return s.By, true }

// Routing maps teams, labels and alerts to receivers.
type Routing struct {
	Source string
	// DefaultReceiver takes slo's alerts no team route matches; "" (allowed
	// when the base config has a route) leaves them to the base's root
	// receiver.
	DefaultReceiver    string
	DefaultReceiverPos diag.Pos
	// TeamsInvalid is set when routing.teams was written with a value the
	// decoder refused (and reported): no team is then reported as unrouted.
	TeamsInvalid   bool
	GroupBy        []string
	GroupWait      time.Duration
	GroupInterval  time.Duration
	RepeatInterval time.Duration
	// Position is where the generated subtree goes among the base route's
	// children.
	Position Position
	// Alerts overrides the route of single alerts, sorted by name.
	Alerts []AlertRoute
	// Routes route by label matchers, before the team routes.
	Routes []LabelRoute
	// Teams is sorted by name.
	Teams []TeamRoute
	// Base is the content of the user's base Alertmanager config, or nil.
	Base     []byte
	BasePath string
	// BasePos is where routing.base is written.
	BasePos diag.Pos
	// BaseReceivers are the receivers the base config defines.
	BaseReceivers []string
	// BaseRoute is set when the base config has a route tree of its own:
	// slo's routes are then merged into it as a subtree.
	BaseRoute *BaseRoute
	// BaseTimeIntervals are the time intervals the base config defines
	// (time_intervals and mute_time_intervals).
	BaseTimeIntervals []string
}

// BaseRoute describes the root route of the base config.
type BaseRoute struct {
	Receiver string
	// Children are the receivers of its child routes, in order ("" when a
	// child names none).
	Children []string
	// Matchers[i] are child i's match, match_re and matchers, as
	// Alertmanager matchers (`severity="critical"`); Continue[i] is its
	// continue.
	Matchers [][]string
	Continue []bool
}

// CatchAll reports whether child i matches every alert and does not
// continue, so that no later sibling is ever reached.
func (b *BaseRoute) CatchAll(i int) bool {
	return !b.Continue[i] && len(b.Matchers[i]) == 0
}

// Position places the generated subtree among the base route's children.
type Position struct {
	// Where is "first" (the zero value means first), "last", "before" or
	// "after".
	Where string
	// Receiver names the base child route, for before and after.
	Receiver string
	Pos      diag.Pos
}

// Index returns where the subtree goes among the base route's children.
func (p Position) Index(b *BaseRoute) int {
	if b == nil {
		return 0
	}
	switch p.Where {
	case "last":
		return len(b.Children)
	case "before", "after":
		for i, r := range b.Children {
			if r == p.Receiver {
				if p.Where == "after" {
					return i + 1
				}
				return i
			}
		}
	}
	return 0
}

// Route is where a set of alerts goes, and when.
type Route struct {
	Receiver            string
	MuteTimeIntervals   []string
	ActiveTimeIntervals []string
	// MutePos and ActivePos are where the two lists are written.
	MutePos, ActivePos diag.Pos
	RepeatInterval     time.Duration
	Continue           bool
	Pos                diag.Pos
}

// AlertRoute overrides the route of one alert.
type AlertRoute struct {
	Alert string
	Route
}

// LabelRoute routes the alerts its Alertmanager matchers match.
type LabelRoute struct {
	Matchers []string
	Route
}

// TeamRoute routes a team's alerts.
type TeamRoute struct {
	Team string
	// KeyPos is where the team's key is written in routing.teams.
	KeyPos diag.Pos
	// Route is the team route's own settings: Receiver takes the team's
	// alerts of severities not listed; the time intervals apply to every
	// route of the team that gives none of its own.
	Route
	Routes     []LabelRoute
	Severities []SeverityRoute
}

// SeverityRoute routes one severity of a team's alerts.
type SeverityRoute struct {
	Severity Severity
	Route
}
