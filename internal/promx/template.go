package promx

import (
	"strings"
	"sync"
	"sync/atomic"
	"text/template/parse"

	"github.com/prometheus/prometheus/template"
	"github.com/prometheus/prometheus/util/features"
)

// templateDefs are the variables Prometheus defines before an alert's label
// or annotation template when it loads a rule file (see rulefmt's
// testTemplateParsing).
const templateDefs = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

// textTemplateBuiltins are the functions text/template defines itself (its
// unexported builtins()).
var textTemplateBuiltins = []string{
	"and", "call", "html", "index", "slice", "js", "len", "not", "or",
	"print", "printf", "println", "urlquery",
	"eq", "ge", "gt", "le", "lt", "ne",
}

// templateFuncs is the set of function names an alert template can call:
// Prometheus's own, as its feature registry lists them, and text/template's
// builtins. Parsing only looks names up, so names are all it needs.
var templateFuncs = sync.OnceValue(func() map[string]any {
	reg := features.NewRegistry()
	template.RegisterFeatures(reg)
	names := map[string]any{}
	for name, enabled := range reg.Get()[features.TemplatingFunctions] {
		if enabled {
			names[name] = true
		}
	}
	for _, name := range textTemplateBuiltins {
		names[name] = true
	}
	return names
})

// templateParses reports whether an alert's label or annotation template
// parses, as Prometheus parses it when it loads a rule file. It runs the
// same parser Prometheus reaches through text/template, on the same text
// and template name, without building a template and copying Prometheus's
// function map into it for every text, which is where the time of a
// ParseTest goes. A function missing from templateFuncs can only make it
// refuse a good template, never accept a bad one: callers take false as
// "ask Prometheus" (see CheckTemplate), not as an error.
//
// A text without "{{" is plain text, which always parses. A text that
// parsed is remembered with its alert name: the spec's check and the
// read-back of each severity's rule parse the same template.
func templateParses(alert, text string) bool {
	if !strings.Contains(text, "{{") {
		return true
	}
	key := templateKey{alert, text}
	if _, ok := parsedTemplates.Load(key); ok {
		return true
	}
	if _, err := parse.Parse("__alert_"+alert, templateDefs+text, "", "", templateFuncs()); err != nil {
		return false
	}
	if parsedCount.Add(1) > maxParsedTemplates {
		// Bound the memory of a long-running process (a watch loop, a
		// fuzzer): forget everything now and then.
		parsedTemplates.Clear()
		parsedCount.Store(0)
	}
	parsedTemplates.Store(key, struct{}{})
	return true
}

type templateKey struct{ alert, text string }

const maxParsedTemplates = 1 << 17

var (
	parsedTemplates sync.Map // templateKey → struct{}: texts that parse
	parsedCount     atomic.Int64
)
