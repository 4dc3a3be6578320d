package builtins_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// TestBlockingBuiltinOffHub calls blocking builtins from Go code that is
// not running on a hub task: each must fail with a clear error, never hang
// or panic.
func TestBlockingBuiltinOffHub(t *testing.T) {
	h, err := host.New(host.Config{Stdout: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	globals, err := h.ExecFile(context.Background(), "g.star", "g = api.spawn(lambda: 1)\ng.wait()\n")
	if err != nil {
		t.Fatal(err)
	}
	api := h.Predeclared()["api"].(starlark.HasAttrs)
	sleep, _ := api.Attr("sleep")
	wait, _ := globals["g"].(starlark.HasAttrs).Attr("wait")
	spawn, _ := api.Attr("spawn")
	for _, test := range []struct {
		fn   starlark.Value
		args starlark.Tuple
		want string
	}{
		{sleep, starlark.Tuple{starlark.MakeInt(1)}, "sleep: not called from an evscript green thread"},
		{wait, nil, "wait: not called from an evscript green thread"},
		{spawn, starlark.Tuple{sleep}, "spawn: not called from an evscript green thread"},
	} {
		thread := &starlark.Thread{Name: "plain Go"}
		_, err := starlark.Call(thread, test.fn, test.args, nil)
		if err == nil || !strings.Contains(err.Error(), test.want) {
			t.Errorf("%s off hub: got %v, want %q", test.fn, err, test.want)
		}
	}
}
