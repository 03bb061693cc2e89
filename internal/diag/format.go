package diag

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Formats lists the names accepted by Write, in the order shown in help text.
var Formats = []string{"text", "json", "github"}

// Write renders diagnostics in the named format ("text", "json" or
// "github"). The list is sorted first, so every format shows the same order.
func Write(w io.Writer, format string, l List) error {
	l = l.Sorted()
	for i := range l {
		l[i].Message = OneLine(l[i].Message)
	}
	switch format {
	case "", "text":
		for _, d := range l {
			if _, err := fmt.Fprintln(w, d.String()); err != nil {
				return err
			}
		}
		return nil
	case "json":
		type jsonDiag struct {
			File     string `json:"file"`
			Line     int    `json:"line"`
			Column   int    `json:"column"`
			Severity string `json:"severity"`
			Code     string `json:"code"`
			Message  string `json:"message"`
		}
		out := struct {
			Diagnostics []jsonDiag `json:"diagnostics"`
			Errors      int        `json:"errors"`
			Warnings    int        `json:"warnings"`
		}{Diagnostics: []jsonDiag{}}
		for _, d := range l {
			out.Diagnostics = append(out.Diagnostics, jsonDiag{d.Pos.File, d.Pos.Line, d.Pos.Col, d.Severity.String(), d.Code, d.Message})
			if d.Severity == Error {
				out.Errors++
			} else {
				out.Warnings++
			}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "github":
		// https://docs.github.com/actions/reference/workflow-commands-for-github-actions
		for _, d := range l {
			cmd := "error"
			if d.Severity == Warning {
				cmd = "warning"
			}
			props := []string{"file=" + ghProp(d.Pos.File)}
			if d.Pos.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", d.Pos.Line))
			}
			if d.Pos.Col > 0 {
				props = append(props, fmt.Sprintf("col=%d", d.Pos.Col))
			}
			props = append(props, "title="+ghProp(d.Code))
			if _, err := fmt.Fprintf(w, "::%s %s::%s\n", cmd, strings.Join(props, ","), ghData(d.Message)); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
