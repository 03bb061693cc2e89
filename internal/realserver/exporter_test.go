package realserver

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The exporter serves, in Prometheus's text format, realistic values for
// every metric the shipped specs read: several stages, models, GPUs,
// replicas, tasks and queues; counters that only grow (a base plus a rate
// times the time since the exporter started, on the monotonic clock);
// gauges that wobble around a healthy level; classic histograms with
// cumulative _bucket{le=...} series, _sum and _count. TestShippedRulesOnRealServers
// fails when a rule reads a metric the exporter does not serve, so a spec
// that starts reading a new metric needs a family here.

// kind is a metric family's type.
type kind string

const (
	counter   kind = "counter"
	gauge     kind = "gauge"
	histogram kind = "histogram"
)

// series is one labelled series of a family. For counters, value is the
// base and rate the increase per second; for gauges, value is the level
// and rate the relative amplitude of the wobble; for histograms, value is
// the base observation count, rate the observations per second and mean
// the mean observation.
type series struct {
	labels map[string]string
	value  float64
	rate   float64
	mean   float64
}

// family is a metric family. For histograms, buckets are the upper bounds
// (without +Inf) and fractions the cumulative share of observations at or
// below each, increasing.
type family struct {
	name      string
	kind      kind
	help      string
	buckets   []float64
	fractions []float64
	series    []series
}

// sample is one rendered sample.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

type exporter struct {
	start    time.Time
	families []family

	mu        sync.Mutex
	overrides map[string]float64 // series key -> gauge value
	scrapes   int
	firstAt   time.Time
}

func newExporter() *exporter {
	return &exporter{start: time.Now(), families: shippedFamilies(), overrides: map[string]float64{}}
}

// key identifies a series by name and labels.
func key(name string, labels map[string]string) string {
	return name + fmtLabels(labels)
}

