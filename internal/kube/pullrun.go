package kube

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/opencontainers/runtime-spec/specs-go"
	"k8s.io/client-go/dynamic"

	"github.com/recorder-dev/recorder/profilegen"
	"github.com/recorder-dev/recorder/profiletool"
	"github.com/recorder-dev/recorder/safefile"
)

// PullOptions are what `recorder pull` does once its flags are read.
type PullOptions struct {
	Profiles  dynamic.ResourceInterface // the seccompprofiles resource
	Workload  Workload
	Container string            // one container's profile ("": every container's)
	Out       string            // where the profile goes (safefile.WriteOutput: "-" is standard output)
	Format    profilegen.Format // OCI (Localhost) or SPO
	Name      string            // the final SeccompProfile's name ("": FinalName)
	Labels    map[string]string // added to the final SeccompProfile's labels
	Previous  string            // the file to diff against ("": the cluster's object of the final's name)
	Apply     bool              // create or update the final SeccompProfile in the cluster
	// Admission, when set, is asked whether the admission policy of the
	// recorder's partials is in force (PolicyMissing): pull warns when it
	// can tell that it is not.
	Admission dynamic.Interface
}

// ErrOneProfile: an OCI file, or a name, holds one container's profile,
// and the workload has several.
var ErrOneProfile = errors.New("the workload has several containers: name one")

// Run pulls the workload's partials, merges them, writes the profiles,
// tells on report what each was merged from, the coverage and the
// difference from its previous version, and applies them when asked.
func (o PullOptions) Run(ctx context.Context, stdout, report io.Writer) error {
	pulled, err := Pull(ctx, o.Profiles, o.Workload, o.Container)
	for _, s := range pulled.Skipped {
		fmt.Fprintf(report, "skipped: %s\n", s)
	}
	for _, s := range pulled.Warnings {
		fmt.Fprintf(report, "warning: %s\n", s)
	}
	if err != nil {
		return err
	}
	if o.Admission != nil && PolicyMissing(ctx, o.Admission) {
		fmt.Fprintf(report, "warning: no admission policy of the recorder's partials is in force (deploy/kubernetes/admission.yaml): "+
			"whoever can create or update SeccompProfiles may have written a partial merged here\n")
	}
	if len(pulled.Finals) > 1 && (o.Format != profilegen.SPO || o.Name != "") {
		var ctrs []string
		for _, f := range pulled.Finals {
			ctrs = append(ctrs, f.Container)
		}
		return fmt.Errorf("%w (containers %q; or --format spo, one object each)", ErrOneProfile, ctrs)
	}
	var out []byte
	for _, f := range pulled.Finals {
		data, err := o.marshal(f)
		if err != nil {
			return err
		}
		out = append(out, data...)
		if err := f.WriteSummary(report); err != nil {
			return err
		}
		if err := o.diff(ctx, report, f); err != nil {
			return err
		}
	}
	if err := safefile.WriteOutput(o.Out, stdout, out); err != nil {
		return fmt.Errorf("write profile: %w", err)
	}
	if o.Apply {
		return o.apply(ctx, report, pulled.Finals)
	}
	return nil
}

func (o PullOptions) marshal(f Final) ([]byte, error) {
	if o.Format == profilegen.SPO {
		return f.YAML(o.Name, o.Labels)
	}
	return o.Format.Marshal(FinalName(f.Workload, f.Container), f.Profile)
}

// diff writes how f differs from its previous version: the file
// o.Previous, or the cluster's object of its name.
func (o PullOptions) diff(ctx context.Context, w io.Writer, f Final) error {
	var prev *specs.LinuxSeccomp
	what := o.Previous
	if o.Previous != "" {
		p, err := profilegen.ReadFile(o.Previous)
		if err != nil {
			return fmt.Errorf("previous version: %w", err)
		}
		prev = p
	} else {
		name := o.finalName(f)
		what = "seccompprofile/" + name
		p, ok, err := Previous(ctx, o.Profiles, name)
		if err != nil {
			return fmt.Errorf("previous version: %w", err)
		}
		if !ok {
			_, err := fmt.Fprintf(w, "  no previous version (%s): nothing to compare\n", what)
			return err
		}
		prev = p
	}
	d := profiletool.Diff(what, prev, "merged", f.Profile)
	if d.Empty() {
		_, err := fmt.Fprintf(w, "  the same as the previous version (%s)\n", what)
		return err
	}
	_, err := d.WriteTo(w)
	return err
}

func (o PullOptions) finalName(f Final) string {
	if o.Name != "" {
		return o.Name
	}
	return FinalName(f.Workload, f.Container)
}

func (o PullOptions) apply(ctx context.Context, w io.Writer, finals []Final) error {
	for _, f := range finals {
		obj, err := f.Object(o.Name, o.Labels)
		if err != nil {
			return err
		}
		if err := Apply(ctx, o.Profiles, obj); err != nil {
			return fmt.Errorf("apply seccompprofile %s: %w", obj.GetName(), err)
		}
		fmt.Fprintf(w, "applied seccompprofile %s\n", obj.GetName())
	}
	return nil
}
