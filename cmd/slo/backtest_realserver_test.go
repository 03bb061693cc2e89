package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slo-compiler/slo/internal/backtest"
)

// The real-server test of slo backtest (issue 13, item 4): a real
// Prometheus (Debian's package) on 127.0.0.1 with its own temporary
// storage is filled with known history through
// `promtool tsdb create-blocks-from openmetrics`; slo backtest runs on it,
// with and without --base, and every count and duration it reports is
// compared with values this test computes from the history it wrote, by
// its own arithmetic (not slo's code, not the PromQL engine).

// btMinute is the scrape interval of the written history and the rule
// groups' interval.
const btMinute = 60

// History, in minutes from the start of the backtested window (day
// length btDay); it starts btPre minutes earlier, so that the 3-day burn
// windows are full from the first evaluation.
const (
	btDay = 1440
	btPre = 3*btDay + 120
)

// queueAt is sum(checkout_queue_depth) at minute m; the two instances
// hold half each.
func queueAt(m int) float64 {
	switch {
	case m >= 100 && m < 130:
		return 150 // above warning only
	case m >= 400 && m < 420:
		return 600 // critical and warning together: warning inhibited
	case m >= 700 && m < 704:
		return 700 // shorter than for: silent
	case m >= 1000 && m < 1012:
		return 120
	case m >= 1200 && m < 1210:
		return 600
	case m >= 1210 && m < 1230:
		return 150 // warning outlives the critical: paged once
	}
	return 20
}

// errorsAt is the number of failed requests in minute m (ending at m); 6000
// requests are served every minute.
func errorsAt(m int) float64 {
	switch {
	case m > -btDay+60 && m <= -btDay+90:
		return 300 // a day before the window: only the long windows see it
	case m > 300 && m <= 330:
		return 3000
	case m > 1300 && m <= 1305:
		return 3000
	}
	return 0
}

const btPerMinute = 6000

