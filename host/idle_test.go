package host_test

import (
	"context"
	"io"
	"runtime/metrics"
	"testing"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// forcedGCs returns the number of collections forced by the program.
func forcedGCs() int64 {
	s := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// TestIdleReleasesMemory checks that a host whose loop goes idle after
// making garbage collects it, off the hub, without the script asking.
func TestIdleReleasesMemory(t *testing.T) {
	gcs := starlark.NewBuiltin("forced_gcs", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		return starlark.MakeInt64(forcedGCs()), nil
	})
	h, err := host.New(host.Config{Stdout: io.Discard, Predeclared: starlark.StringDict{"forced_gcs": gcs}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	globals, err := h.ExecFile(context.Background(), "idle.star", `
before = forced_gcs()
junk = []
for i in range(20000):
    junk.append("x" * 200)   # about 4 MB, garbage once junk is dropped
junk = None
after = before
for i in range(60):          # idle for up to 3 s: the loop releases after 1 s
    api.sleep(0.05 if i > 0 else 1.2)
    after = forced_gcs()
    if after > before:
        break
`)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := starlark.AsInt32(globals["before"])
	after, _ := starlark.AsInt32(globals["after"])
	if after <= before {
		t.Fatalf("forced collections %d -> %d: the idle loop released nothing", before, after)
	}
}