func fmtLabels(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%s", k, strconv.Quote(labels[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// override holds the gauge series name{labels} at v from the next scrape on.
func (e *exporter) override(name string, labels map[string]string, v float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.overrides[key(name, labels)] = v
}

// names returns every metric name the exporter serves (for histograms, the
// _bucket, _sum and _count series).
func (e *exporter) names() map[string]bool {
	out := map[string]bool{}
	for _, s := range e.samples(0) {
		out[s.name] = true
	}
	return out
}

// samples renders every series at t seconds after the start.
func (e *exporter) samples(t float64) []sample {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []sample
	for fi, f := range e.families {
		for si, s := range f.series {
			switch f.kind {
			case counter:
				out = append(out, sample{f.name, s.labels, s.value + s.rate*t})
			case gauge:
				v, ok := e.overrides[key(f.name, s.labels)]
				if !ok {
					// A wobble of a few percent, with a phase per series.
					phase := float64(fi*7 + si)
					v = s.value * (1 + s.rate*math.Sin(t/5+phase))
				}
				out = append(out, sample{f.name, s.labels, v})
			case histogram:
				count := math.Floor(s.value + s.rate*t)
				for i, le := range f.buckets {
					ls := withLabel(s.labels, "le", strconv.FormatFloat(le, 'g', -1, 64))
					out = append(out, sample{f.name + "_bucket", ls, math.Floor(count * f.fractions[i])})
				}
				out = append(out, sample{f.name + "_bucket", withLabel(s.labels, "le", "+Inf"), count})
				out = append(out, sample{f.name + "_sum", s.labels, count * s.mean})
				out = append(out, sample{f.name + "_count", s.labels, count})
			}
		}
	}
	return out
}

func withLabel(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

// ServeHTTP serves /metrics in the text exposition format, and /empty,
// which has no series (the scrape jobs that exist only for their up series).
func (e *exporter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	if r.URL.Path == "/empty" {
		return
	}
	if r.URL.Path != "/metrics" {
		http.NotFound(w, r)
		return
	}
	e.mu.Lock()
	if e.scrapes == 0 {
		e.firstAt = time.Now()
	}
	e.scrapes++
	e.mu.Unlock()
	t := time.Since(e.start).Seconds()
	byName := map[string][]sample{}
	for _, s := range e.samples(t) {
		byName[s.name] = append(byName[s.name], s)
	}
	var b strings.Builder
	for _, f := range e.families {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", f.name, f.help, f.name, f.kind)
		names := []string{f.name}
		if f.kind == histogram {
			names = []string{f.name + "_bucket", f.name + "_sum", f.name + "_count"}
		}
		for _, n := range names {
			for _, s := range byName[n] {
				fmt.Fprintf(&b, "%s%s %s\n", n, fmtLabels(s.labels), strconv.FormatFloat(s.value, 'g', -1, 64))
			}
		}
	}
	_, _ = w.Write([]byte(b.String()))
}

// firstScrape returns when Prometheus first scraped /metrics, or the zero
// time.
func (e *exporter) firstScrape() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.firstAt
}

// cross returns the label sets of the cartesian product of dims, each a
// label name and its values, in order.
func cross(dims ...[]string) []map[string]string {
	out := []map[string]string{{}}
	for _, d := range dims {
		name, values := d[0], d[1:]
		var next []map[string]string
		for _, m := range out {
			for _, v := range values {
				next = append(next, withLabel(m, name, v))
			}
		}
		out = next
	}
	return out
}

// each builds a series per label set, its figures from f.
func each(sets []map[string]string, f func(i int, ls map[string]string) series) []series {
	out := make([]series, len(sets))
	for i, ls := range sets {
		s := f(i, ls)
		s.labels = ls
		out[i] = s
	}
	return out
}

// The label values of the two platforms.
var (
	stages       = []string{"stage", "transcribe", "translate", "synthesize", "mix"}
	workers      = []string{"instance", "dubbing-worker-0:9100", "dubbing-worker-1:9100", "dubbing-worker-2:9100"}
	apiInstances = []string{"instance", "dubbing-api-0:8080", "dubbing-api-1:8080", "dubbing-api-2:8080"}
	methods      = []string{"method", "GET", "POST"}
	codes        = []string{"code", "200", "201", "400", "404", "500", "502", "503"}
	models       = []string{"model", "whisper-large-v3", "nllb-200-3.3b", "xtts-v2", "demucs-v4"}
	hosts        = []string{"Hostname", "gpu-node-a", "gpu-node-b", "gpu-node-c"}
	gpuIndexes   = []string{"gpu", "0", "1"}
	nodes        = []string{"instance", "node-1:9100", "node-2:9100", "node-3:9100"}
	plans        = []string{"plan", "starter", "pro", "enterprise"}
	regions      = []string{"region", "eu", "us", "apac"}
	resources    = []string{"resource", "gpu", "cpu", "storage", "network"}
	celeryTasks  = []string{"task", "ml.tasks.transcribe_audio", "ml.tasks.summarize_text", "ml.tasks.embed_chunks", "ml.tasks.detect_language"}
	celeryQueues = []string{"queue", "default", "transcription", "summarization", "embeddings"}
	taskTypes    = []string{"task_type", "transcription", "summarization", "embedding"}
	producers    = []string{"instance", "ml-producer-0:3000", "ml-producer-1:3000"}
	aiModels     = []string{"model", "gpt-4o-mini", "whisper-1", "text-embedding-3-small"}
)

func shippedFamilies() []family {
	// Shares of successes, failures and the like, so that error ratios are
	// small but not zero.
	codeRate := map[string]float64{"200": 40, "201": 6, "400": 0.8, "404": 1.5, "500": 0.02, "502": 0.01, "503": 0.015}
	jobRate := map[string]float64{"completed": 0.5, "failed": 0.004, "cancelled": 0.01}
	fams := []family{
		// System health.
		{name: "http_requests_total", kind: counter, help: "HTTP requests by status code.",
			series: each(cross([]string{"job", "dubbing-api"}, apiInstances, methods, codes), func(i int, ls map[string]string) series {
				return series{value: 1e6 + float64(i)*1000, rate: codeRate[ls["code"]] / 3}
			})},
		{name: "pg_up", kind: gauge, help: "Whether the postgres exporter reaches the database.",
			series: each(cross([]string{"job", "postgres"}, []string{"instance", "pg-0:9187", "pg-1:9187"}), func(int, map[string]string) series { return series{value: 1} })},
		{name: "redis_up", kind: gauge, help: "Whether the redis exporter reaches Redis.",
			series: each(cross([]string{"job", "redis"}, []string{"instance", "redis-0:9121", "redis-1:9121", "redis-2:9121"}), func(int, map[string]string) series { return series{value: 1} })},
		{name: "node_filesystem_size_bytes", kind: gauge, help: "Filesystem size in bytes.",
			series: each(filesystems(), func(i int, ls map[string]string) series { return series{value: fsSize(ls)} })},
		{name: "node_filesystem_avail_bytes", kind: gauge, help: "Filesystem space available in bytes.",
			series: each(filesystems(), func(i int, ls map[string]string) series {
				return series{value: fsSize(ls) * (0.35 + 0.1*float64(i%4)), rate: 0.01}
			})},

		// Job processing.
		{name: "dubbing_jobs_total", kind: counter, help: "Dubbing jobs finished, by stage and status.",
			series: each(cross(stages, []string{"status", "completed", "failed", "cancelled"}), func(i int, ls map[string]string) series {
				return series{value: 5e4 + float64(i)*100, rate: jobRate[ls["status"]]}
			})},
		{name: "dubbing_queue_depth", kind: gauge, help: "Jobs waiting in a stage, per worker.",
			series: each(cross(stages, workers), func(i int, _ map[string]string) series { return series{value: 4 + float64(i%5)*3, rate: 0.2} })},
		{name: "dubbing_job_processing_seconds", kind: histogram, help: "Time a stage takes per job.",
			buckets: []float64{5, 15, 30, 60, 120, 300, 600, 1800}, fractions: []float64{0.05, 0.2, 0.45, 0.7, 0.88, 0.96, 0.99, 0.999},
			series: each(cross(stages, workers), func(i int, _ map[string]string) series {
				return series{value: 2e4 + float64(i)*50, rate: 0.15, mean: 40 + float64(i%4)*10}
			})},

		// Models and GPUs (DCGM exporter).
		{name: "dubbing_model_inferences_total", kind: counter, help: "Model inferences, by outcome.",
			series: each(cross(models, []string{"status", "success", "error"}), func(i int, ls map[string]string) series {
				r := 3.0
				if ls["status"] == "error" {
					r = 0.006
				}
				return series{value: 2e5 + float64(i)*10, rate: r}
			})},
		{name: "dubbing_model_inference_duration_seconds", kind: histogram, help: "Inference time.",
			buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}, fractions: []float64{0.02, 0.1, 0.3, 0.55, 0.8, 0.93, 0.985, 0.998, 0.9999},
			series: each(cross(models, []string{"instance", "inference-0:8000", "inference-1:8000"}), func(i int, _ map[string]string) series {
				return series{value: 1e5, rate: 1.5, mean: 1.4 + float64(i%3)*0.3}
			})},
		{name: "DCGM_FI_DEV_GPU_UTIL", kind: gauge, help: "GPU utilization (in %).",
			series: each(gpus(), func(i int, _ map[string]string) series { return series{value: 55 + float64(i%4)*6, rate: 0.05} })},
		{name: "DCGM_FI_DEV_GPU_TEMP", kind: gauge, help: "GPU temperature (in C).",
			series: each(gpus(), func(i int, _ map[string]string) series { return series{value: 60 + float64(i%3)*4, rate: 0.02} })},

		// Users, subscriptions and cost.
		{name: "dubbing_daily_active_users", kind: gauge, help: "Users active today, by region.",
			series: each(cross(regions), func(i int, _ map[string]string) series { return series{value: 12000 - float64(i)*3000, rate: 0.01} })},
		{name: "dubbing_subscriptions_active", kind: gauge, help: "Active subscriptions, by plan.",
			series: each(cross(plans), func(i int, _ map[string]string) series { return series{value: 8000 / float64(i+1), rate: 0.001} })},
		{name: "dubbing_subscriptions_created_total", kind: counter, help: "Subscriptions created, by plan.",
			series: each(cross(plans), func(i int, _ map[string]string) series { return series{value: 20000 / float64(i+1), rate: 0.01} })},
		{name: "dubbing_subscription_cancellations_total", kind: counter, help: "Subscriptions cancelled, by plan.",
			series: each(cross(plans), func(i int, _ map[string]string) series { return series{value: 1500 / float64(i+1), rate: 0.0005} })},
		{name: "dubbing_infra_cost_usd_total", kind: counter, help: "Infrastructure spend in USD, by resource.",
			series: each(cross(resources), func(i int, _ map[string]string) series {
				return series{value: 3e5 / float64(i+1), rate: 0.004 / float64(i+1)}
			})},
		{name: "dubbing_budget_spent_usd", kind: gauge, help: "Month-to-date spend in USD, by budget.",
			series: each(cross([]string{"budget", "infrastructure", "ml-apis"}), func(i int, _ map[string]string) series { return series{value: 6000 - float64(i)*2000} })},
		{name: "dubbing_budget_limit_usd", kind: gauge, help: "Monthly budget in USD.",
			series: each(cross([]string{"budget", "infrastructure", "ml-apis"}), func(i int, _ map[string]string) series { return series{value: 12000 - float64(i)*4000} })},

		// Celery workers (Flower).
		{name: "celery_workers", kind: gauge, help: "Workers Flower sees online.",
			series: each(cross([]string{"job", "flower"}, []string{"instance", "flower:5555"}), func(int, map[string]string) series { return series{value: 6} })},
		{name: "celery_task_queued", kind: gauge, help: "Tasks waiting, by queue.",
			series: each(cross([]string{"job", "flower"}, celeryQueues), func(i int, _ map[string]string) series { return series{value: 3 + float64(i)*4, rate: 0.3} })},
		{name: "celery_task_succeeded_total", kind: counter, help: "Tasks that succeeded, by task.",
			series: each(cross([]string{"job", "flower"}, celeryTasks), func(i int, _ map[string]string) series { return series{value: 9e4, rate: 0.8} })},
		{name: "celery_task_failed_total", kind: counter, help: "Tasks that failed after retries, by task.",
			series: each(cross([]string{"job", "flower"}, celeryTasks), func(i int, _ map[string]string) series { return series{value: 300, rate: 0.004} })},

		// ML services.
		{name: "ml_tasks_completed_total", kind: counter, help: "ML tasks finished, by type and status.",
			series: each(cross(taskTypes, []string{"status", "success", "failed"}), func(i int, ls map[string]string) series {
				r := 0.9
				if ls["status"] == "failed" {
					r = 0.003
				}
				return series{value: 7e4, rate: r}
			})},
		{name: "ml_cost_usd_total", kind: counter, help: "Spend on ML APIs in USD, by model.",
			series: each(cross(aiModels), func(i int, _ map[string]string) series { return series{value: 4000 / float64(i+1), rate: 0.0002} })},
		{name: "ml_producer_tasks_sent_total", kind: counter, help: "Tasks published to RabbitMQ, by outcome.",
			series: each(cross([]string{"job", "ml-producer"}, producers, taskTypes, []string{"status", "success", "failure"}), func(i int, ls map[string]string) series {
				r := 1.2
				if ls["status"] == "failure" {
					r = 0.002
				}
				return series{value: 3e5, rate: r}
			})},
		{name: "ml_producer_connection_state", kind: gauge, help: "1 when connected to RabbitMQ.",
			series: each(cross([]string{"job", "ml-producer"}, producers), func(int, map[string]string) series { return series{value: 1} })},
		{name: "ml_producer_circuit_breaker_state", kind: gauge, help: "0 closed, 1 open, 2 half-open.",
			series: each(cross([]string{"job", "ml-producer"}, producers), func(int, map[string]string) series { return series{value: 0} })},
		{name: "ml_producer_task_publish_duration_seconds", kind: histogram, help: "Time to publish a task.",
			buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}, fractions: []float64{0.3, 0.6, 0.85, 0.95, 0.985, 0.995, 0.999, 0.9997, 0.99995},
			series: each(cross([]string{"job", "ml-producer"}, producers, taskTypes), func(i int, _ map[string]string) series {
				return series{value: 3e5, rate: 1.2, mean: 0.012}
			})},
	}
	return fams
}

