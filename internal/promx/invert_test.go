package promx

import "testing"

func TestSeriesFor(t *testing.T) {
	for _, tc := range []struct {
		sel   string
		extra map[string]string
		avoid []string
		want  string
	}{
		{`http_requests_total{job="api",code=~"5.."}`, nil, nil, `http_requests_total{code="500",job="api"}`},
		{`http_requests_total{job="api"}`, nil, []string{`http_requests_total{job="api",code=~"5.."}`}, `http_requests_total{job="api"}`},
		{`jobs_total{status=~"completed|failed"}`, map[string]string{"stage": "x"}, []string{`jobs_total{status="failed"}`}, `jobs_total{stage="x",status="completed"}`},
		{`node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"}`, nil, nil, `node_filesystem_avail_bytes`},
		{`tasks_total`, nil, []string{`tasks_total{status="failure"}`}, `tasks_total`},
		// Sloth's examples: a branch of the alternation, built from the regex.
		{`http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}`, nil, nil, `http_request_duration_seconds_count{code="500",job="myservice"}`},
		{`x{code=~"(5..|429)"}`, nil, []string{`x{code="500"}`}, `x{code="429"}`},
	} {
		got, err := SeriesFor(tc.sel, tc.extra, tc.avoid...)
		if err != nil || got != tc.want {
			t.Errorf("SeriesFor(%s, %v, %v) = %q, %v; want %q", tc.sel, tc.extra, tc.avoid, got, err, tc.want)
		}
	}
	if got, err := SeriesFor(`x{a="b"}`, nil, `x`); err == nil {
		t.Errorf("want an error when every series of the selector is avoided, got %q", got)
	}
}

func TestGaugeSeries(t *testing.T) {
	for text, want := range map[string]string{
		`sum by (stage) (dubbing_queue_depth)`:           `dubbing_queue_depth{stage="x"}`,
		`max by (Hostname, gpu) (DCGM_FI_DEV_GPU_TEMP)`:  `DCGM_FI_DEV_GPU_TEMP{Hostname="x",gpu="x"}`,
		`avg(DCGM_FI_DEV_GPU_UTIL)`:                      `DCGM_FI_DEV_GPU_UTIL`,
		`up{job="a"}`:                                    `up{job="a"}`,
		`sum by (queue) (celery_task_queued{queue="q"})`: `celery_task_queued{queue="q"}`,
		`rate(x[5m])`:                                    "",
		`sum(a) / sum(b)`:                                "",
		`topk(1, x)`:                                     "",
	} {
		got, ok := GaugeSeries(text)
		if got != want || ok != (want != "") {
			t.Errorf("GaugeSeries(%s) = %q, %v; want %q", text, got, ok, want)
		}
	}
}
