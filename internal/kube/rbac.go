package kube

import (
	rbacv1 "k8s.io/api/rbac/v1"
)

// PublishRules are the RBAC rules a watch publishing partials needs, and
// no more (a ClusterRole: SeccompProfiles are cluster-scoped, and pods of
// every namespace are recorded): get on pods, on replicasets (a
// Deployment's pod's owner) and on jobs (a CronJob's pod's owner), for the
// owner references alone; get, create and update on seccompprofiles, and
// list for this node's partials once at start (the pods they hold keep
// their workload when deleted). It watches nothing. deploy/kubernetes's
// ClusterRole must grant exactly these (its test compares).
var PublishRules = []rbacv1.PolicyRule{
	{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}},
	{APIGroups: []string{"apps"}, Resources: []string{"replicasets"}, Verbs: []string{"get"}},
	{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"get"}},
	{APIGroups: []string{"security-profiles-operator.x-k8s.io"}, Resources: []string{"seccompprofiles"}, Verbs: []string{"get", "list", "create", "update"}},
}

// PullRules are what `recorder pull` needs: list on seccompprofiles, get
// for the previous version, and create and update with --apply.
var PullRules = []rbacv1.PolicyRule{
	{APIGroups: []string{"security-profiles-operator.x-k8s.io"}, Resources: []string{"seccompprofiles"}, Verbs: []string{"get", "list", "create", "update"}},
}
