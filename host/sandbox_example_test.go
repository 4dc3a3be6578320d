package host_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// A sandboxed host grants its scripts only what it names, and bounds
// what they spend: here no sockets and a step budget per slice.
func ExampleSandbox() {
	h, err := host.New(host.Config{
		Stdout:  os.Stdout,
		Sandbox: &host.Sandbox{MaxSteps: 100_000, MaxThreads: 100},
		OnError: func(string, error) {}, // the loop's error is shown below
	})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	_, err = h.ExecFile(context.Background(), "tenant.star", `
_, err = catch(lambda: socket.socket())
print(isinstance(err, PermissionError), err.message)
def spin():
    while True:
        pass
g = api.spawn(spin)
g.name = "loop"
_, err = catch(g.wait)
print(isinstance(err, RuntimeError), err.message)
`)
	if err != nil {
		host.PrintError(os.Stdout, err)
	}
	// Output:
	// True socket.socket: not granted by the host's sandbox (grant "socket")
	// True green thread "loop" ran 100000 Starlark steps without waiting: the host's step budget (sandbox MaxSteps)
}

// Blocking detection reports a green thread that holds the hub too long;
// OnBlocked receives the report instead of stderr.
func ExampleConfig_onBlocked() {
	h, err := host.New(host.Config{
		Stdout:   os.Stdout,
		Blocking: 100 * time.Millisecond,
		OnBlocked: func(b host.Blocked) {
			frames := strings.Split(strings.TrimSpace(b.Backtrace), "\n")
			_, fn, _ := strings.Cut(frames[len(frames)-1], ": in ")
			fmt.Printf("%s held the hub for more than %v, in %s\n", b.Thread, b.Resolution, fn)
		},
	})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	_, err = h.ExecFile(context.Background(), "busy.star", `
def spin(limit):
    t0 = time.now()
    while (time.now() - t0) / time.second < limit:
        pass
g = api.spawn(spin, 0.3)
g.name = "spinner"
g.wait()
`)
	if err != nil {
		host.PrintError(os.Stdout, err)
	}
	// Output:
	// spinner held the hub for more than 100ms, in spin
}

// OnSwitch carries per-thread context: here the host's log builtin tags
// each line with the request the running green thread serves, as the
// seed's GreenletContext does.
func ExampleConfig_onSwitch() {
	var current string // the running thread's request: set on switch in
	logf := starlark.NewBuiltin("log", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		fmt.Printf("[%s] %s\n", current, string(args[0].(starlark.String)))
		return starlark.None, nil
	})
	h, err := host.New(host.Config{
		Predeclared: starlark.StringDict{"log": logf},
		OnSwitch: func(th *starlark.Thread, in bool) {
			if in {
				current = th.Name
			} else {
				current = ""
			}
		},
	})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	_, err = h.ExecFile(context.Background(), "requests.star", `
def handle():
    log("start")
    api.sleep(0)
    log("end")
gs = []
for rid in ("req-1", "req-2"):
    g = api.spawn(handle)
    g.name = rid
    gs.append(g)
for g in gs:
    g.wait()
log("all done")
`)
	if err != nil {
		host.PrintError(os.Stdout, err)
	}
	// Output:
	// [req-1] start
	// [req-2] start
	// [req-1] end
	// [req-2] end
	// [main] all done
}
