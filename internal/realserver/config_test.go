package realserver

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ruleFile is what the test reads of a compiled rule file.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Record string            `yaml:"record"`
	Alert  string            `yaml:"alert"`
	Expr   string            `yaml:"expr"`
	For    string            `yaml:"for"`
	Labels map[string]string `yaml:"labels"`
}

// rewriteRules returns a copy of a compiled rule file for the test servers.
// Only two things change, and the expressions are left as compiled:
//
//   - every group's interval becomes interval (the compiled groups evaluate
//     every minute; the test wants three evaluations in seconds);
//   - the alerting rule named alert with label severity=severity gets
//     for: 0s, so that case 2 sees it fire without waiting its `for`.
func rewriteRules(data []byte, interval, alert, severity string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("empty rule file")
	}
	groups := get(doc.Content[0], "groups")
	if groups == nil || groups.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("no groups")
	}
	for _, g := range groups.Content {
		setScalar(g, "interval", interval, "rules")
		rules := get(g, "rules")
		if rules == nil {
			continue
		}
		for _, r := range rules.Content {
			name := get(r, "alert")
			labels := get(r, "labels")
			if name == nil || name.Value != alert || labels == nil {
				continue
			}
			if sev := get(labels, "severity"); sev != nil && sev.Value == severity {
				setScalar(r, "for", "0s", "labels")
			}
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

// get returns the value of key in mapping m, or nil.
func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// setScalar sets key in mapping m to the plain scalar value, adding it
// before the key before (or at the end) when absent.
func setScalar(m *yaml.Node, key, value, before string) {
	if n := get(m, key); n != nil {
		n.Kind, n.Tag, n.Style, n.Value, n.Content = yaml.ScalarNode, "!!str", 0, value, nil
		return
	}
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
	v := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}
	at := len(m.Content)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == before {
			at = i
			break
		}
	}
	m.Content = slices.Insert(m.Content, at, k, v)
}

// replaceReceivers returns a copy of a compiled Alertmanager config whose
// receivers (e-mail, Slack, PagerDuty in the shipped base config) are each
// replaced by one webhook to webhookURL/<receiver name>: nothing the test
// does can reach the outside world. Receiver names stay, and every byte
// outside the receivers block (route tree, inhibit rules, time intervals)
// is kept as compiled, so routing is the compiled routing. It returns the
// receiver names.
func replaceReceivers(data []byte, webhookURL string) ([]byte, []string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, err
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("not a mapping")
	}
	root := doc.Content[0]
	lines := strings.SplitAfter(string(data), "\n")
	from, to := -1, len(lines) // 0-based line span [from, to) of the receivers block
	var names []string
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value == "receivers" {
			if k.Column != 1 {
				return nil, nil, fmt.Errorf("receivers key is not at column 1")
			}
			from = k.Line - 1
			for _, r := range v.Content {
				if n := get(r, "name"); n != nil {
					names = append(names, n.Value)
				}
			}
			if i+2 < len(root.Content) {
				next := root.Content[i+2]
				to = next.Line - 1
				if next.HeadComment != "" {
					to -= strings.Count(next.HeadComment, "\n") + 1
				}
			}
		}
	}
	if from < 0 {
		return nil, nil, fmt.Errorf("no receivers")
	}
	var b strings.Builder
	b.WriteString("# Test copy: every receiver's integrations are replaced by a webhook to the test on loopback.\n")
	b.WriteString("receivers:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  - name: %q\n    webhook_configs:\n      - url: %q\n        send_resolved: true\n", n, webhookURL+"/"+n)
	}
	out := strings.Join(lines[:from], "") + b.String() + strings.Join(lines[to:], "")
	return []byte(out), names, nil
}
