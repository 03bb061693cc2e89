package promtool

// The failure messages are promtool's (cmd/promtool/unittest.go, v0.315.0).
//
// Copyright The Prometheus Authors.
// Licensed under the Apache License, Version 2.0 (the "License"); you may
// not use this file except in compliance with the License. You may obtain
// a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-compiler/slo/internal/simulate"
)

// WriteReport writes the result the way promtool prints it, stdout and
// stderr merged: "  SUCCESS" or "  FAILED:" followed by each message.
func (r *FileResult) WriteReport(w io.Writer) error {
	var b strings.Builder
	b.WriteString("Unit Testing:  " + r.File + "\n")
	for _, wn := range r.Warnings {
		b.WriteString(wn + "\n")
	}
	errs := r.Errors()
	if len(errs) == 0 {
		b.WriteString("  SUCCESS\n")
	} else {
		b.WriteString("  FAILED:\n")
		for _, e := range errs {
			b.WriteString(e + "\n\n")
		}
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// Messages renders failures as promtool prints them.
func Messages(fs []simulate.Failure) []string {
	if len(fs) == 0 {
		return nil
	}
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = Format(f, "    ")
	}
	return out
}

// Format renders a failure in promtool's words, each line of a test
// failure indented by indent and its details by four spaces more
// (promtool's own report indents by four spaces).
func Format(f simulate.Failure, indent string) string {
	at := model.Duration(f.At).String()
	detail := indent + "    "
	switch f.Kind {
	case simulate.RuleFailed:
		return fmt.Sprintf("%srule: %s, time: %s, err: %v", indent, f.Rule, time.Duration(f.At), f.Err)
	case simulate.AlertMismatch:
		var testName string
		if f.Group != "" {
			testName = fmt.Sprintf("%sname: %s,\n", indent, f.Group)
		}
		expString := indentLines(alertsString(f.ExpAlerts), detail+"    ")
		gotString := indentLines(alertsString(f.GotAlerts), detail+"    ")
		return fmt.Sprintf("%s%salertname: %s, time: %s, \n%sexp:%v, \n%sgot:%v",
			testName, indent, f.Alertname, at, detail, expString, detail, gotString)
	case simulate.ExprFailed:
		return fmt.Sprintf("%sexpr: %q, time: %s, err: %s", indent, f.Expr, at, f.Err.Error())
	case simulate.ExprMismatch:
		return fmt.Sprintf("%sexpr: %q, time: %s,\n%sexp: %v\n%sgot: %v", indent, f.Expr, at,
			detail, samplesString(f.ExpSamples), detail, samplesString(f.GotSamples))
	}
	if f.Err == nil {
		return fmt.Sprintf("failure of kind %d", f.Kind)
	}
	return f.Err.Error()
}

// indentLines prefixes each line in the supplied string with the given "indent"
// string.
func indentLines(lines, indent string) string {
	sb := strings.Builder{}
	n := strings.Split(lines, "\n")
	for i, l := range n {
		if i > 0 {
			sb.WriteString(indent)
		}
		sb.WriteString(l)
		if i != len(n)-1 {
			sb.WriteRune('\n')
		}
	}
	return sb.String()
}

func alertsString(la []simulate.Alert) string {
	if len(la) == 0 {
		return "[]"
	}
	var s strings.Builder
	s.WriteString("[\n0:" + indentLines("\n"+alertString(la[0]), "  "))
	for i, l := range la[1:] {
		s.WriteString(",\n" + strconv.Itoa(i+1) + ":" + indentLines("\n"+alertString(l), "  "))
	}
	s.WriteString("\n]")
	return s.String()
}

func alertString(la simulate.Alert) string {
	return "Labels:" + la.Labels.String() + "\nAnnotations:" + la.Annotations.String()
}

func samplesString(pss []simulate.Sample) string {
	if len(pss) == 0 {
		return "nil"
	}
	var s strings.Builder
	s.WriteString(sampleString(pss[0]))
	for _, ps := range pss[1:] {
		s.WriteString(", " + sampleString(ps))
	}
	return s.String()
}

func sampleString(ps simulate.Sample) string {
	if ps.Histogram != "" {
		return ps.Labels.String() + " " + ps.Histogram
	}
	return ps.Labels.String() + " " + strconv.FormatFloat(ps.Value, 'E', -1, 64)
}
