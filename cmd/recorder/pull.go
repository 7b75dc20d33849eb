package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/recorder-dev/recorder/internal/kube"
	"github.com/recorder-dev/recorder/internal/usage"
)

// pullFlags are pull's command line.
type pullFlags struct {
	kubeconfig, container, out, name, previous string
	labels                                     []string
	apply                                      bool
	f                                          formatFlag
}

func newPullCmd(std stdio) *cobra.Command {
	p := &pullFlags{}
	return command("pull [flags] KIND/NAMESPACE/NAME", "one profile per workload: merge its partial SeccompProfiles from every replica and node",
		argsBetween(1, 1), p.register,
		func(cmd *cobra.Command, args []string) error {
			o, err := p.options(args[0])
			if err != nil {
				return err
			}
			return o.Run(cmd.Context(), std.out, std.errOut)
		})
}

func (p *pullFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&p.kubeconfig, "kubeconfig", "", "the kubeconfig `FILE` (default: $KUBECONFIG, then ~/.kube/config)")
	fs.StringVar(&p.container, "container", "", "the profile of the container `NAME` only")
	fs.StringVarP(&p.out, "output", "o", "-", "write to `FILE`; - is standard output")
	p.f.register(fs)
	fs.StringVar(&p.name, "name", "", "the SeccompProfile's `NAME` (default: NAMESPACE-NAME-CONTAINER)")
	fs.StringArrayVar(&p.labels, "label", nil, "add the label `KEY=VALUE` to the SeccompProfile (repeatable)")
	fs.StringVar(&p.previous, "previous", "", "diff against the profile `FILE` (default: the cluster's SeccompProfile of that name)")
	fs.BoolVar(&p.apply, "apply", false, "create or update the SeccompProfile in the cluster (not partial: the operator installs it on every node)")
}

// options checks the flags and makes pull's options, with its client.
func (p *pullFlags) options(workload string) (kube.PullOptions, error) {
	w, err := kube.ParseWorkload(workload)
	if err != nil {
		return kube.PullOptions{}, usage.Errorf("%w", err)
	}
	p.f.name, p.f.labels = p.name, p.labels
	if err := p.f.resolve(nil, p.out); err != nil {
		return kube.PullOptions{}, err
	}
	rc, err := kube.RESTConfig(p.kubeconfig, false)
	if err != nil {
		return kube.PullOptions{}, err
	}
	c, err := kube.NewClients(rc)
	if err != nil {
		return kube.PullOptions{}, err
	}
	return kube.PullOptions{Profiles: c.Profiles, Workload: w, Container: p.container, Out: p.out, Format: p.f.f,
		Name: p.name, Labels: p.f.spo.Labels, Previous: p.previous, Apply: p.apply, Admission: c.Dynamic}, nil
}
