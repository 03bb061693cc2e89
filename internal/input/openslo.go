package input

import "go.yaml.in/yaml/v3"

var openSLO = Format{
	Name:  "OpenSLO",
	Reads: func(h Header) bool { return false },
	Load:  func(c *Ctx, docs []*yaml.Node) []*yaml.Node { return nil },
}