// gpus are the label sets of the DCGM exporter's GPUs: three hosts with
// two GPUs each.
func gpus() []map[string]string {
	sets := cross([]string{"job", "dcgm-exporter"}, hosts, gpuIndexes)
	for i, ls := range sets {
		ls["UUID"] = fmt.Sprintf("GPU-%08x-0000-0000-0000-%012x", 0x1000+i, i)
		ls["modelName"] = "NVIDIA A100-SXM4-80GB"
		ls["device"] = "nvidia" + ls["gpu"]
		ls["instance"] = ls["Hostname"] + ":9400"
	}
	return sets
}

// filesystems are node exporter filesystems: real ones and the tmpfs and
// overlay mounts the disk alert leaves out.
func filesystems() []map[string]string {
	mounts := [][3]string{
		{"/", "/dev/nvme0n1p1", "ext4"},
		{"/data", "/dev/nvme1n1", "xfs"},
		{"/run", "tmpfs", "tmpfs"},
		{"/var/lib/docker/overlay2/merged", "overlay", "overlay"},
	}
	var out []map[string]string
	for _, n := range nodes[1:] {
		for _, m := range mounts {
			out = append(out, map[string]string{"job": "node", "instance": n, "mountpoint": m[0], "device": m[1], "fstype": m[2]})
		}
	}
	return out
}

