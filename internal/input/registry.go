package input

// formats are the loaders, tried in order. Adding a format is one file
// with its Format and one line here.
var formats = []*Format{
	&sloth,
	&openSLO,
	&pyrra,
}

// formatHeaders name the documents the loaders read, for diagnostics.
var formatHeaders = []string{
	"Sloth version: prometheus/v1 or apiVersion: sloth.slok.dev/v1 kind: PrometheusServiceLevel",
	"apiVersion: openslo/v1 (SLO, SLI, AlertPolicy, AlertCondition, AlertNotificationTarget, Service)",
	"apiVersion: pyrra.dev/v1alpha1 kind: ServiceLevelObjective",
}
