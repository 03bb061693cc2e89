package spec

// Version is the only spec format version this build reads.
const Version = "slo/v1"

// File is one decoded spec file: its services and routing documents, in the
// order they stand in the file.
type File struct {
	Path     string
	Services []*Service
	Routings []*Routing
}

// Service is a document that describes one service: its SLOs and alerts.
type Service struct {
	Node       `yaml:"-"`
	Version    string            `yaml:"version"`
	Service    string            `yaml:"service"`
	Team       string            `yaml:"team"`
	Labels     map[string]string `yaml:"labels"`
	RunbookURL string            `yaml:"runbook_url"`
	Interval   *Duration         `yaml:"interval"`
	SLOs       []*SLO            `yaml:"slos"`
	Alerts     []*Alert          `yaml:"alerts"`
}

// SLO is a service level objective on a ratio SLI.
type SLO struct {
	Node        `yaml:"-"`
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Objective   *float64          `yaml:"objective"`
	Period      *Duration         `yaml:"period"`
	SLI         *SLI              `yaml:"sli"`
	Alerting    *SLOAlerting      `yaml:"alerting"`
	Labels      map[string]string `yaml:"labels"`
	Panel       *Panel            `yaml:"panel"`
}

// SLI says how the error ratio of an SLO is measured: from counters
// (ratio), from a histogram (latency: the share of requests slower than a
// threshold) or from an expression that already is an error ratio.
type SLI struct {
	Node       `yaml:"-"`
	Ratio      *Ratio   `yaml:"ratio"`
	Latency    *Latency `yaml:"latency"`
	ErrorRatio *Expr    `yaml:"error_ratio"`
}

// Ratio is bad (or good) events over total events, from counters.
type Ratio struct {
	Node   `yaml:"-"`
	Bad    *Expr     `yaml:"bad"`
	Good   *Expr     `yaml:"good"`
	Total  *Expr     `yaml:"total"`
	By     []string  `yaml:"by"`
	Window *Duration `yaml:"window"`
	// MinTotal is the traffic floor of a ratio signal: the ratio is only
	// judged where total counted at least this many events in the window.
	MinTotal *float64 `yaml:"min_total"`
}

// SLOAlerting overrides the multi-window multi-burn-rate alerts of an SLO.
type SLOAlerting struct {
	Node        `yaml:"-"`
	Name        string            `yaml:"name"`
	Disabled    bool              `yaml:"disabled"`
	Summary     string            `yaml:"summary"`
	Description string            `yaml:"description"`
	RunbookURL  string            `yaml:"runbook_url"`
	Labels      map[string]string `yaml:"labels"`
	Page        *BurnAlert        `yaml:"page"`
	Ticket      *BurnAlert        `yaml:"ticket"`
}

// BurnAlert is one severity of burn-rate alert and its window pairs.
type BurnAlert struct {
	Node          `yaml:"-"`
	Severity      string        `yaml:"severity"`
	For           *Duration     `yaml:"for"`
	KeepFiringFor *Duration     `yaml:"keep_firing_for"`
	Windows       []*BurnWindow `yaml:"windows"`
	Disabled      bool          `yaml:"disabled"`
}

// BurnWindow is one long/short window pair. The threshold is either a burn
// factor or the share of the period's budget that the long window may
// consume.
type BurnWindow struct {
	Node          `yaml:"-"`
	Long          *Duration `yaml:"long"`
	Short         *Duration `yaml:"short"`
	Factor        *float64  `yaml:"factor"`
	BudgetPercent *float64  `yaml:"budget_percent"`
}

// Alert is a threshold alert on a signal.
type Alert struct {
	Node          `yaml:"-"`
	Name          string             `yaml:"name"`
	Summary       string             `yaml:"summary"`
	Description   string             `yaml:"description"`
	RunbookURL    string             `yaml:"runbook_url"`
	Signal        *Signal            `yaml:"signal"`
	Above         *Thresholds        `yaml:"above"`
	Below         *Thresholds        `yaml:"below"`
	Severity      string             `yaml:"severity"`
	For           *SeverityDurations `yaml:"for"`
	KeepFiringFor *SeverityDurations `yaml:"keep_firing_for"`
	Labels        map[string]string  `yaml:"labels"`
	Panel         *Panel             `yaml:"panel"`
	Inhibits      *Inhibits          `yaml:"inhibits"`
}

