package builtins_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/evscript/evscript/builtins"
	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// TestNewAttrs checks an exception made with further attributes: they
// read like the standard ones, dir lists them, and catch keeps them.
func TestNewAttrs(t *testing.T) {
	cls := builtins.NewClass("DataError", builtins.ConnectionError)
	e := cls.NewAttrs(starlark.StringDict{"status": starlark.MakeInt(404)}, "not found")
	if got, want := e.AttrNames(), []string{"args", "message", "status", "traceback", "type"}; !slices.Equal(got, want) {
		t.Errorf("AttrNames() = %v, want %v", got, want)
	}
	raise := starlark.NewBuiltin("raise_data", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		return nil, e
	})
	var out bytes.Buffer
	h, err := host.New(host.Config{Stdout: &out, Stderr: &out, Predeclared: starlark.StringDict{"raise_data": raise}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = h.ExecFile(ctx, "attrs.star", `
_, e = catch(raise_data)
print(type(e), e.status, e.message, isinstance(e, ConnectionError), hasattr(e, "nope"))
`)
	if err != nil {
		host.PrintError(&out, err)
		t.Fatal(out.String())
	}
	if got, want := out.String(), "DataError 404 not found True False\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}
