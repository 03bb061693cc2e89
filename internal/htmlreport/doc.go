// Package htmlreport writes slo report: one self-contained HTML page with
// a section per alert (its spec, its compiled rules) and, for every
// scenario, a plot of the input series and the signal over time with the
// threshold of each severity, the pending and firing bands, and who was
// notified. Plots are SVG drawn by gonum.org/v1/plot and inlined; the page
// loads nothing from elsewhere and runs no script.
//
// It is a package of its own, not a format of package report: report
// writes slo test's verdicts (text, JSON, JUnit) from results alone,
// while this page needs the compiled rules, the specs and what each
// scenario did over time, and links the plotting library; keeping it
// apart keeps gonum out of every command that prints verdicts. It takes
// plain data (Document) and does no evaluation; package app fills it in
// from the harness.
package htmlreport
