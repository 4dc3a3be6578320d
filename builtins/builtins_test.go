package builtins_test

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

// TestScripts runs every testdata/*.star file in a fresh host. The files use
// assert.eq, assert.true and assert.fails from go.starlark.net's assert.star;
// a failed assertion in any green thread fails the test.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.star")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	assert, err := starlarktest.LoadAssertModule()
	if err != nil {
		t.Fatal(err)
	}
	certs := testCerts(t) // TLS_CA, TLS_CERT, TLS_KEY (tlscert_test.go)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var out bytes.Buffer
			h, err := host.New(host.Config{
				Stdout:      &out,
				Stderr:      &out,
				Predeclared: certs,
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
