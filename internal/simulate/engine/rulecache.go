package engine

import (
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// cachingLoader is the rule manager's file loader (rules.FileLoader) with
// the parsed files kept: the scenarios of a spec load the same rule files,
// and reading and validating them was an eighth of a short scenario's CPU
// time. A file is looked up by its content (and the options that decide
// how it parses), so an edited file is read again; not by its path, which
// parsing does not read (only errors name it), as the harness writes a
// spec's rule files to a new folder for every run (slo test --watch reruns
// them). The rule manager only reads what Load returns. Files that fail to
// load are not kept: their errors come from rulefmt.ParseFile each time.
type cachingLoader struct {
	parser parser.Parser
	logger *slog.Logger
}

// maxCachedRuleFiles bounds the cache; past it, it starts over.
const maxCachedRuleFiles = 512

var ruleFiles = struct {
	sync.Mutex
	m map[string]*rulefmt.RuleGroups
}{m: map[string]*rulefmt.RuleGroups{}}

func (l cachingLoader) Load(identifier string, ignoreUnknownFields bool, scheme model.ValidationScheme) (*rulefmt.RuleGroups, []error) {
	b, err := os.ReadFile(identifier)
	if err != nil {
		return rulefmt.ParseFile(identifier, ignoreUnknownFields, scheme, l.parser, l.logger)
	}
	key := fmt.Sprintf("%v\x00%v\x00%+v\x00%s", ignoreUnknownFields, scheme, l.parser, b)
	ruleFiles.Lock()
	rgs, ok := ruleFiles.m[key]
	ruleFiles.Unlock()
	if ok {
		return rgs, nil
	}
	rgs, errs := rulefmt.ParseFile(identifier, ignoreUnknownFields, scheme, l.parser, l.logger)
	if len(errs) > 0 {
		return rgs, errs
	}
	ruleFiles.Lock()
	if len(ruleFiles.m) >= maxCachedRuleFiles {
		clear(ruleFiles.m)
	}
	ruleFiles.m[key] = rgs
	ruleFiles.Unlock()
	return rgs, nil
}

func (l cachingLoader) Parse(query string) (parser.Expr, error) {
	return l.parser.ParseExpr(query)
}
