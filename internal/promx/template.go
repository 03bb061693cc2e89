package promx

import (
	"sync"
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
func templateParses(alert, text string) bool {
	_, err := parse.Parse("__alert_"+alert, templateDefs+text, "", "", templateFuncs())
	return err == nil
}
