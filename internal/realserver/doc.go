// Package realserver holds the end-to-end test of the compiled output
// against the real servers: Debian's prometheus and prometheus-alertmanager
// binaries, started on loopback by the test, load the rules and the
// Alertmanager config that slo compiles from specs/, scrape a small
// exporter inside the test, and are checked for rule health and for the
// receiver an alert really reaches. Everything is in the _test.go files;
// this file only documents the package.
package realserver
