// Package hosttest runs a package's testdata/*.star files, each in a fresh
// host, for the tests of builtins and of every stdlib module.
package hosttest

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarktest"
)

// RunScripts runs every file matching pattern (testdata/*.star, say) in a
// fresh host, as a subtest named after the file, with extra predeclared
// beside the standard names. The files use assert.eq, assert.true and
// assert.fails from go.starlark.net's assert.star (load("assert.star",
// "assert")); a failed assertion in any green thread, or an uncaught
// error in main, fails the subtest. Each file has 20 s.
// It must be called from the test's goroutine.
func RunScripts(t *testing.T, pattern string, extra starlark.StringDict) {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files match %s: %v", pattern, err)
	}
	assert, err := starlarktest.LoadAssertModule()
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var out bytes.Buffer
			h, err := host.New(host.Config{
				Stdout:      &out,
				Stderr:      &out,
				Predeclared: extra,
				Modules:     map[string]starlark.StringDict{"assert.star": assert},
				ThreadInit:  func(th *starlark.Thread) { starlarktest.SetReporter(th, t) },
			})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if _, err := h.ExecFile(ctx, file, nil); err != nil {
				host.PrintError(&out, err)
				t.Errorf("%s failed:\n%s", file, out.String())
			}
		})
	}
}
