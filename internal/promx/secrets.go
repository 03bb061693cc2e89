package promx

import (
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SecretPlaceholder is what Alertmanager writes in place of a secret when
// it prints a config; slo writes it in place of a secret in a message.
// amx's tests check that it is Alertmanager's.
const SecretPlaceholder = "<secret>"

// minSecretLen is the shortest value redacted: replacing every "a" of a
// message would leave nothing to read, and a secret of fewer characters
// protects nothing.
const minSecretLen = 4

// secretKeys are the YAML keys of the Alertmanager config whose values
// Alertmanager keeps secret: the fields of a type it marshals as <secret>,
// or of a map or list of them. A key is secret wherever it appears, which
// errs on the side of redacting. They are written out rather than found by
// walking the config's Go types, since importing those links all of
// Alertmanager into every package that redacts a message (validate, for
// one); amx's TestSecretKeysAreAlertmanagers walks the types and fails when
// the two differ, after an Alertmanager upgrade say.
var secretKeys = []string{
	"alert_source_token", "api_key", "api_secret", "api_url", "app_token",
	"auth_password", "auth_secret", "bearer_token", "bot_token",
	"client_certificate_key", "client_secret", "credentials", "key",
	"mattermost_webhook_url", "opsgenie_api_key", "password",
	"proxy_connect_header", "rocketchat_token", "rocketchat_token_id",
	"routing_key", "secret_key", "secrets", "service_key",
	"slack_api_url", "slack_app_token", "smtp_auth_password",
	"smtp_auth_secret", "telegram_bot_token", "token", "token_id", "url",
	"user_key", "victorops_api_key", "webhook_url", "wechat_api_secret",
}

// SecretKeys returns the YAML keys of the Alertmanager config whose values
// Alertmanager keeps secret (smtp_auth_password, api_url, routing_key,
// credentials, ...), sorted.
func SecretKeys() []string { return slices.Clone(secretKeys) }

// credentialQuery matches query parameter names that carry credentials.
var credentialQuery = regexp.MustCompile(`(?i)token|key|secret|pass|auth|sig|code`)

// isCredentialURL reports whether s looks like a URL carrying credentials:
// a user (user:password@), or a query parameter named like a token. A URL
// that does not parse counts when it has an @ after its scheme.
func isCredentialURL(s string) bool {
	_, rest, ok := strings.Cut(s, "://")
	if !ok {
		return false
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return strings.Contains(rest, "@") || credentialQuery.MatchString(rest)
	}
	if u.User != nil {
		return true
	}
	for k := range u.Query() {
		if credentialQuery.MatchString(k) {
			return true
		}
	}
	return false
}

// SecretValues returns the secret values of an Alertmanager config text:
// every scalar below a key of SecretKeys, and every value anywhere that is
// a URL carrying credentials. Text that is not YAML yields the URLs found
// in it.
func SecretValues(content []byte) []string {
	keys := secretKeys
	var out []string
	add := func(v string) {
		if len(strings.TrimSpace(v)) >= minSecretLen && !slices.Contains(out, v) && v != SecretPlaceholder {
			out = append(out, v)
		}
	}
	var walk func(n *yaml.Node, secret bool)
	walk = func(n *yaml.Node, secret bool) {
		switch n.Kind {
		case yaml.ScalarNode:
			if secret || isCredentialURL(n.Value) {
				add(n.Value)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i], false)
				walk(n.Content[i+1], secret || slices.Contains(keys, n.Content[i].Value))
			}
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, secret)
			}
		case yaml.AliasNode:
			if n.Alias != nil {
				walk(n.Alias, secret)
			}
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(content, &doc); err == nil {
		walk(&doc, false)
	} else {
		// Not YAML: look for URLs with credentials in the raw text.
		for _, field := range strings.FieldsFunc(string(content), func(r rune) bool {
			return r == ' ' || r == '\n' || r == '\t' || r == '"' || r == '\'' || r == ',' || r == '[' || r == ']' || r == '{' || r == '}'
		}) {
			if isCredentialURL(field) {
				add(field)
			}
		}
	}
	// Longest first, so that a secret holding another is replaced whole.
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// Redact replaces every secret value of the Alertmanager config text
// content in msg with <secret>: as written, as Go quotes it (net/url's
// errors quote the URL), as the YAML decoders shorten it in their type
// errors (its first seven bytes and "..."), and any quoted part of it.
func Redact(content []byte, msg string) string {
	secrets := SecretValues(content)
	for _, v := range secrets {
		forms := []string{v, strings.TrimSpace(v)}
		if q := strconv.Quote(v); q[1:len(q)-1] != v {
			forms = append(forms, q[1:len(q)-1])
		}
		for _, f := range forms {
			msg = strings.ReplaceAll(msg, f, SecretPlaceholder)
		}
		if len(v) > 10 {
			msg = strings.ReplaceAll(msg, "`"+v[:7]+"...`", "`"+SecretPlaceholder+"`")
		}
	}
	// A part of a secret quoted on its own, such as net/url's "invalid
	// port \":tok-123\" after host".
	return quoted.ReplaceAllStringFunc(msg, func(q string) string {
		inner := q[1 : len(q)-1]
		if q[0] == '"' {
			if u, err := strconv.Unquote(q); err == nil {
				inner = u
			}
		}
		if len(inner) < minSecretLen || inner == SecretPlaceholder {
			return q
		}
		for _, v := range secrets {
			if strings.Contains(v, inner) {
				return q[:1] + SecretPlaceholder + q[len(q)-1:]
			}
		}
		return q
	})
}

// quoted matches a Go-quoted string or a backquoted one in a message.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|` + "`[^`]*`")

// RedactError returns err with the secrets of the Alertmanager config text
// content redacted from its message (see Redact); nil stays nil.
func RedactError(content []byte, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := Redact(content, msg); r != msg {
		// A new error: the original, which still quotes the secret, must
		// not be reachable through Unwrap.
		return errors.New(r)
	}
	return err
}
