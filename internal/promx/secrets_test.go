package promx

import (
	"slices"
	"testing"
)

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
