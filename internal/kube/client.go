package kube

import (
	"fmt"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// requestTimeout bounds each request, so that an API server gone silent
// fails a publish instead of holding it.
const requestTimeout = 15 * time.Second

// RESTConfig is the client configuration of kubeconfig, a file; "" is
// the pod's service account (in-cluster) when inCluster, else the
// kubeconfig kubectl would use ($KUBECONFIG, ~/.kube/config).
func RESTConfig(kubeconfig string, inCluster bool) (*rest.Config, error) {
	var cfg *rest.Config
	var err error
	switch {
	case kubeconfig != "":
		cfg, err = clientcmd.BuildConfigFromFlags("", kubeconfig)
	case inCluster:
		cfg, err = rest.InClusterConfig()
	default:
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		cfg, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	}
	if err != nil {
		return nil, fmt.Errorf("kubernetes client configuration: %w", err)
	}
	cfg.Timeout = requestTimeout
	cfg.UserAgent = "recorder"
	return cfg, nil
}

// Clients are the clients the package uses.
type Clients struct {
	Profiles dynamic.NamespaceableResourceInterface
	Metadata metadata.Interface
	Dynamic  dynamic.Interface // for the rest (PolicyMissing)
}

// NewClients makes the clients of cfg.
func NewClients(cfg *rest.Config) (Clients, error) {
	d, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return Clients{}, fmt.Errorf("kubernetes client: %w", err)
	}
	m, err := metadata.NewForConfig(cfg)
	if err != nil {
		return Clients{}, fmt.Errorf("kubernetes client: %w", err)
	}
	return Clients{Profiles: d.Resource(ProfilesResource), Metadata: m, Dynamic: d}, nil
}
