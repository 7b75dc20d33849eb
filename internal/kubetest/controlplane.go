package kubetest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// ErrNotReady is returned when the API server's /readyz does not turn
// green in time.
var ErrNotReady = errors.New("api server not ready")

// ControlPlane is kine and kube-apiserver a test started.
type ControlPlane struct {
	Dir        string       // certificates, tokens, kubeconfigs, logs, kine's database
	Server     string       // https://127.0.0.1:PORT
	Config     *rest.Config // the admin's (system:masters)
	Kubeconfig string       // the admin's, as a file
	CAFile     string
	SAKeyFile  string // the service accounts' signing key (its public half: SAKeyFile.pub)
	NodeName   string // the node StartNode registers
	Tools      *Tools

	ca        *ca
	port      int
	kine      *process
	apiserver *process
	users     []user
	component map[string]string // kubeconfig of the kubelet, kube-controller-manager, kube-scheduler
}

// user is one line of the API server's token file.
type user struct {
	token, name string
	groups      []string
}

// Admin's token names the cluster's admin in the token file.
const adminUser = "kubetest-admin"

// StartControlPlane starts kine (sqlite in its own directory) and
// kube-apiserver on a free port of 127.0.0.1, waits for /readyz and
// installs the SeccompProfile CRD of the Security Profiles Operator. When
// the test ends both are stopped and the directory removed, even when it
// failed.
func StartControlPlane(t testing.TB) *ControlPlane {
	t.Helper()
	tools := NeedTools(t)
	dir, err := os.MkdirTemp("", "recorder-kube-")
	if err != nil {
		t.Fatal(err)
	}
	cp := &ControlPlane{Dir: dir, Tools: tools, port: freePort(t)}
	t.Cleanup(func() {
		cp.StopAPIServer()
		cp.kine.stop(10 * time.Second)
		if t.Failed() {
			t.Log(cp.kine.tail(2000))
		}
		os.RemoveAll(dir)
	})
	cp.Server = "https://127.0.0.1:" + strconv.Itoa(cp.port)
	cp.ca = newCA(t, dir)
	cp.CAFile = cp.ca.file
	cp.SAKeyFile = filepath.Join(dir, "sa.key")
	newKeyFile(t, cp.SAKeyFile)
	cp.ca.issue(t, dir, "apiserver", "kube-apiserver", nil,
		[]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.0.0.1")}, []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"})
	cp.ca.issue(t, dir, "kubelet-client", "kube-apiserver-kubelet-client", []string{"system:masters"}, nil, nil)
	admin := cp.AddUser(adminUser, "system:masters")
	cp.Kubeconfig = cp.writeKubeconfig(t, "admin", admin)
	cp.Config = cp.restConfig(admin)
	// The node's components under the names the Node authorizer and the
	// default RBAC bindings know.
	cp.NodeName = "kubetest-" + randHex(4)
	cp.component = map[string]string{
		"kubelet":                 cp.writeKubeconfig(t, "kubelet", cp.AddUser("system:node:"+cp.NodeName, "system:nodes")),
		"kube-controller-manager": cp.writeKubeconfig(t, "kube-controller-manager", cp.AddUser("system:kube-controller-manager")),
		"kube-scheduler":          cp.writeKubeconfig(t, "kube-scheduler", cp.AddUser("system:kube-scheduler")),
	}

	cp.kine = start(t, dir, "kine", tools.Kine,
		"--endpoint", "sqlite://"+dir+"/kine.db?_journal_mode=WAL&_busy_timeout=30000&_synchronous=NORMAL&_txlock=immediate",
		"--listen-address", "unix://"+dir+"/kine.sock", "--metrics-bind-address", "0")
	cp.StartAPIServer(t)
	cp.InstallCRD(t, filepath.Join(moduleRootOf(t), "testdata/spo/seccompprofile-crd.yaml"), "seccompprofiles.security-profiles-operator.x-k8s.io")
	return cp
}

// AddUser adds a user in groups to the token file and returns its token.
// The API server reads the file when it starts: add users before, or
// restart it.
func (cp *ControlPlane) AddUser(name string, groups ...string) string {
	token := "token-" + strconv.Itoa(len(cp.users)) + "-" + randHex(16)
	cp.users = append(cp.users, user{token: token, name: name, groups: groups})
	return token
}

