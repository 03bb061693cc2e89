package amx

import (
	"errors"
	"reflect"

	amconfig "github.com/prometheus/alertmanager/config"
	"go.yaml.in/yaml/v3"
	amyaml "gopkg.in/yaml.v2" // the YAML module of Alertmanager's config.Load

	"github.com/slo-compiler/slo/internal/yamlschema"
)

// AlertmanagerProblems returns where in root, the YAML tree of an
// Alertmanager config, the loader's refusal err comes from, found from the
// tree and the loader's Go types, never from the text of err.
//
// When err is the YAML decoder's type error (unknown fields, values of the
// wrong kind), every unknown or mistyped field of config.Config is a
// problem with its own message. Otherwise the problem is the deepest node
// whose value Alertmanager's own decoding refuses when decoded alone into
// its Go type (a URL, a weekday, an e-mail config without to), and has no
// message of its own. Nil when neither finds it: the refusal is about the
// config as a whole (an undefined receiver, a duplicate name).
func AlertmanagerProblems(root *yaml.Node, err error) []yamlschema.Problem {
	if root == nil || err == nil {
		return nil
	}
	cfg := reflect.TypeFor[amconfig.Config]()
	if isAMTypeError(err) {
		if ps := amSchema.Fields(root, cfg); len(ps) > 0 {
			return ps
		}
	}
	if path, n, ok := amSchema.Refused(root, cfg); ok && len(path) > 0 {
		return []yamlschema.Problem{{Path: path, Node: n}}
	}
	return nil
}

var amSchema = yamlschema.Checker{
	Decode:      yamlschema.StrictDecode(amyaml.UnmarshalStrict),
	IsTypeError: isAMTypeError,
}

func isAMTypeError(err error) bool {
	var te *amyaml.TypeError
	return errors.As(err, &te)
}
