package host_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// A script runs until its main thread returns; print goes to Stdout.
func ExampleHost_ExecFile() {
	h, err := host.New(host.Config{Stdout: os.Stdout})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	src := `
def worker(n):
    api.sleep(0.01 * n)
    print("worker", n)
    return n * n

gs = [api.spawn(worker, n) for n in (2, 1)]
total = 0
for g in gs:
    total += g.wait()
`
	globals, err := h.ExecFile(context.Background(), "example.star", src)
	if err != nil {
		host.PrintError(os.Stdout, err)
		return
	}
	fmt.Println("total =", globals["total"])
	// Output:
	// worker 1
	// worker 2
	// total = 5
}

// Go programs add their own modules and builtins through Config.
// Blocking runs a blocking Go function off the hub, so other green
// threads keep running while it blocks.
func ExampleBlocking() {
	lookup := host.Blocking("lookup", func(ctx context.Context, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		select {
		case <-time.After(20 * time.Millisecond): // a slow Go call
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return starlark.String(strings.ToUpper(string(args[0].(starlark.String)))), nil
	})
	h, err := host.New(host.Config{
		Stdout:  os.Stdout,
		Modules: map[string]starlark.StringDict{"db": {"lookup": lookup}},
	})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	src := `
load("db", "lookup")
def ticker():
    for i in range(3):
        print("tick", i)
        api.sleep(0)
api.spawn(ticker)
print(lookup("alice"))
`
	if _, err := h.ExecFile(context.Background(), "example.star", src); err != nil {
		host.PrintError(os.Stdout, err)
	}
	// Output:
	// tick 0
	// tick 1
	// tick 2
	// ALICE
}

// Errors print the way the evscript command prints them.
func ExamplePrintError() {
	h, _ := host.New(host.Config{Stdout: os.Stdout})
	defer h.Close()
	_, err := h.ExecFile(context.Background(), "bad.star", "def f(:\n  pass\n")
	host.PrintError(os.Stdout, err)
	_, err = h.ExecFile(context.Background(), "crash.star", "def f():\n    fail('boom')\nf()\n")
	host.PrintError(os.Stdout, err)
	// Output:
	// bad.star:1:8: got ':', want ')'
	// Uncaught exception in green thread "main":
	// Traceback (most recent call last):
	//   crash.star:3:2: in <toplevel>
	//   crash.star:2:9: in f
	// Error in fail: boom
}

// sys.exit is not an error to print: PrintError prints nothing for it, and
// ExitStatus gives its code (as it gives 130 for an uncaught
// KeyboardInterrupt, and 1 for other errors).
func ExampleExitStatus() {
	h, _ := host.New(host.Config{Stdout: os.Stdout})
	defer h.Close()
	_, err := h.ExecFile(context.Background(), "done.star", "print('bye')\nsys.exit(3)\n")
	host.PrintError(os.Stdout, err)
	fmt.Println("status", host.ExitStatus(err))
	h2, _ := host.New(host.Config{Stderr: io.Discard})
	defer h2.Close()
	_, err = h2.ExecFile(context.Background(), "ki.star", "raise_(KeyboardInterrupt)\n")
	fmt.Println("status", host.ExitStatus(err), host.IsKeyboardInterrupt(err))
	// Output:
	// bye
	// status 3
	// status 130 true
}

// A context ends a script wherever it is, even in a busy loop, and the
// error is the context's.
func ExampleHost_ExecFile_cancel() {
	h, _ := host.New(host.Config{})
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := h.ExecFile(ctx, "spin.star", "n = 0\nwhile True:\n    n += 1\n")
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	// Output:
	// true
}

// Config.Stdin is what sys.stdin reads; a read parks only its green
// thread.
func ExampleConfig_stdin() {
	h, _ := host.New(host.Config{Stdout: os.Stdout, Stdin: strings.NewReader("alice\nbob\n")})
	defer h.Close()
	src := `
for line in sys.stdin:
    print("hello", line.strip())
`
	if _, err := h.ExecFile(context.Background(), "greet.star", src); err != nil {
		host.PrintError(os.Stdout, err)
	}
	// Output:
	// hello alice
	// hello bob
}

// Start keeps the hub running in the background: green threads serve while
// Go code calls into the script.
func ExampleHost_Call() {
	h, err := host.New(host.Config{Stdout: os.Stdout})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	h.Start()
	defer h.Stop()
	ctx := context.Background()
	globals, err := h.Exec(ctx, "setup", "counter.star", `
hits = {"n": 0}
def hit(k):
    hits["n"] += k
    api.sleep(0)
    return hits["n"]
`)
	if err != nil {
		panic(err)
	}
	for _, k := range []int{1, 2, 3} {
		v, err := h.Call(ctx, "call", globals["hit"], starlark.Tuple{starlark.MakeInt(k)}, nil)
		fmt.Println(v, err)
	}
	// Output:
	// 1 <nil>
	// 3 <nil>
	// 6 <nil>
}

// NewBuiltin guards a builtin: a Go panic in it is a RuntimeError the
// script can catch, never a crash.
func ExampleNewBuiltin() {
	boom := host.NewBuiltin("boom", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		var m map[string]int
		m["x"] = 1 // a bug: assignment to a nil map
		return starlark.None, nil
	})
	h, _ := host.New(host.Config{Stdout: os.Stdout, Stderr: io.Discard,
		Predeclared: starlark.StringDict{"make_boom": starlark.NewBuiltin("make_boom",
			func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
				return boom, nil // a builtin made elsewhere: guarded by NewBuiltin
			})}})
	defer h.Close()
	src := `
_, e = catch(make_boom())
print(type(e))
`
	if _, err := h.ExecFile(context.Background(), "guard.star", src); err != nil {
		host.PrintError(os.Stdout, err)
	}
	// Output:
	// RuntimeError
}
