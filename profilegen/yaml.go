package profilegen

import (
	"errors"
	"fmt"

	yaml3 "go.yaml.in/yaml/v3"
)

// ErrAlias: a YAML profile holds an anchor or an alias. A profile never
// needs one, and a few aliases of a large anchor expand a small file into
// gigabytes (a 286 KB file took 1.9 GB): the reader refuses them rather
// than expand them.
var ErrAlias = errors.New("YAML anchors and aliases are not accepted")

// maxYAMLNodes bounds the nodes of a YAML profile: twice the most a file
// of DefaultMaxProfileSize can hold as a flow list of one-letter names
// ("[a,a,...]"), so that a larger limit still gets a bound.
const maxYAMLNodes = 1 << 20

// ErrTooManyNodes: a YAML profile has more than maxYAMLNodes nodes.
var ErrTooManyNodes = errors.New("too many YAML nodes")

// checkYAML parses the first YAML document of data into its node tree,
// which holds an alias as a reference and expands nothing, and refuses a
// document with an anchor or an alias, or of more than maxYAMLNodes nodes.
// What it accepts decodes into at most as many values as it has nodes.
func checkYAML(data []byte) error {
	var doc yaml3.Node
	if err := yaml3.Unmarshal(data, &doc); err != nil {
		return err
	}
	count := 0
	var walk func(n *yaml3.Node) error
	walk = func(n *yaml3.Node) error {
		if count++; count > maxYAMLNodes {
			return fmt.Errorf("%w: more than %d", ErrTooManyNodes, maxYAMLNodes)
		}
		if n.Kind == yaml3.AliasNode || n.Anchor != "" {
			return fmt.Errorf("%w (line %d)", ErrAlias, n.Line)
		}
		for _, c := range n.Content {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(&doc)
}
