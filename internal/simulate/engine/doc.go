// Package engine is the adapter to Prometheus's evaluation packages:
// promql, rules, storage and tsdb (with promqltest and teststorage) are
// imported here and nowhere else in slo (TestOnlyEngineImportsEvaluation
// checks it). Their Go APIs change between minor releases; one adapter
// means one place to fix.
//
// It speaks plain data to the simulator: a Session holds one test group's
// input storage, query engine and loaded rule groups, and hands out rules
// as Rule values (name, parsed expression, labels, for, query offset),
// alerts as Alert values and query results as Sample values. What to
// evaluate when is decided above it, by package plan and package
// simulate; why a range query gives the same answer as per-step
// evaluation is argued there too.
//
// Imports flow one way: engine is a leaf that imports no slo package.
// simulate, plan (for the Rule type) and tests that need the engine
// (signal's claims tests) import it; promx, the parse-and-validate
// adapter, does not need it (promql/parser and model/* are fine anywhere),
// so the compiler never links the rule manager or the TSDB.
package engine
