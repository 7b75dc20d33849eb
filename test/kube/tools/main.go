// Command kube is Kubernetes' control plane, kubelet and kubectl in one
// binary, as hyperkube was: one link of k8s.io/kubernetes instead of five.
// The tests of the recorder start a real single-node cluster from it
// (internal/kubetest); make kube-tools builds it into a cache outside the
// repository.
//
//	kube apiserver|controller-manager|scheduler|kubelet|kubectl [flags]
//
// Called through a link named kube-apiserver, kube-controller-manager,
// kube-scheduler, kubelet or kubectl, it runs that command.
//
// It is a module of its own, so that the recorder's go.mod never requires
// k8s.io/kubernetes.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	_ "time/tzdata" // for CronJob's time zones, as kube-apiserver and kube-controller-manager do

	_ "k8s.io/client-go/plugin/pkg/client/auth" // kubectl's auth plugins
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"          // the JSON log format
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go's metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // the version metric
	kubectl "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	kcm "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

// commands are the commands by name; each is what the upstream main of
// cmd/<name> runs.
var commands = map[string]func() int{
	"apiserver":          func() int { return cli.Run(apiserver.NewAPIServerCommand()) },
	"controller-manager": func() int { return cli.Run(kcm.NewControllerManagerCommand()) },
	"scheduler":          func() int { return cli.Run(scheduler.NewSchedulerCommand()) },
	"kubelet":            func() int { return cli.Run(kubelet.NewKubeletCommand(context.Background())) },
	"kubectl":            runKubectl,
}

func main() {
	name := strings.TrimPrefix(filepath.Base(os.Args[0]), "kube-")
	if _, ok := commands[name]; !ok {
		if len(os.Args) < 2 {
			usage()
		}
		name = os.Args[1]
		os.Args = os.Args[1:]
	}
	run, ok := commands[name]
	if !ok {
		usage()
	}
	os.Exit(run())
}

// runKubectl is cmd/kubectl's main.
func runKubectl() int {
	logs.GlogSetter(kubectl.GetLogVerbosity(os.Args)) //nolint:errcheck
	command := kubectl.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		kubectlutil.CheckErr(err)
	}
	return 0
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: kube apiserver|controller-manager|scheduler|kubelet|kubectl [flags]")
	os.Exit(2)
}