// writeHistory writes the history in OpenMetrics, samples at every
// minute from -btPre to btDay (inclusive).
func writeHistory(t *testing.T, path string, start time.Time) {
	var b bytes.Buffer
	ts := func(m int) int64 { return start.Add(time.Duration(m) * time.Minute).Unix() }
	b.WriteString("# TYPE checkout_queue_depth gauge\n")
	for _, inst := range []string{"a", "b"} {
		for m := -btPre; m <= btDay; m++ {
			fmt.Fprintf(&b, "checkout_queue_depth{instance=%q} %g %d\n", inst, queueAt(m)/2, ts(m))
		}
	}
	b.WriteString("# TYPE http_requests counter\n")
	for _, code := range []string{"200", "500"} {
		v := 1e6
		for m := -btPre; m <= btDay; m++ {
			if m > -btPre {
				e := errorsAt(m)
				if code == "500" {
					v += e
				} else {
					v += btPerMinute - e
				}
			}
			fmt.Fprintf(&b, "http_requests_total{code=%q,job=\"checkout\"} %g %d\n", code, v, ts(m))
		}
	}
	b.WriteString("# EOF\n")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// leftClosed says the server's range selectors include a sample at the
// window's start: [t-w, t] in Prometheus 2, (t-w, t] from Prometheus 3 on.
var leftClosed bool

// errRatio is the error ratio over the window of w minutes ending at
// minute m, as rate() over it gives it (bad and total share timestamps,
// so rate's extrapolation cancels out): the increases between the
// samples inside the window, those at m-w+1..m (Prometheus 3) or
// m-w..m (Prometheus 2).
func errRatio(m, w int) float64 {
	first := m - w + 1 // first sample in the window
	if leftClosed {
		first = m - w
	}
	bad := 0.0
	for k := first + 1; k <= m; k++ {
		bad += errorsAt(k)
	}
	return bad / (btPerMinute * float64(m-first))
}

// btSummary is what the test expects of one alert and severity.
type btSummary struct {
	Fired, FiringMin, LongestMin, Pages, Silent int
	Receivers                                   map[string]int
}

// stateMachine returns, per minute of the window, whether an alert whose
// condition is cond holds firing after `forMin` minutes (Prometheus: an
// alert fires at the evaluation where it has been active for `for`).
func stateMachine(cond func(m int) bool, forMin int) []bool {
	out := make([]bool, btDay) // evaluations at [from, to)
	activeSince := -1
	for m := 0; m < btDay; m++ {
		if !cond(m) {
			activeSince = -1
			continue
		}
		if activeSince < 0 {
			activeSince = m
		}
		out[m] = m-activeSince >= forMin
	}
	return out
}

// summarize turns firing minutes into episodes; an episode pages the
// receiver when at one of its minutes it is not inhibited.
func summarize(firing, inhibited []bool, receiver string) btSummary {
	s := btSummary{Receivers: map[string]int{}}
	for m := 0; m < btDay; {
		if !firing[m] {
			m++
			continue
		}
		n, paged := 0, false
		for ; m < btDay && firing[m]; m++ {
			n++
			if inhibited == nil || !inhibited[m] {
				paged = true
			}
		}
		s.Fired++
		s.FiringMin += n
		s.LongestMin = max(s.LongestMin, n)
		if paged {
			s.Pages++
			s.Receivers[receiver]++
		} else {
			s.Silent++
		}
	}
	return s
}

// expected computes every alert's summary for queue thresholds warn and
// crit with for queueFor, and the shipped burn-rate alerts.
func expected(t *testing.T, warn, crit float64, queueFor int, critReceiver string) map[string]btSummary {
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }
	above := func(v, thr float64) bool {
		if near(v, thr) {
			t.Fatalf("the history puts a value (%g) on a threshold (%g): the comparison is float noise; change the history", v, thr)
		}
		return v > thr
	}
	qc := stateMachine(func(m int) bool { return above(queueAt(m), crit) }, queueFor)
	qw := stateMachine(func(m int) bool { return above(queueAt(m), warn) }, queueFor)
	r := func(m, w int) float64 { return errRatio(m, w) }
	bc := stateMachine(func(m int) bool {
		return above(r(m, 60), 14.4*0.001) && above(r(m, 5), 14.4*0.001) ||
			above(r(m, 360), 6*0.001) && above(r(m, 30), 6*0.001)
	}, 2)
	bw := stateMachine(func(m int) bool {
		return above(r(m, 1440), 3*0.001) && above(r(m, 120), 3*0.001) ||
			above(r(m, 3*1440), 1*0.001) && above(r(m, 360), 1*0.001)
	}, 15)
	return map[string]btSummary{
		"CheckoutQueueDepthHigh critical":      summarize(qc, nil, critReceiver),
		"CheckoutQueueDepthHigh warning":       summarize(qw, qc, "shop-chat"),
		"AvailabilityErrorBudgetBurn critical": summarize(bc, nil, critReceiver),
		"AvailabilityErrorBudgetBurn warning":  summarize(bw, bc, "shop-chat"),
	}
}

type btJSONSide struct {
	Fired          int            `json:"fired"`
	FiringSeconds  float64        `json:"firing_seconds"`
	LongestSeconds float64        `json:"longest_seconds"`
	Pages          int            `json:"pages"`
	Silent         int            `json:"silent"`
	Receivers      map[string]int `json:"receivers"`
}

type btJSON struct {
	From, To, Base string
	Alerts         []struct {
		Alert    string      `json:"alert"`
		Severity string      `json:"severity"`
		Head     btJSONSide  `json:"head"`
		Base     *btJSONSide `json:"base"`
	} `json:"alerts"`
}

func (s btJSONSide) summary() btSummary {
	return btSummary{Fired: s.Fired, FiringMin: int(s.FiringSeconds / btMinute), LongestMin: int(s.LongestSeconds / btMinute),
		Pages: s.Pages, Silent: s.Silent, Receivers: s.Receivers}
}

func compareSummaries(t *testing.T, side string, got, want map[string]btSummary) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d alert severities reported, want %d: %v", side, len(got), len(want), got)
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: %s not reported", side, k)
			continue
		}
		if fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("%s: %s:\n got  %+v\n want %+v", side, k, g, w)
		}
	}
}

func TestBacktestOnRealServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real Prometheus; `make realservers` runs it")
	}
	promBin, err1 := exec.LookPath("prometheus")
	promtool, err2 := exec.LookPath("promtool")
	git, err3 := exec.LookPath("git")
	if err1 != nil || err2 != nil || err3 != nil {
		t.Skip("prometheus, promtool or git is not installed; skipped (Debian: apt-get install prometheus git)")
	}
	dir := t.TempDir()
	// The window: a whole day, a few days back, minute-aligned.
	from := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3)
	to := from.Add(btDay * time.Minute)

	// History into the server's storage, before the server starts.
	om := filepath.Join(dir, "history.om")
	writeHistory(t, om, from)
	data := filepath.Join(dir, "prom-data")
	if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", om, data).CombinedOutput(); err != nil {
		t.Fatalf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, out)
	}
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := startPrometheus(t, promBin, cfg, data)
	leftClosed = serverMajor(t, addr) < 3

	// The project: a git repository whose first commit is the scaffold's
	// checkout project and whose second raises the critical queue
	// threshold, lengthens its `for` and sends critical pages elsewhere.
	repo := filepath.Join(dir, "repo")
	copyTree(t, "../../internal/scaffold/project", repo)
	gitRun := func(args ...string) {
		t.Helper()
		cmd := exec.Command(git, args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gitRun("init", "-q")
	gitRun("add", ".")
	gitRun("commit", "-q", "-m", "base")
	baseFolder := filepath.Join(dir, "base-folder")
	copyTree(t, repo, baseFolder)
	edit(t, filepath.Join(repo, "specs/checkout.yaml"), "above: {warning: 100, critical: 500}\n    for: 5m", "above: {warning: 100, critical: 650}\n    for: 10m")
	edit(t, filepath.Join(repo, "specs/routing.yaml"), "critical: {receiver: shop-pager, repeat_interval: 1h}", "critical: {receiver: ops-chat, repeat_interval: 1h}")
	gitRun("commit", "-q", "-a", "-m", "head")
	t.Chdir(repo)

	backtestJSON := func(extra ...string) btJSON {
		t.Helper()
		args := append([]string{"slo", "backtest", "--prometheus", "http://" + addr, "--from", from.Format(time.RFC3339), "--to", to.Format(time.RFC3339), "--format", "json"}, extra...)
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("slo backtest %v: exit %d\n%s%s", extra, code, stdout.String(), stderr.String())
		}
		var rep btJSON
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("slo backtest: %v\n%s", err, stdout.String())
		}
		t.Logf("slo backtest %v:\n%s", extra, stdout.String())
		return rep
	}
	sides := func(rep btJSON) (head, base map[string]btSummary) {
		head, base = map[string]btSummary{}, map[string]btSummary{}
		for _, a := range rep.Alerts {
			k := a.Alert + " " + a.Severity
			head[k] = a.Head.summary()
			if a.Base != nil {
				base[k] = a.Base.summary()
			}
		}
		return head, base
	}
	wantHead := expected(t, 100, 650, 10, "ops-chat")
	wantBase := expected(t, 100, 500, 5, "shop-pager")
	// The history must make the sides differ, and fire every alert.
	if fmt.Sprint(wantHead) == fmt.Sprint(wantBase) {
		t.Fatal("the history gives both sides the same summaries; it tests nothing about --base")
	}
	for k, s := range wantBase {
		if s.Fired == 0 {
			t.Fatalf("the history never fires %s on the base side", k)
		}
	}

	head, _ := sides(backtestJSON())
	compareSummaries(t, "head", head, wantHead)

	rep := backtestJSON("--base", "HEAD~1")
	head, base := sides(rep)
	compareSummaries(t, "head (with --base)", head, wantHead)
	compareSummaries(t, "base", base, wantBase)

	// A folder as the base.
	head, base = sides(backtestJSON("--base", baseFolder))
	compareSummaries(t, "head (with a folder as --base)", head, wantHead)
	compareSummaries(t, "base (a folder)", base, wantBase)

	// Rules slo does not compile but may meet: an alert reading a
	// recording rule that reads another (computed locally), and one
	// reading a stored metric directly (its raw samples fetched).
	local := []byte(`groups:
  - name: hand
    interval: 1m
    rules:
      - record: q:sum
        expr: sum(checkout_queue_depth)
      - record: q:double
        expr: q:sum * 2
      - alert: QLocal
        expr: q:double > 250
        for: 5m
      - alert: QRaw
        expr: sum(checkout_queue_depth) > 400
        for: 3m
`)
	res, err := backtest.Run(context.Background(), backtest.Project{Rules: []backtest.File{{Name: "rules/hand.yml", Data: local}}},
		backtest.Options{Prometheus: "http://" + addr, From: from, To: to, Limits: backtest.DefaultLimits})
	if err != nil {
		t.Fatal(err)
	}
	gotLocal := map[string]btSummary{}
	for _, a := range res.Alerts {
		gotLocal[a.Alert+" "+a.Severity] = btSummary{Fired: a.Fired, FiringMin: int(a.Firing / time.Minute), LongestMin: int(a.Longest / time.Minute), Pages: a.Pages, Silent: a.Silent, Receivers: a.Receivers}
	}
	noRouting := func(firing []bool) btSummary {
		s := summarize(firing, nil, "")
		s.Pages, s.Receivers = 0, map[string]int{}
		return s
	}
	compareSummaries(t, "hand-written rules", gotLocal, map[string]btSummary{
		"QLocal ": noRouting(stateMachine(func(m int) bool { return queueAt(m)*2 > 250 }, 5)),
		"QRaw ":   noRouting(stateMachine(func(m int) bool { return queueAt(m) > 400 }, 3)),
	})

	// Limits stop a run with a clear error.
	var errOut bytes.Buffer
	if code := run([]string{"slo", "backtest", "--prometheus", "http://" + addr, "--from", from.Format(time.RFC3339), "--to", to.Format(time.RFC3339), "--max-samples", "1000"}, io.Discard, &errOut); code != exitFailure ||
		!strings.Contains(errOut.String(), "more than 1000 samples fetched in all (--max-samples)") {
		t.Errorf("--max-samples 1000: exit %d, stderr:\n%s", code, errOut.String())
	}

	// The text report states the change of pages.
	var stdout, stderr bytes.Buffer
	if code := run([]string{"slo", "backtest", "--prometheus", "http://" + addr, "--from", from.Format(time.RFC3339), "--to", to.Format(time.RFC3339), "--base", "HEAD~1"}, &stdout, &stderr); code != 0 {
		t.Fatalf("slo backtest (text): exit %d\n%s", code, stderr.String())
	}
	t.Logf("slo backtest --base HEAD~1 (text):\n%s", stdout.String())
	w, h := wantBase["CheckoutQueueDepthHigh critical"], wantHead["CheckoutQueueDepthHigh critical"]
	line := fmt.Sprintf("CheckoutQueueDepthHigh critical: pages in the last 1d: %d → %d;", w.Pages, h.Pages)
	if !strings.Contains(stdout.String(), line) {
		t.Errorf("text report lacks %q:\n%s", line, stdout.String())
	}
}

// startPrometheus starts prometheus on a free port of 127.0.0.1 with its
// storage at data, waits (bounded) until it is ready, and stops it by PID
// when the test ends.
func startPrometheus(t *testing.T, bin, cfg, data string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	var log bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+data, "--web.listen-address="+addr,
		"--storage.tsdb.retention.time=30d")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("--- prometheus log ---\n%s", log.String())
		}
	})
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil}}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/-/ready", nil)
		if resp, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		select {
		case <-done:
			t.Fatalf("prometheus exited before it was ready:\n%s", log.String())
		case <-ctx.Done():
			t.Fatalf("prometheus not ready after 60s")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// serverMajor asks the server for its major version.
func serverMajor(t *testing.T, addr string) int {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Get("http://" + addr + "/api/v1/status/buildinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info struct {
		Data struct {
			Version string `json:"version"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	major, err := strconv.Atoi(strings.SplitN(info.Data.Version, ".", 2)[0])
	if err != nil {
		t.Fatalf("server version %q: %v", info.Data.Version, err)
	}
	t.Logf("prometheus %s", info.Data.Version)
	return major
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s lacks %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}
