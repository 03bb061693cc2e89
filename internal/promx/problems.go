package promx

import (
	"errors"
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/model/rulefmt"
)

// RuleProblem splits an error of LoadRuleFile or CheckRuleFile into the
// group and rule it is about (rule counts from 1; 0 when the error is about
// the group or the file) and a one-line message without the rule file's
// own line and column, which mean nothing to a reader of the spec.
func RuleProblem(err error) (group string, rule int, msg string) {
	var re *rulefmt.Error
	if errors.As(err, &re) {
		inner := re.Err.Unwrap()
		if inner == nil {
			inner = err
		}
		return re.Group, re.Rule, fmt.Sprintf("group %q, rule %d, %q: %s", re.Group, re.Rule, re.RuleName, oneLine(inner.Error()))
	}
	var we *rulefmt.WrappedError
	if errors.As(err, &we) && we.Unwrap() != nil {
		return "", 0, oneLine(we.Unwrap().Error())
	}
	return "", 0, oneLine(err.Error())
}

// oneLine folds a multi-line message ("yaml: unmarshal errors:\n  line 3:
// ...") into one line.
func oneLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, " ")
}
