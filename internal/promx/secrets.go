package promx

import (
	"errors"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	amconfig "github.com/prometheus/alertmanager/config"
	amcommon "github.com/prometheus/alertmanager/config/common"
	commoncfg "github.com/prometheus/common/config"
)

// SecretPlaceholder is what Alertmanager writes in place of a secret when
// it prints a config; slo writes it in place of a secret in a message.
const SecretPlaceholder = amcommon.SecretToken

// minSecretLen is the shortest value redacted: replacing every "a" of a
// message would leave nothing to read, and a secret of fewer characters
// protects nothing.
const minSecretLen = 4

// secretTypes are the types Alertmanager keeps secret: it marshals them
// as <secret>.
var secretTypes = []reflect.Type{
	reflect.TypeFor[commoncfg.Secret](),
	reflect.TypeFor[amcommon.SecretURL](),
	reflect.TypeFor[amconfig.SecretTemplateURL](),
}

// SecretKeys returns the YAML keys of the Alertmanager config whose values
// Alertmanager keeps secret (smtp_auth_password, api_url, routing_key,
// credentials, ...), found by walking the config's Go types: a field of a
// secret type, or a map or list of them. A key is secret wherever it
// appears, which errs on the side of redacting.
var SecretKeys = sync.OnceValue(func() []string {
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
	var out []string
	for k := range keys {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
})

// elem strips pointers, slices, arrays and maps down to the element type,
// stopping at the secret types (SecretURL is a struct holding a URL).
func elem(t reflect.Type) reflect.Type {
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
	keys := SecretKeys()
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
