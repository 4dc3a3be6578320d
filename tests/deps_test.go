package tests

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/evscript/evscript/"

// importRule says which imports a package may not have.
type importRule struct {
	pkg    string   // package directory, relative to the module root
	forbid []string // import path prefixes it must not use
}

var importRules = []importRule{
	{"hub", []string{"go.starlark.net", module}},
	{"builtins", []string{module + "host", module + "stdlib", module + "cmd", "github.com/peterh/liner"}},
	{"stdlib", []string{module + "host", module + "cmd", "github.com/peterh/liner"}},
	{"host", []string{module + "cmd", "github.com/peterh/liner", "golang.org/x/sys"}},
	{"cmd/evscript", []string{module + "hub", module + "builtins", "golang.org/x/sys"}},
	{"tests", []string{module + "cmd"}},
}

// TestImportRules enforces the dependency direction of STYLE.md §3.1:
// hub knows nothing of Starlark or the rest of evscript; the CLI uses only
// host; liner is imported by cmd/evscript alone; x/sys/unix only by hub and
// builtins/*_linux.go; only hub/task.go starts goroutines inside hub.
func TestImportRules(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != ".." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel("..", path)
		dir := filepath.ToSlash(filepath.Dir(rel))
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, r := range importRules {
				if dir != r.pkg && !strings.HasPrefix(dir, r.pkg+"/") {
					continue
				}
				// External test packages may use the layers above them
				// (builtins_test runs scripts through host); hub's may not.
				if strings.HasSuffix(rel, "_test.go") && r.pkg != "hub" {
					continue
				}
				for _, bad := range r.forbid {
					if strings.HasPrefix(p, bad) {
						t.Errorf("%s imports %s, which %s must not", rel, p, r.pkg)
					}
				}
			}
			if p == "github.com/peterh/liner" && dir != "cmd/evscript" {
				t.Errorf("%s imports liner; only cmd/evscript may", rel)
			}
			if p == "golang.org/x/sys/unix" && dir != "hub" && !(dir == "builtins" && strings.HasSuffix(rel, "_linux.go")) &&
				!strings.HasSuffix(rel, "_test.go") {
				t.Errorf("%s imports x/sys/unix; only hub and builtins/*_linux.go may", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestHubGoStatements checks that inside hub only task.go starts goroutines.
func TestHubGoStatements(t *testing.T) {
	files, _ := filepath.Glob("../hub/*.go")
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") || strings.HasSuffix(file, "task.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			inspectGo(t, fset, file, decl)
		}
	}
}