// Inhibits names the alerts this alert mutes while it fires: the symptoms
// of the cause it reports.
type Inhibits struct {
	Node       `yaml:"-"`
	Alerts     []string `yaml:"alerts"`
	Severities []string `yaml:"severities"`
	Equal      []string `yaml:"equal"`
}

// Thresholds holds one threshold per severity.
type Thresholds struct {
	Node     `yaml:"-"`
	Critical *float64 `yaml:"critical"`
	Warning  *float64 `yaml:"warning"`
	Info     *float64 `yaml:"info"`
}

// SeverityDurations is a duration for every severity ("for: 5m") or one per
// severity ("for: {warning: 10m, critical: 5m}").
type SeverityDurations struct {
	Node     `yaml:"-"`
	All      *Duration `yaml:"-"`
	Critical *Duration `yaml:"critical"`
	Warning  *Duration `yaml:"warning"`
	Info     *Duration `yaml:"info"`
}

// Panel names the dashboard panel that shows a signal.
type Panel struct {
	Node      `yaml:"-"`
	Dashboard string `yaml:"dashboard"`
	Title     string `yaml:"title"`
	ID        *int   `yaml:"id"`
	Metric    string `yaml:"metric"`
}

// Signal is what an alert watches. Exactly one kind is set.
type Signal struct {
	Node   `yaml:"-"`
	Record string `yaml:"record"`
	// OnAbsent says what the alert does when its input series are absent:
	// fire, or stay silent on purpose.
	OnAbsent string `yaml:"on_absent"`

	Expr       *Expr             `yaml:"expr"`
	Ratio      *Ratio            `yaml:"ratio"`
	Quantile   *QuantileSignal   `yaml:"quantile"`
	Latency    *Latency          `yaml:"latency"`
	Uptime     *UptimeSignal     `yaml:"uptime"`
	Status     *StatusSignal     `yaml:"status"`
	Increase   *IncreaseSignal   `yaml:"increase"`
	Change     *ChangeSignal     `yaml:"change"`
	Baseline   *BaselineSignal   `yaml:"baseline"`
	Projection *ProjectionSignal `yaml:"projection"`
}

// QuantileSignal is a quantile of a classic or a native histogram.
type QuantileSignal struct {
	Node      `yaml:"-"`
	Histogram *Expr     `yaml:"histogram"`
	Quantile  *float64  `yaml:"quantile"`
	Native    bool      `yaml:"native"`
	By        []string  `yaml:"by"`
	Window    *Duration `yaml:"window"`
}

// Latency is the share of requests slower than a threshold, from a classic
// histogram (its _bucket series at the threshold over its _count) or a
// native one (histogram_fraction). Used by sli.latency and signal.latency.
type Latency struct {
	Node      `yaml:"-"`
	Histogram *Expr      `yaml:"histogram"`
	Threshold *Threshold `yaml:"threshold"`
	Native    bool       `yaml:"native"`
	By        []string   `yaml:"by"`
	Window    *Duration  `yaml:"window"`
	// MinTotal is the traffic floor of a latency signal, as in Ratio.
	MinTotal *float64 `yaml:"min_total"`
}

// UptimeSignal is the share of time a 0/1 series was 1.
type UptimeSignal struct {
	Node     `yaml:"-"`
	Selector *Expr     `yaml:"selector"`
	By       []string  `yaml:"by"`
	Window   *Duration `yaml:"window"`
}

// StatusSignal is a component that is down (its series is 0) or whose series
// is absent.
type StatusSignal struct {
	Node     `yaml:"-"`
	Selector *Expr `yaml:"selector"`
	Absent   *bool `yaml:"absent"`
	// By aggregates the series: the component is down only when every
	// series of a group is down.
	By []string `yaml:"by"`
	// UpValues are the values (or, with StateLabel, the states) that mean
	// up; any other value is down.
	UpValues   []string `yaml:"up_values"`
	StateLabel string   `yaml:"state_label"`
}

