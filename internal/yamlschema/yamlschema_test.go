package yamlschema

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	yamlv2 "go.yaml.in/yaml/v2"
	"go.yaml.in/yaml/v3"
)

type root struct {
	Name    string           `yaml:"name"`
	Inner   *inner           `yaml:"inner,omitempty"`
	Items   []item           `yaml:"items"`
	ByName  map[string]item  `yaml:"by_name"`
	Custom  custom           `yaml:"custom"`
	Scalar  scalarType       `yaml:"scalar"`
	Count   int              `yaml:"count"`
	Any     any              `yaml:"any"`
	Skipped string           `yaml:"-"`
	Lower   string           // yaml.v2 names it "lower"
	Embed   `yaml:",inline"` // its fields are root's
}

type Embed struct {
	Shared string `yaml:"shared"`
}

type inner struct {
	Depth int `yaml:"depth"`
}

type item struct {
	ID string `yaml:"id"`
}

// custom decodes a mapping into a plain alias of itself, as
// Alertmanager's config types do, and checks a field.
type custom struct {
	URL string `yaml:"url"`
}

func (c *custom) UnmarshalYAML(unmarshal func(any) error) error {
	type plain custom
	if err := unmarshal((*plain)(c)); err != nil {
		return err
	}
	if c.URL == "bad" {
		return errors.New("bad url")
	}
	return nil
}

// scalarType decodes a scalar of its own syntax (a weekday range).
type scalarType struct{ lo, hi string }

func (s *scalarType) UnmarshalYAML(unmarshal func(any) error) error {
	var v string
	if err := unmarshal(&v); err != nil {
		return err
	}
	lo, hi, ok := strings.Cut(v, ":")
	if !ok {
		return fmt.Errorf("%q is not a range", v)
	}
	s.lo, s.hi = lo, hi
	return nil
}

var checker = Checker{
	Decode: StrictDecode(yamlv2.UnmarshalStrict),
	IsTypeError: func(err error) bool {
		var te *yamlv2.TypeError
		return errors.As(err, &te)
	},
}

func parse(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

func show(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%d:%d %v key=%v: %s", p.Node.Line, p.Node.Column, p.Path, p.AtKey, p.Message))
	}
	return out
}

func TestFields(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{{
		name: "every kind of field, all known",
		src: "name: a\ninner: {depth: 1}\nitems: [{id: x}]\nby_name: {k: {id: y}}\ncustom: {url: u}\n" +
			"scalar: 'a:b'\ncount: 3\nany: {whatever: [1]}\nlower: l\nshared: s\n",
	}, {
		name: "nulls are taken by any type",
		src:  "inner:\nitems:\ncustom: ~\n",
	}, {
		name: "unknown fields at every level, in document order",
		src:  "nmae: a\ninner: {depht: 1}\nitems:\n  - {id: x, idd: y}\nby_name: {k: {i: 1}}\ncustom: {ulr: u}\nSkipped: x\nshared2: s\n",
		want: []string{
			"1:1 [nmae] key=true: field nmae not found in type yamlschema.root",
			"2:9 [inner depht] key=true: field depht not found in type yamlschema.inner",
			"4:13 [items 0 idd] key=true: field idd not found in type yamlschema.item",
			"5:15 [by_name k i] key=true: field i not found in type yamlschema.item",
			"6:10 [custom ulr] key=true: field ulr not found in type yamlschema.custom",
			"7:1 [Skipped] key=true: field Skipped not found in type yamlschema.root",
			"8:1 [shared2] key=true: field shared2 not found in type yamlschema.root",
		},
	}, {
		name: "values of the wrong kind",
		src:  "name: {a: b}\ninner: [1]\nitems: {id: x}\nby_name: [x]\ncustom: 5\ncount: many\nitems2: 1\n",
		want: []string{
			"1:7 [name] key=false: cannot unmarshal !!map into string",
			"2:8 [inner] key=false: cannot unmarshal !!seq into yamlschema.inner",
			"3:8 [items] key=false: cannot unmarshal !!map into []yamlschema.item",
			"4:10 [by_name] key=false: cannot unmarshal !!seq into map[string]yamlschema.item",
			"5:9 [custom] key=false: cannot unmarshal !!int `5` into yamlschema.custom",
			"6:8 [count] key=false: cannot unmarshal !!str `many` into int",
			"7:1 [items2] key=true: field items2 not found in type yamlschema.root",
		},
	}, {
		name: "a type's own check is not a kind problem",
		src:  "custom: {url: bad}\nscalar: nocolon\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := show(checker.Fields(parse(t, tc.src), reflect.TypeFor[root]()))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRefused(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      string // path and position; "" when root decodes
	}{{
		name: "a valid tree",
		src:  "custom: {url: u}\nscalar: 'a:b'\n",
	}, {
		name: "a scalar type's own syntax",
		src:  "items: [{id: x}]\nscalar: nocolon\n",
		want: "[scalar] 2:9",
	}, {
		name: "a check of a mapping type, at the mapping",
		src:  "by_name:\n  k: {id: x}\ncustom:\n  url: bad\n",
		want: "[custom] 4:3",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			path, n, ok := checker.Refused(parse(t, tc.src), reflect.TypeFor[root]())
			got := ""
			if ok {
				got = fmt.Sprintf("%v %d:%d", path, n.Line, n.Column)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