// StartAPIServer starts kube-apiserver (again, after StopAPIServer: same
// port, same data) and waits for /readyz.
func (cp *ControlPlane) StartAPIServer(t testing.TB) {
	t.Helper()
	if cp.apiserver != nil && !cp.apiserver.exited() {
		t.Fatal("the API server runs already")
	}
	var tokens strings.Builder
	for i, u := range cp.users {
		fmt.Fprintf(&tokens, "%s,%s,uid-%d,%q\n", u.token, u.name, i, strings.Join(u.groups, ","))
	}
	tokenFile := filepath.Join(cp.Dir, "tokens.csv")
	if err := os.WriteFile(tokenFile, []byte(tokens.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	d := cp.Dir
	cp.apiserver = start(t, d, "kube-apiserver", cp.Tools.Kube, "apiserver",
		"--etcd-servers", "unix://"+d+"/kine.sock",
		"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(cp.port),
		"--cert-dir", d, "--tls-cert-file", d+"/apiserver.crt", "--tls-private-key-file", d+"/apiserver.key",
		"--client-ca-file", cp.CAFile, "--token-auth-file", tokenFile,
		"--authorization-mode", "Node,RBAC",
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", cp.SAKeyFile+".pub", "--service-account-signing-key-file", cp.SAKeyFile,
		"--service-cluster-ip-range", "10.0.0.0/24",
		"--kubelet-client-certificate", d+"/kubelet-client.crt", "--kubelet-client-key", d+"/kubelet-client.key",
		"--kubelet-preferred-address-types", "InternalIP",
		"--allow-privileged", "--profiling=false")
	if err := cp.waitReady(90 * time.Second); err != nil {
		t.Fatalf("%v\n%s\n%s", err, cp.apiserver.tail(6000), cp.kine.tail(2000))
	}
}

// APIServerRunning reports whether kube-apiserver runs.
func (cp *ControlPlane) APIServerRunning() bool { return cp.apiserver != nil && !cp.apiserver.exited() }

// StopAPIServer stops kube-apiserver; kine and its data stay.
func (cp *ControlPlane) StopAPIServer() {
	cp.apiserver.stop(15 * time.Second)
}

// waitReady polls /readyz with the admin's token until it answers ok.
func (cp *ControlPlane) waitReady(timeout time.Duration) error {
	pool := x509.NewCertPool()
	pool.AddCert(cp.ca.cert)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	var last string
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		if cp.apiserver.exited() {
			return fmt.Errorf("%w: kube-apiserver exited (%s)", ErrNotReady, cp.apiserver.state())
		}
		req, _ := http.NewRequest("GET", cp.Server+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+cp.Config.BearerToken)
		resp, err := client.Do(req)
		if err != nil {
			last = err.Error()
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		last = fmt.Sprintf("%s: %s", resp.Status, body)
	}
	return fmt.Errorf("%w after %v: %s", ErrNotReady, timeout, last)
}

// restConfig is a client configuration of the user with token.
func (cp *ControlPlane) restConfig(token string) *rest.Config {
	return &rest.Config{Host: cp.Server, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAFile: cp.CAFile},
		QPS: 50, Burst: 100}
}

// writeKubeconfig writes a kubeconfig of the user with token into
// Dir/name.kubeconfig and returns its path.
func (cp *ControlPlane) writeKubeconfig(t testing.TB, name, token string) string {
	t.Helper()
	path := filepath.Join(cp.Dir, name+".kubeconfig")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: kubetest
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: %s
  user:
    token: %s
contexts:
- name: kubetest
  context: {cluster: kubetest, user: %s}
current-context: kubetest
`, cp.Server, cp.CAFile, name, token, name)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// KubectlErr runs kubectl as the admin with stdin, and returns its
// standard output; its error holds what kubectl wrote on its standard
// error.
func (cp *ControlPlane) KubectlErr(stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cp.Tools.Kube, append([]string{"kubectl", "--kubeconfig", cp.Kubeconfig}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		err = fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), err
}

// Kubectl runs kubectl as the admin and returns its output; the test
// fails if kubectl does.
func (cp *ControlPlane) Kubectl(t testing.TB, args ...string) string {
	t.Helper()
	out, err := cp.KubectlErr("", args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return out
}

// InstallCRD applies a CRD's manifest and waits until name is established.
func (cp *ControlPlane) InstallCRD(t testing.TB, manifest, name string) {
	t.Helper()
	cp.Kubectl(t, "apply", "-f", manifest)
	cp.Kubectl(t, "wait", "--for", "condition=established", "--timeout", "60s", "crd/"+name)
}

// ServiceAccountToken returns a token of ServiceAccount ns/name (which
// must exist) from the TokenRequest API, valid for an hour.
func (cp *ControlPlane) ServiceAccountToken(t testing.TB, ns, name string) string {
	t.Helper()
	return strings.TrimSpace(cp.Kubectl(t, "create", "token", name, "-n", ns, "--duration", "1h"))
}

// PodToken returns a token of ServiceAccount ns/name bound to a new pod
// of that ServiceAccount scheduled on node (spec.nodeName; nothing runs it
// without a kubelet there), as the kubelet's projected tokens are bound to
// their pod: the API server puts the pod's node into the token, and into
// its user's extra info (authentication.kubernetes.io/node-name).
func (cp *ControlPlane) PodToken(t testing.TB, ns, name, node string) string {
	t.Helper()
	pod := "token-" + randHex(4)
	manifest := fmt.Sprintf(`{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": %q, "namespace": %q},
"spec": {"serviceAccountName": %q, "nodeName": %q, "automountServiceAccountToken": false,
  "containers": [{"name": "c", "image": "kubetest.invalid/none:1"}]}}`, pod, ns, name, node)
	if out, err := cp.KubectlErr(manifest, "create", "-f", "-"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return strings.TrimSpace(cp.Kubectl(t, "create", "token", name, "-n", ns, "--duration", "1h",
		"--bound-object-kind", "Pod", "--bound-object-name", pod))
}

// ConfigFor returns a client configuration and a kubeconfig file that
// authenticate with token (a ServiceAccount's or a token file user's).
func (cp *ControlPlane) ConfigFor(t testing.TB, name, token string) (*rest.Config, string) {
	t.Helper()
	return cp.restConfig(token), cp.writeKubeconfig(t, name, token)
}

// Logs returns the ends of kine's and the API server's logs.
func (cp *ControlPlane) Logs() string {
	return cp.apiserver.tail(6000) + "\n" + cp.kine.tail(2000)
}
