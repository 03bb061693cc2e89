package input

import "go.yaml.in/yaml/v3"

var pyrra = Format{
	Name:  "Pyrra",
	Reads: func(h Header) bool { return false },
	Load:  func(c *Ctx, docs []*yaml.Node) []*yaml.Node { return nil },
}
