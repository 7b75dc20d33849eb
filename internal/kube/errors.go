package kube

import (
	"errors"
	"net"
	"net/url"
	"syscall"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// ErrCRDMissing: the API server does not serve SeccompProfile v1 (the
// Security Profiles Operator's CRD is not installed).
var ErrCRDMissing = errors.New("the SeccompProfile CRD (security-profiles-operator.x-k8s.io/v1) is not installed")

// ErrNotOurs: an object has the name of a partial, but is not that
// partial (another node's, another workload's, or no partial at all): it
// is left as it is.
var ErrNotOurs = errors.New("an object of that name is not this partial")

// The causes of a failed publish, as the metrics' result label names them.
const (
	ResultOK          = "ok"
	ResultConflict    = "conflict"
	ResultForbidden   = "forbidden"
	ResultCRDMissing  = "crd_missing"
	ResultUnreachable = "unreachable"
	ResultNotOurs     = "not_ours"
	ResultUnresolved  = "unresolved"
	ResultError       = "error"
)

// Results are every result label value, in the metrics' order.
var Results = []string{ResultOK, ResultConflict, ResultForbidden, ResultCRDMissing, ResultUnreachable, ResultNotOurs, ResultUnresolved, ResultError}

// Classify tells the cause of a publishing error, a Result*.
func Classify(err error) string {
	var ne net.Error
	var ue *url.Error
	switch {
	case err == nil:
		return ResultOK
	case errors.Is(err, ErrCRDMissing):
		return ResultCRDMissing
	case errors.Is(err, ErrNotOurs):
		return ResultNotOurs
	case errors.Is(err, ErrPodGone), errors.Is(err, ErrPodReplaced):
		return ResultUnresolved
	case apierrors.IsForbidden(err), apierrors.IsUnauthorized(err):
		return ResultForbidden
	case apierrors.IsConflict(err), apierrors.IsAlreadyExists(err):
		return ResultConflict
	case apierrors.IsServiceUnavailable(err), apierrors.IsServerTimeout(err), apierrors.IsTimeout(err),
		apierrors.IsTooManyRequests(err), apierrors.IsInternalError(err),
		errors.As(err, &ne), errors.As(err, &ue), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		return ResultUnreachable
	}
	return ResultError
}

// hints are what the log says to do about each cause.
var hints = map[string]string{
	ResultForbidden: "RBAC or an admission policy denies it: the service account needs the rules of kube.PublishRules (get pods, replicasets, jobs; get, list, create, update seccompprofiles), " +
		"and under deploy/kubernetes/admission.yaml its pod's own token, on the node it publishes as (--node-name)",
	ResultCRDMissing:  "install the Security Profiles Operator, or its SeccompProfile CRD",
	ResultUnreachable: "the API server cannot be reached",
	ResultConflict:    "the partial changed under us too often",
	ResultNotOurs:     "an object of that name belongs to someone else: it is left as it is",
	ResultUnresolved:  "the pod is gone from the API server: its workload cannot be told",
}
