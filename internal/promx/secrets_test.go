package promx

import (
	"slices"
	"strings"
	"testing"
)

// TestAlertmanagerErrorsRedactSecrets: Alertmanager's loader quotes the
// value it refuses; a secret one must come out as <secret>.
func TestAlertmanagerErrorsRedactSecrets(t *testing.T) {
	for _, tc := range []struct {
		name, config string
		secrets      []string // none may appear in the message
		want         string   // the message, redacted
	}{{
		name: "invalid api_url carrying a token",
		config: `route: {receiver: ops}
receivers:
  - name: ops
    slack_configs: [{api_url: 'https://hooks.slack.com/services/T0/B0/xoxb-1234-SECRET%zz', channel: '#ops'}]
`,
		secrets: []string{"xoxb-1234-SECRET", "hooks.slack.com/services"},
		want:    `parse "<secret>": invalid URL escape "%zz"`,
	}, {
		name: "global slack_api_url with a token",
		config: `global:
  slack_api_url: "https://hooks.slack.com:tok-987654/services/T0/B0"
route: {receiver: ops}
receivers: [{name: ops}]
`,
		secrets: []string{"tok-987654", "hooks.slack.com"},
		want:    `parse "<secret>": invalid port "<secret>" after host`,
	}, {
		name: "user and password in a URL that is not a secret field",
		config: `route: {receiver: ops}
receivers:
  - name: ops
    webhook_configs:
      - url: http://example.com/hook
        http_config: {proxy_url: 'http://admin:hunter22@proxy example:3128'}
`,
		secrets: []string{"hunter22", "admin:"},
		want:    `parse "<secret>": invalid character " " in host name`,
	}, {
		name: "user and password in an api_url, with a quote Go escapes",
		config: `route: {receiver: ops}
receivers:
  - name: ops
    slack_configs: [{api_url: 'https://bot:pa"ss word@hooks.slack.com/x', channel: '#ops'}]
`,
		secrets: []string{`pa\"ss`, `pa"ss`, "bot:"},
		want:    `parse "<secret>": net/url: invalid userinfo`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckAlertmanagerConfig([]byte(tc.config))
			if err == nil {
				t.Fatal("the config loaded; want an error")
			}
			for _, s := range tc.secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("the message shows %q: %v", s, err)
				}
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("message %q; want it to hold %q", err, tc.want)
			}
			if _, lerr := LoadAlertmanager([]byte(tc.config)); lerr == nil || lerr.Error() != err.Error() {
				t.Errorf("LoadAlertmanager: %v; want the same redacted error", lerr)
			}
		})
	}
}

func TestSecretValues(t *testing.T) {
	config := `global:
  smtp_auth_password: s3cret-smtp
  resolve_timeout: 5m
receivers:
  - name: pager
    pagerduty_configs: [{routing_key: 0123456789abcdef, url: 'https://events.pagerduty.com/v2/enqueue'}]
    webhook_configs:
      - url: http://example.com/hook
        http_config:
          basic_auth: {username: bob, password: b0b-pass}
          proxy_connect_header: {X-Auth: [hdr-secret]}
          proxy_url: http://u:pw@proxy:3128
  - name: plain
    email_configs: [{to: ops@example.com, smarthost: 'smtp.example.com:587'}]
    slack_configs: [{api_url: <secret>, channel: '#x'}]
`
	got := SecretValues([]byte(config))
	for _, want := range []string{"s3cret-smtp", "0123456789abcdef", "b0b-pass", "hdr-secret", "http://u:pw@proxy:3128", "https://events.pagerduty.com/v2/enqueue"} {
		if !slices.Contains(got, want) {
			t.Errorf("%q not found secret; got %q", want, got)
		}
	}
	for _, not := range []string{"5m", "pager", "bob", "ops@example.com", "smtp.example.com:587", "#x", "<secret>"} {
		if slices.Contains(got, not) {
			t.Errorf("%q counted as a secret", not)
		}
	}
	// yaml's type errors shorten a value to its first seven bytes.
	if got := Redact([]byte(config), "cannot unmarshal !!str `s3cret-...` into int"); got != "cannot unmarshal !!str `<secret>` into int" {
		t.Errorf("shortened form: %q", got)
	}
}
