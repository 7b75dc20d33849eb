package layers

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/recorder-dev/recorder/"

// rank is each package's layer along the data's road: a package imports
// only packages of a lower rank. A package missing here fails the test, so
// a new one is placed on purpose.
var rank = map[string]int{
	// The leaves: records, the ABIs and their calls' names, cgroup paths,
	// /proc, process events, safe files.
	"audit": 0, "syscalls": 0, "syscalls/internal/mksyscalls": 0,
	"cgroup": 0, "safefile": 0, "internal/procfs": 0, "internal/procev": 0,
	"internal/testlock": 0, "internal/usage": 0, "internal/imagetar": 0,
	"internal/golden": 0, // for tests only (testOnly)
	// Profiles: the set of calls, building and encoding.
	"profilegen": 1, "internal/sandbox": 1,
	// The road of a record.
	"pipeline": 2, "internal/buildinfo": 2,
	// What feeds it and what works on its output.
	"source": 3, "profiletool": 3, "internal/containers": 3,
	// The engines of the commands.
	"internal/runner": 4, "internal/watch": 4, "internal/kube": 4,
	// Test helpers and the commands.
	"internal/audittest": 5, "internal/runctest": 5, "internal/profiletest": 5, "internal/attacker": 5,
	"internal/kubetest": 6, "cmd/recorder": 6, "bench/run": 6, "internal/imagetar/mkimage": 6, "bench/spo": 6, "internal/layers": 6,
}

// forbidden are imports the ranks allow that would still run against the
// road: a source knows lines, not profiles.
var forbidden = map[string][]string{
	"source":   {"profilegen", "profiletool", "syscalls"},
	"pipeline": {"source"},
}

// testOnly are packages of tests: no non-test file imports them.
var testOnly = map[string]bool{"internal/golden": true}

// TestLayers reads every non-test Go file of the module (all build tags)
// and checks each import of the module's own packages against rank.
func TestLayers(t *testing.T) {
	imports := moduleImports(t, "../..")
	if len(imports) < 10 {
		t.Fatalf("found %d packages: not the module's root?", len(imports))
	}
	var pkgs []string
	for p := range imports {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, p := range pkgs {
		r, ok := rank[p]
		if !ok {
			t.Errorf("package %s has no rank: add it to rank", p)
			continue
		}
		for dep := range imports[p] {
			d, ok := rank[dep]
			switch {
			case !ok:
				t.Errorf("%s imports %s, which has no rank", p, dep)
			case d >= r:
				t.Errorf("%s (rank %d) imports %s (rank %d): an import that runs up the layers", p, r, dep, d)
			}
			if testOnly[dep] {
				t.Errorf("%s imports %s, which is for tests only", p, dep)
			}
			for _, f := range forbidden[p] {
				if dep == f {
					t.Errorf("%s imports %s: forbidden", p, dep)
				}
			}
		}
	}
}

// moduleImports maps each package under root (by its path in the module)
// to the module's packages its non-test files import.
func moduleImports(t *testing.T, root string) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() && path != root {
			// A directory with a go.mod of its own (test/kube/tools) is
			// another module, not a package of this one.
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			}
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		if out[pkg] == nil {
			out[pkg] = map[string]bool{}
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if dep, ok := strings.CutPrefix(p, module); ok {
				out[pkg][dep] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", root, err)
	}
	return out
}

// TestEveryTestTakesUpdate: the test files of every package import package
// golden, which registers -update, so that go test ./... -update runs: a
// test binary without the flag fails on it, and the whole run with it.
func TestEveryTestTakesUpdate(t *testing.T) {
	fset := token.NewFileSet()
	tested := map[string]bool{} // package dir -> imports golden
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "../.." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == module+"internal/golden" {
				tested[dir] = true
			}
		}
		if !tested[dir] {
			tested[dir] = false
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(tested) < 10 {
		t.Fatalf("found %d packages with tests: not the module's root?", len(tested))
	}
	for dir, ok := range tested {
		if !ok && filepath.ToSlash(dir) != "../../internal/golden" {
			t.Errorf("%s: no test file imports internal/golden, so its test binary has no -update (add update_test.go)", dir)
		}
	}
}