func fsSize(ls map[string]string) float64 {
	switch ls["mountpoint"] {
	case "/data":
		return 2e12
	case "/":
		return 2e11
	}
	return 8e9
}

// seriesMatching returns the served series of name whose labels satisfy
// match.
func (e *exporter) seriesMatching(name string, match func(map[string]string) bool) []map[string]string {
	var out []map[string]string
	for _, s := range e.samples(0) {
		if s.name == name && match(s.labels) {
			out = append(out, s.labels)
		}
	}
	return out
}

// kindOf returns the kind of the family serving name, or "".
func (e *exporter) kindOf(name string) kind {
	for _, f := range e.families {
		if f.name == name {
			return f.kind
		}
		if f.kind == histogram && slices.Contains([]string{f.name + "_bucket", f.name + "_sum", f.name + "_count"}, name) {
			return histogram
		}
	}
	return ""
}

// TestExporterShapes checks the exporter's own promises, without servers:
// counters and histogram series never decrease between scrapes, buckets
// are cumulative and end in +Inf equal to _count, and every grouping
// dimension has several values.
func TestExporterShapes(t *testing.T) {
	e := newExporter()
	at := func(t float64) map[string]float64 {
		out := map[string]float64{}
		for _, s := range e.samples(t) {
			out[key(s.name, s.labels)] = s.value
		}
		return out
	}
	for _, pair := range [][2]float64{{0, 1}, {1, 2.5}, {2.5, 60}, {60, 3600}} {
		before := at(pair[0])
		for _, s := range e.samples(pair[1]) {
			if e.kindOf(s.name) == gauge {
				continue
			}
			if k := key(s.name, s.labels); s.value < before[k] {
				t.Errorf("%s went down from %g at %gs to %g at %gs", k, before[k], pair[0], s.value, pair[1])
			}
		}
	}
	for _, f := range e.families {
		if f.kind != histogram {
			continue
		}
		if len(f.buckets) != len(f.fractions) || !slices.IsSorted(f.buckets) || !slices.IsSorted(f.fractions) || f.fractions[len(f.fractions)-1] > 1 {
			t.Errorf("%s: buckets %v and fractions %v must be increasing and of one length", f.name, f.buckets, f.fractions)
		}
		now := at(1234.5)
		for _, s := range f.series {
			prev := 0.0
			for _, le := range f.buckets {
				v := now[key(f.name+"_bucket", withLabel(s.labels, "le", strconv.FormatFloat(le, 'g', -1, 64)))]
				if v < prev {
					t.Errorf("%s%s: bucket le=%g holds %g, less than the bucket below (%g)", f.name, fmtLabels(s.labels), le, v, prev)
				}
				prev = v
			}
			inf := now[key(f.name+"_bucket", withLabel(s.labels, "le", "+Inf"))]
			if cnt := now[key(f.name+"_count", s.labels)]; inf < prev || inf != cnt {
				t.Errorf("%s%s: +Inf bucket %g, last bucket %g, count %g", f.name, fmtLabels(s.labels), inf, prev, cnt)
			}
		}
	}
	for _, f := range e.families {
		if len(f.series) < 2 && !slices.Contains([]string{"celery_workers"}, f.name) {
			t.Errorf("%s has %d series; give it several label values", f.name, len(f.series))
		}
	}
}
