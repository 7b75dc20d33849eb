package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPublishUsage: --publish needs the container grouping and a node
// name; --kubeconfig means nothing without it; pull takes
// KIND/NAMESPACE/NAME. Each is a usage error of one line.
func TestPublishUsage(t *testing.T) {
	t.Setenv("NODE_NAME", "")
	dir := t.TempDir()
	live := []string{"-d", dir, "--process-events", "off", "--cri-endpoint", "none", "--source", "syslog:/dev/null"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{append([]string{"watch", "--publish"}, live...), "--publish needs --group-by container"},
		{append([]string{"watch", "--publish", "--group-by", "container"}, live...), "--publish needs --node-name"},
		{append([]string{"watch", "--kubeconfig", "k"}, live...), "--kubeconfig needs --publish"},
		{[]string{"pull", "deployment/web"}, "want KIND/NAMESPACE/NAME"},
		{[]string{"pull"}, "wrong number of arguments"},
	} {
		_, errOut, code := recorder(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("recorder %q: exit %d, %q; want a usage error saying %q", tc.args, code, errOut, tc.want)
		}
	}
}

// TestPullNoCluster: a kubeconfig that is not there is an error (exit 1)
// that names it, and nothing is written.
func TestPullNoCluster(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "web.json")
	_, errOut, code := recorder(t, "pull", "--kubeconfig", filepath.Join(dir, "nokubeconfig"), "-o", out, "deployment/shop/web")
	if code != 1 || !strings.Contains(errOut, "nokubeconfig") {
		t.Errorf("exit %d, %q; want 1 naming the kubeconfig", code, errOut)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s written: %v", out, err)
	}
}
