package builtins

import (
	"context"
	"io"
	"testing"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// TestSelectStdinBounded runs select loops on a stdin that never delivers:
// the waiters registered on it and the read-ahead tasks must stay bounded,
// however many calls there are.
func TestSelectStdinBounded(t *testing.T) {
	for _, test := range []struct {
		name, src string
	}{
		{"timeout 0", "for i in range(20000):\n    select.select([sys.stdin], [], [], 0)\n"},
		{"short timeouts", "for i in range(30):\n    select.select([sys.stdin], [], [], 0.001)\n"},
		{"stdin and a socket", "s = api.tcp_listener(('127.0.0.1', 0))\nfor i in range(20000):\n    select.select([sys.stdin, s], [], [], 0)\n"},
		{"several threads", `
def loop():
    for i in range(20):
        select.select([sys.stdin], [], [], 0.001)
gs = [api.spawn(loop) for i in range(5)]
for g in gs:
    g.wait()
`},
	} {
		t.Run(test.name, func(t *testing.T) {
			hb, err := hub.New(hub.Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer hb.Close()
			pr, pw := io.Pipe() // never written: every read blocks
			defer pw.Close()
			rt := NewRuntime(hb)
			rt.Stdin, rt.Stdout, rt.Stderr = pr, io.Discard, io.Discard
			// The select and sys modules as stdlib defines them (an
			// internal test cannot import stdlib, which imports builtins).
			pred := rt.Predeclared(
				&Module{Name: "select", Funcs: map[string]Func{"select": Select}},
				&Module{Name: "sys", Values: (*Runtime).SysValues},
			)
			var notify, live int
			main := rt.Run("main", func(th *starlark.Thread) (starlark.Value, error) {
				_, err := starlark.ExecFileOptions(&syntax.FileOptions{While: true, TopLevelControl: true, GlobalReassign: true}, th, "sel.star", test.src, pred)
				notify, live = len(rt.stdin.src.notify), hb.Live()
				return starlark.None, err
			})
			main.Task().OnDone(hb.Stop)
			if err := hb.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if _, err := main.Result(); err != nil {
				t.Fatal(err)
			}
			// main and at most one read-ahead (parked in its read).
			if notify > 1 || live > 2 {
				t.Errorf("after the loop: %d select waiters on stdin, %d live tasks; want at most 1 and 2", notify, live)
			}
		})
	}
}
