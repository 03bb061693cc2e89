// Package diag holds diagnostics: problems found in user input, each with a
// position in a file, a severity, a message and a stable code. Diagnostics are
// values; they are collected, sorted and rendered, never printed where found.
package diag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Severity says whether a diagnostic stops the compile. The zero value is Error.
type Severity int

const (
	// Error makes the input invalid: nothing is written.
	Error Severity = iota
	// Warning is reported but does not stop the compile.
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Pos is a position in a file. Line and Col are 1-based; a zero Line means the
// whole file.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Diagnostic is one problem in user input.
type Diagnostic struct {
	Pos      Pos
	Severity Severity
	Message  string
	// Code is a stable identifier, "area/name", documented in docs/diagnostics.md.
	Code string
}

func (d Diagnostic) String() string {
	return fmt.Sprintf("%s: %s: %s [%s]", d.Pos, d.Severity, OneLine(d.Message), d.Code)
}

// OneLine folds a message of several lines (a wrapped error such as
// "yaml: unmarshal errors:\n  line 3: ...") into one, so that every
// diagnostic is one line for editors and problem matchers.
func OneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, " ")
}

// List collects diagnostics. The zero value is ready to use.
type List []Diagnostic

// Errorf appends an error at pos.
func (l *List) Errorf(pos Pos, code, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Severity: Error, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Warnf appends a warning at pos.
func (l *List) Warnf(pos Pos, code, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Severity: Warning, Code: code, Message: fmt.Sprintf(format, args...)})
}

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool {
	return slices.ContainsFunc(l, func(d Diagnostic) bool { return d.Severity == Error })
}

// Sorted returns the diagnostics sorted by file, line, column, severity, code
// and message, with exact duplicates removed.
func (l List) Sorted() List {
	out := slices.Clone(l)
	slices.SortStableFunc(out, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Severity, b.Severity),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return slices.Compact(out)
}
