// This file turns a Go panic inside a builtin into an error of the green
// thread that called it: the script sees RuntimeError with a backtrace that
// names the builtin, the Go stack goes to stderr once, and the process and
// its other green threads go on. A panic is a bug in evscript (or in an
// embedder's builtin); it is never swallowed and never ends the process.
//
// Builtins on a park path (sleep, the methods of channels, events, queues,
// semaphores, green threads, files and sockets) are not wrapped: the
// wrapper's frame, even an inline defer, pushes a parked thread's stack
// from 4 KiB to 8 KiB (BenchmarkParkedThread, BenchmarkParkedInCoros). A
// panic there unwinds the green thread to the hub's recover (hub.Task's
// call), whose *hub.PanicError names the Go function that panicked;
// GreenThread.finish makes it the thread's error and reports it, so it is
// never a silent success either.

package builtins

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// builtinFunc is the signature of a builtin's Go function.
type builtinFunc = func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error)

// NewBuiltin is starlark.NewBuiltin with the panic guard: if fn panics, the
// call returns a *hub.PanicError naming the builtin (the script sees
// RuntimeError) and the Go stack is printed to the runtime's stderr.
// Embedders should make their builtins with it; host does so for the
// builtins given in its Config. It may be called from any goroutine.
func NewBuiltin(name string, fn builtinFunc) *starlark.Builtin {
	return starlark.NewBuiltin(name, guarded(fn))
}

// guarded returns fn with the panic guard around it.
func guarded(fn builtinFunc) builtinFunc {
	return func(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (v starlark.Value, err error) {
		defer recoverBuiltin(th, b, &err)
		return fn(th, b, args, kw)
	}
}

// Guard returns v with the panic guard if v is a *starlark.Builtin (it
// cannot tell a builtin already made with NewBuiltin, so such a one gets a
// second guard, one frame more), and v itself otherwise. Do not guard a
// builtin that parks (the shallow-stack rule, doc.go).
// It may be called from any goroutine.
func Guard(v starlark.Value) starlark.Value {
	b, ok := v.(*starlark.Builtin)
	if !ok {
		return v
	}
	g := NewBuiltin(b.Name(), func(th *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		return b.CallInternal(th, args, kw)
	})
	if recv := b.Receiver(); recv != nil {
		return g.BindReceiver(recv)
	}
	return g
}

// recoverBuiltin, deferred by a builtin's Go function, turns a panic into
// *err. It must be the deferred function itself, for recover to work.
func recoverBuiltin(th *starlark.Thread, b *starlark.Builtin, err *error) {
	r := recover()
	if r == nil {
		return
	}
	pe := &hub.PanicError{Where: "builtin " + b.Name(), Value: r, Stack: debug.Stack()}
	if g, ok := th.Local(greenKey).(*GreenThread); ok {
		pe.Where += fmt.Sprintf(" (green thread %q)", g.name)
		g.rt.printPanic(pe)
	}
	*err = pe
}

// printPanic writes a recovered panic and its Go stack to stderr, once, so
// that a script which catches the RuntimeError still leaves a trace.
func (rt *Runtime) printPanic(pe *hub.PanicError) {
	if pe.Printed {
		return
	}
	pe.Printed = true
	fmt.Fprintf(rt.stderr(), "evscript: Go panic in %s: %v\n%s\n", pe.Where, pe.Value, pe.Stack)
}

// isPanic reports whether err carries a recovered Go panic.
func isPanic(err error) bool {
	var pe *hub.PanicError
	return errors.As(err, &pe)
}
