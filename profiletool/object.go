package profiletool

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/recorder-dev/recorder/internal/usage"
	"github.com/recorder-dev/recorder/profilegen"
)

// Object is how the toolkit writes a profile: its format, and for a
// SeccompProfile (SPO) its API version, name (--name; "" names it after
// what it holds) and labels. Its name is made a DNS-1123 label
// (profilegen.ResourceName), as every writer of SeccompProfiles does.
type Object struct {
	Format Format
	SPO    profilegen.SPOOptions
}

// ErrNoName: a SeccompProfile written to standard output from inputs of
// no common name has nothing to be named after: the caller must name it
// (SPOOptions.Name; the command says with which flag).
var ErrNoName = errors.New("the SeccompProfile has no name: its inputs have none in common")

// write encodes p as o says, named name unless o names it, with the
// annotations carried (a converted object's own), and writes it to out.
func (o Object) write(w io.Writer, out, name string, carried map[string]string, p *specs.LinuxSeccomp) error {
	data, err := o.marshal(name, carried, p)
	if err != nil {
		return err
	}
	return writeOut(w, out, data)
}

// withLabels returns o with the labels of m (an input's) under its own.
func (o Object) withLabels(m profilegen.Meta) (Object, error) {
	if len(m.Labels) == 0 {
		return o, nil
	}
	labels := map[string]string{}
	for k, v := range m.Labels {
		if _, _, err := profilegen.ParseLabel(k + "=" + v); err != nil {
			return o, fmt.Errorf("the input's %w", err)
		}
		labels[k] = v
	}
	maps.Copy(labels, o.SPO.Labels)
	o.SPO.Labels = labels
	return o, nil
}

// marshal encodes p as o says (OCI or SPO: systemd is Convert's).
func (o Object) marshal(name string, carried map[string]string, p *specs.LinuxSeccomp) ([]byte, error) {
	if o.Format != profilegen.SPO {
		return profilegen.OCI.Marshal(name, p)
	}
	spo := o.SPO
	name = cmp.Or(spo.Name, name)
	if name == "" {
		return nil, usage.Wrap(ErrNoName)
	}
	if len(carried) > 0 {
		spo.Annotations = maps.Clone(carried)
		maps.Copy(spo.Annotations, o.SPO.Annotations)
	}
	return spo.Marshal(name, p)
}
