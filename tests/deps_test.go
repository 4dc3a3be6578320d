package tests

import (
	"bytes"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/evscript/evscript/"

// allowed lists, for each package (a directory relative to the module
// root, or a prefix ending in "/"), the packages of this module it may
// import, as go/build's deps_test does for the standard library: the
// lattice hub < builtins < stdlib/<module> < stdlib < host < cmd/evscript.
// A stdlib module package may use another only where it wraps it
// (websocket takes its connections over from wsgi; eventlet offers coros's
// values under today's eventlet names). Test files of external test packages may
// use the layers above them (builtins_test runs scripts through host);
// hub's may not.
var allowed = map[string][]string{
	"hub":              {},
	"builtins":         {"hub"},
	"stdlib/internal/": {},
	"stdlib/":          {"hub", "builtins", "stdlib/internal/"},
	"stdlib/websocket": {"hub", "builtins", "stdlib/internal/", "stdlib/wsgi"},
	"stdlib/eventlet":  {"builtins", "stdlib/coros"},
	"stdlib":           {"builtins", "stdlib/"},
	"host":             {"hub", "builtins", "stdlib", "stdlib/"},
	"host/hosttest":    {"host"},
	"cmd/evscript":     {"host"},
	"tests":            {"hub", "builtins", "stdlib", "stdlib/", "host", "host/"},
	"tests/":           {"tests/"},
}

// rule returns the allow-list entry for dir: its own, or the longest
// prefix entry that covers it.
func rule(dir string) ([]string, bool) {
	if r, ok := allowed[dir]; ok {
		return r, true
	}
	best := ""
	for k := range allowed {
		if strings.HasSuffix(k, "/") && strings.HasPrefix(dir, k) && len(k) > len(best) {
			best = k
		}
	}
	r, ok := allowed[best]
	return r, ok && best != ""
}

// permits reports whether list allows importing the module package pkg.
func permits(list []string, pkg string) bool {
	for _, a := range list {
		if a == pkg || strings.HasSuffix(a, "/") && strings.HasPrefix(pkg, a) {
			return true
		}
	}
	return false
}

// drivers are the database drivers only stdlib/db_pool may import.
var drivers = []string{"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/lib/pq", "github.com/mattn/go-sqlite3"}

// TestImportRules enforces the dependency lattice (allowed): hub knows
// nothing of Starlark or the rest of evscript; the CLI uses only host;
// liner is imported by cmd/evscript alone; x/sys/unix only by hub and
// system-specific files (a _linux.go name or a //go:build line), where the
// cross-compiles of .ci/run check them; database drivers only by
// stdlib/db_pool.
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
		isTest := strings.HasSuffix(rel, "_test.go")
		external := isTest && strings.HasSuffix(f.Name.Name, "_test")
		list, ok := rule(dir)
		if !ok {
			t.Errorf("%s: package %s has no entry in the allow-list", rel, dir)
			return nil
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if pkg, ok := strings.CutPrefix(p, module); ok {
				if !permits(list, pkg) && !(external && dir != "hub") {
					t.Errorf("%s imports %s, which %s may not (allowed: %v)", rel, p, dir, list)
				}
			}
			if strings.HasPrefix(p, "go.starlark.net") && dir == "hub" {
				t.Errorf("%s imports %s; hub must not", rel, p)
			}
			if p == "github.com/peterh/liner" && dir != "cmd/evscript" {
				t.Errorf("%s imports liner; only cmd/evscript may", rel)
			}
			if p == "golang.org/x/sys/unix" && dir != "hub" && !systemSpecific(path, rel) && !isTest {
				t.Errorf("%s imports x/sys/unix; only hub and system-specific files (_linux.go, //go:build) may", rel)
			}
			for _, drv := range drivers {
				if strings.HasPrefix(p, drv) && dir != "stdlib/db_pool" {
					t.Errorf("%s imports the database driver %s; only stdlib/db_pool may", rel, p)
				}
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

// systemSpecific reports whether the Go file at path is built for some
// systems only: its name ends in _linux.go, or it starts with a //go:build
// line.
func systemSpecific(path, rel string) bool {
	if strings.HasSuffix(rel, "_linux.go") {
		return true
	}
	src, err := os.ReadFile(path)
	return err == nil && bytes.HasPrefix(src, []byte("//go:build "))
}
