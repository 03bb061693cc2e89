package amx

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	amconfig "github.com/prometheus/alertmanager/config"
	amcommon "github.com/prometheus/alertmanager/config/common"
	commoncfg "github.com/prometheus/common/config"

	"github.com/slo-compiler/slo/internal/promx"
)

// TestSecretKeysAreAlertmanagers: the secret keys promx redacts are the
// YAML keys of the fields Alertmanager keeps secret, found by walking
// config.Config's Go types: a field of a type it marshals as <secret>, or
// a map or list of them, wherever it is.
func TestSecretKeysAreAlertmanagers(t *testing.T) {
	secretTypes := []reflect.Type{
		reflect.TypeFor[commoncfg.Secret](),
		reflect.TypeFor[amcommon.SecretURL](),
		reflect.TypeFor[amconfig.SecretTemplateURL](),
	}
	// elem strips pointers, slices, arrays and maps down to the element
	// type, stopping at the secret types (SecretURL is a struct holding a
	// URL).
	elem := func(t reflect.Type) reflect.Type {
		for !slices.Contains(secretTypes, t) {
			switch t.Kind() {
			case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
				t = t.Elem()
			default:
				return t
			}
		}
		return t
	}
	keys := map[string]bool{}
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		t = elem(t)
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if slices.Contains(secretTypes, elem(f.Type)) && name != "" && name != "-" {
				keys[name] = true
				continue
			}
			if name != "-" && (name != "" || strings.Contains(opts, "inline") || f.Anonymous) {
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeFor[amconfig.Config]())
	var want []string
	for k := range keys {
		want = append(want, k)
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, promx.SecretKeys()); diff != "" {
		t.Errorf("promx's secret keys are not Alertmanager's (-Alertmanager's +promx's):\n%s", diff)
	}
	if promx.SecretPlaceholder != amcommon.SecretToken {
		t.Errorf("promx.SecretPlaceholder is %q; Alertmanager writes %q", promx.SecretPlaceholder, amcommon.SecretToken)
	}
}

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
