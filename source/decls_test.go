package source

import (
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDeclaredOnce: what other systems share with Linux (configuration
// types, paths, names) is declared once, in a file for every system; only
// the stubs differ in source_other.go. A copy drifts: the other systems'
// NetlinkConfig lacked the Linux one's documentation, and a field added on
// Linux alone breaks their builds.
func TestDeclaredOnce(t *testing.T) {
	stubs := []string{"Netlink", "Kmsg"} // their fields are Linux's own
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	linux, other := map[string]string{}, map[string]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		into := map[string]string(nil)
		switch {
		case strings.HasSuffix(name, "_linux.go") || buildsFor(t, f, true) && !buildsFor(t, f, false):
			into = linux
		case buildsFor(t, f, false) && !buildsFor(t, f, true):
			into = other
		default:
			continue // every system
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, s := range g.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					into[s.Name.Name] = name
				case *ast.ValueSpec:
					for _, n := range s.Names {
						into[n.Name] = name
					}
				}
			}
		}
	}
	for n, file := range other {
		if l, ok := linux[n]; ok && ast.IsExported(n) && !slices.Contains(stubs, n) {
			t.Errorf("%s is declared in %s and again in %s: declare it once, in a file for every system", n, l, file)
		}
	}
}

// buildsFor reports whether f's //go:build line lets it build on Linux
// (linux) or on another system, macOS for one (!linux).
func buildsFor(t *testing.T, f *ast.File, linux bool) bool {
	for _, c := range f.Comments {
		for _, l := range c.List {
			if !constraint.IsGoBuild(l.Text) {
				continue
			}
			expr, err := constraint.Parse(l.Text)
			if err != nil {
				t.Fatal(err)
			}
			return expr.Eval(func(tag string) bool {
				switch tag {
				case "linux", "unix":
					return linux || tag == "unix"
				case "darwin":
					return !linux
				}
				return false
			})
		}
	}
	return true
}