// IncreaseSignal counts events of a counter over a window.
type IncreaseSignal struct {
	Node    `yaml:"-"`
	Counter *Expr     `yaml:"counter"`
	By      []string  `yaml:"by"`
	Window  *Duration `yaml:"window"`
}

// ChangeSignal is the relative change of an expression, or of a counter's
// increase over a window, against an earlier time.
type ChangeSignal struct {
	Node    `yaml:"-"`
	Expr    *Expr     `yaml:"expr"`
	Counter *Expr     `yaml:"counter"`
	By      []string  `yaml:"by"`
	Window  *Duration `yaml:"window"`
	Offset  *Duration `yaml:"offset"`
}

// BaselineSignal is an expression divided by its own average over a window.
type BaselineSignal struct {
	Node   `yaml:"-"`
	Expr   *Expr     `yaml:"expr"`
	Window *Duration `yaml:"window"`
}

// ProjectionSignal projects a counter (from its rate) or a gauge (with
// predict_linear) to a horizon.
type ProjectionSignal struct {
	Node    `yaml:"-"`
	Counter *Expr     `yaml:"counter"`
	Gauge   *Expr     `yaml:"gauge"`
	By      []string  `yaml:"by"`
	Window  *Duration `yaml:"window"`
	Horizon *Duration `yaml:"horizon"`
	// To is a calendar horizon instead of Horizon: end_of_month.
	To string `yaml:"to"`
}

// Routing is a document that maps teams to Alertmanager receivers.
type Routing struct {
	Node    `yaml:"-"`
	Version string       `yaml:"version"`
	Routing *RoutingSpec `yaml:"routing"`
}

// RoutingSpec is the body of a routing document.
type RoutingSpec struct {
	Node            `yaml:"-"`
	Base            string                    `yaml:"base"`
	Position        string                    `yaml:"position"`
	DefaultReceiver string                    `yaml:"default_receiver"`
	GroupBy         []string                  `yaml:"group_by"`
	GroupWait       *Duration                 `yaml:"group_wait"`
	GroupInterval   *Duration                 `yaml:"group_interval"`
	RepeatInterval  *Duration                 `yaml:"repeat_interval"`
	Alerts          map[string]*SeverityRoute `yaml:"alerts"`
	Routes          []*LabelRoute             `yaml:"routes"`
	Teams           map[string]*TeamRoute     `yaml:"teams"`
}

// TeamRoute gives a team's receiver per severity, and the settings its
// routes share.
type TeamRoute struct {
	Node                `yaml:"-"`
	Receiver            string         `yaml:"receiver"`
	MuteTimeIntervals   []string       `yaml:"mute_time_intervals"`
	ActiveTimeIntervals []string       `yaml:"active_time_intervals"`
	RepeatInterval      *Duration      `yaml:"repeat_interval"`
	Continue            bool           `yaml:"continue"`
	Routes              []*LabelRoute  `yaml:"routes"`
	Critical            *SeverityRoute `yaml:"critical"`
	Warning             *SeverityRoute `yaml:"warning"`
	Info                *SeverityRoute `yaml:"info"`
}

// SeverityRoute is where one severity of a team's alerts goes: a receiver
// name ("critical: platform-pager") or a mapping with time intervals. The
// same shape overrides the route of one alert (routing.alerts).
type SeverityRoute struct {
	Node                `yaml:"-"`
	Receiver            string    `yaml:"receiver"`
	MuteTimeIntervals   []string  `yaml:"mute_time_intervals"`
	ActiveTimeIntervals []string  `yaml:"active_time_intervals"`
	RepeatInterval      *Duration `yaml:"repeat_interval"`
	Continue            bool      `yaml:"continue"`
}

// LabelRoute routes the alerts whose labels match its Alertmanager
// matchers ("category=\"business\"").
type LabelRoute struct {
	Node                `yaml:"-"`
	Matchers            []string  `yaml:"matchers"`
	Receiver            string    `yaml:"receiver"`
	MuteTimeIntervals   []string  `yaml:"mute_time_intervals"`
	ActiveTimeIntervals []string  `yaml:"active_time_intervals"`
	RepeatInterval      *Duration `yaml:"repeat_interval"`
	Continue            bool      `yaml:"continue"`
}
